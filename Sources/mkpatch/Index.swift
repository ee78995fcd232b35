import ArgumentParser
import DeltaCore

/// `mkpatch index OUTDIR`
struct Index: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the results of `mkpatch batch --run-job` jobs into OUTDIR/patches.",
        discussion:
            "Reads every OUTDIR/.jobs/*.line and adds or replaces its line in OUTDIR/patches, under the list's lock."
    )

    @Argument(help: "The output directory the jobs wrote to.")
    var output: String

    func run() throws {
        let merged = try BatchRunner.index(outputDirectory: output)
        try Console.writeResult("\(BatchRunner.listPath(outputDirectory: output)): \(merged) job results merged")
    }
}
