import ArgumentParser
import DeltaCore
import Foundation

/// `mkpatch verify PATCHLIST [--distdir DIR] [--patch-dir DIR]`
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every entry of a patch list: the patch, its base, and what applying it gives.",
        discussion: """
            For each entry: the patch file's size and every digest given, the base file's, then \
            the patch is applied and the result's uncompressed size and digests are checked. Each \
            failure is reported as PATCHLIST:LINE: reason, as are lines that do not parse. Exit \
            status 0 when everything passed, 1 otherwise.

            Bare patch names are looked up beside the list unless --patch-dir says otherwise (a \
            patch named by URL is looked up by its file name); bases in --distdir.
            """
    )

    @Argument(help: "The patch list to check.")
    var patchList: String

    @Option(help: "Where the base files are.")
    var distdir = "."

    @Option(help: "Where the patch files are (default: beside the list).")
    var patchDir: String?

    func run() throws {
        let report = try PatchListVerifier.verify(listPath: patchList, distdir: distdir, patchDirectory: patchDir,
                                                  scratchDirectory: FileManager.default.temporaryDirectory.path)
        for failure in report.failures {
            Console.writeDiagnostic("\(failure)")
        }
        try Console.writeResult("\(patchList): \(report.entriesChecked) entries, \(report.entriesPassed) passed, \(report.failures.count) problems")
        if !report.failures.isEmpty { throw ExitCode.failure }
    }
}
