import ArgumentParser
import DeltaCore
import Foundation

/// `deltafetch record-alternate FILE --distdir DIR --patches LIST... --manifest MANIFEST`
struct RecordAlternateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record-alternate",
        abstract: "Record a rebuilt distfile's digests in the alternate-digest database, after verifying its content.",
        discussion: """
            For a file in the distdir that was rebuilt from patches (GLEP 25 "Compressed \
            MD5sums"): its uncompressed content must match a patch list entry that yields it \
            (UMD5, UBLAKE2B, …). When its compressed digests differ from the Manifest's, the \
            pair is added to the database so that it is accepted as that distfile; when they \
            match, nothing needs recording. A file whose content does not match is refused.

            Example:
              deltafetch record-alternate foo-2.tar.gz --distdir DIR --patches patches --manifest Manifest
            """
    )

    @Argument(help: "The rebuilt distfile (a name in the distdir).")
    var file: String

    @Option(help: "The distdir holding the file.")
    var distdir: String

    @Option(name: .customLong("patches"), help: "A patch list with the entry that yields the file (repeatable).")
    var patchLists: [String] = []

    @Option(help: "The Manifest with the file's DIST entry.")
    var manifest: String

    @Option(
        help:
            "The alternate-digest database (default: the config's alternate-digests, $DELTAFETCH_ALTERNATE_DIGESTS, or DISTDIR/.deltafetch/alternate-digests)."
    )
    var alternateDigests: String?

    func run() throws {
        guard !file.contains("/") else {
            throw ValidationError("'\(file)' must be a file name in the distdir, not a path")
        }
        var expected = [DigestSet]()
        for path in patchLists {
            let (list, problems) = try PatchList.load(path: path)
            for problem in problems { Console.writeDiagnostic("warning: \(problem)") }
            expected += list.entries.filter { $0.targetName == file }.map(\.target.digests)
        }
        guard !expected.isEmpty else {
            throw CLIError("no patch list entry yields \(file), so its content cannot be verified")
        }
        let (manifestFile, problems) = try Manifest.load(path: manifest)
        for problem in problems { Console.writeDiagnostic("warning: \(problem)") }
        guard let original = manifestFile[file] else { throw CLIError("\(manifest): no DIST entry for \(file)") }

        let inspection = try FileInspector.inspect(path: Paths.join(distdir, file))
        guard let matching = expected.first(where: { $0.matches(inspection.uncompressed) }) else {
            throw AlternateDigestError.contentMismatch(file: Paths.join(distdir, file))
        }
        if original.digests.matches(inspection.compressed) {
            try writeResult("\(file): matches the Manifest; nothing to record")
            return
        }
        let proof = try VerifiedContent(expected: matching, actual: inspection.uncompressed, file: file)
        let entry = AlternateDigestEntry(
            original: HashedPart(name: file, digests: original.digests),
            alternate: HashedPart(name: nil, digests: inspection.compressed))
        var overrides = FetchSettings.Overrides()
        overrides.alternateDigests = alternateDigests
        let database = try resolvedSettings(overrides).alternateDatabase(distdir: distdir)
        if !entry.isGLEP25Line {
            // Here nothing records the original's MD5 (a fetch takes it from the patch).
            Console.writeDiagnostic(
                "warning: \(manifest) gives no MD5 for \(file): its line carries the Manifest's hashes only, "
                    + "which deltafetch reads but a GLEP 25 reader (MD5 only) cannot")
        }
        let added = try database.add(entry, verifiedBy: proof)
        try writeResult(added ? "\(file): alternate digests recorded in \(database.path)" : "\(file): already recorded")
    }
}
