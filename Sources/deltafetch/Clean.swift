import ArgumentParser
import DeltaCore
import Foundation

/// `deltafetch clean --distdir DIR`
struct CleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Drop alternate digests whose file is gone, and rebuilt files nothing vouches for.",
        discussion: """
            GLEP 25's alternate-digest database records rebuilt files whose compressed bytes \
            differ from the tree's. Such files are kept apart in DISTDIR/.deltafetch/alternates/ \
            (or, with shared-database = yes, under the distfile's own name). This removes the \
            pairs whose file exists in neither place, and any malformed or duplicate line, \
            rewriting the database atomically under its lock; then it deletes the files in \
            .deltafetch/alternates/ that no remaining pair vouches for. It is safe while other \
            deltafetch processes use the same distdir.

            Example:
              deltafetch clean --distdir /var/cache/distfiles
            """
    )

    @Option(help: "The distdir whose database to clean.")
    var distdir: String

    @Option(
        help:
            "The alternate-digest database (default: the config's alternate-digests, $DELTAFETCH_ALTERNATE_DIGESTS, or DISTDIR/.deltafetch/alternate-digests)."
    )
    var alternateDigests: String?

    func run() throws {
        try requireDirectory(distdir)
        var overrides = FetchSettings.Overrides()
        overrides.alternateDigests = alternateDigests
        let database = try resolvedSettings(overrides).alternateDatabase(distdir: distdir)
        let report = try database.clean(distdir: distdir)
        let orphans =
            report.orphans > 0
            ? "; deleted \(report.orphans) unvouched file(s) from \(AlternateFiles.relativeDirectory)" : ""
        try writeResult(
            "alternate digests: kept \(report.kept), removed \(report.removed) (file gone), discarded \(report.discarded) (malformed or duplicate)"
                + orphans)
    }
}
