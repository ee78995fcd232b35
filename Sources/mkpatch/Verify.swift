import ArgumentParser
import DeltaCore

/// `mkpatch verify PATCHLIST... [--distdir DIR] [--patch-dir DIR]`
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every entry of a patch list: the patch, its base, and what applying it gives.",
        discussion: """
            For each entry: the patch file's size and every digest given, the base file's, then \
            the patch is applied and the result's uncompressed size and digests are checked. Each \
            failure is reported as PATCHLIST:LINE: reason, as are lines that do not parse. Exit \
            status 0 when everything passed, 1 otherwise.

            Several lists (profiles/patches.global and a package's patches, say) are also \
            checked together, as a client reads them: a patch named twice is reported as a \
            duplicate, or as a contradiction when the lines disagree about its size, its base \
            or its content, naming both lines (LIST:LINE) and the one a client uses (stronger \
            hashes win; between equals, the later line). Either makes the exit status 1.

            Bare patch names are looked up beside the list unless --patch-dir says otherwise (a \
            patch named by URL is looked up by its file name); bases in --distdir.
            """
    )

    @Argument(help: "The patch lists to check (each alone, then all together for duplicates and contradictions).")
    var patchLists: [String]

    @Option(help: "Where the base files are.")
    var distdir = "."

    @Option(help: "Where the patch files are (default: beside the list).")
    var patchDir: String?

    func validate() throws {
        if patchLists.isEmpty { throw ValidationError("give at least one patch list") }
    }

    func run() throws {
        var failed = false
        for patchList in patchLists {
            let report = try PatchListVerifier.verify(
                listPath: patchList, distdir: distdir, patchDirectory: patchDir,
                scratchDirectory: FileSystem.temporaryDirectory)
            for failure in report.failures {
                Console.writeDiagnostic("\(failure)")
            }
            try Console.writeResult(
                "\(patchList): \(report.entriesChecked) entries, \(report.entriesPassed) passed, \(report.failures.count) problems"
            )
            failed = failed || !report.failures.isEmpty
        }
        let conflicts = try PatchListVerifier.conflicts(listPaths: patchLists)
        for conflict in conflicts { Console.writeDiagnostic("\(conflict)") }
        if !conflicts.isEmpty {
            let contradictions = conflicts.filter { $0.contradiction != nil }.count
            try Console.writeResult("\(conflicts.count - contradictions) duplicates, \(contradictions) contradictions")
        }
        if failed || !conflicts.isEmpty { throw ExitCode.failure }
    }
}
