import ArgumentParser
import DeltaCore

/// `mkpatch rebuild OLD PATCH... -o NEW`
struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild a distfile, compressed and bit for bit, from an old one and a chain of patches.",
        discussion: """
            Applies each patch in turn to the previous result's content (OLD may be the compressed \
            distfile), recompresses with the recipe stored in the last patch by `mkpatch create`, \
            and writes NEW only when it matches the compressed size and digests the patch records. \
            On any error nothing is left at NEW.

            Example:
              mkpatch rebuild six-1.16.0.tar.gz six-1.16.0-1.17.0.tar.gz.patch -o six-1.17.0.tar.gz
            """
    )

    @Argument(help: "The old distfile.")
    var old: String

    @Argument(help: "The patches, oldest first.")
    var patches: [String]

    @Option(name: .shortAndLong, help: "Where to write the rebuilt distfile.")
    var output: String

    @OptionGroup var jobs: JobsOption

    @Flag(help: "Run the stages one after another instead of as a pipeline (the same bytes; for comparison).")
    var sequential = false

    @Flag(help: "Print when each stage began and the total, in seconds, on standard error.")
    var stageTimes = false

    func validate() throws {
        guard !patches.isEmpty else { throw ValidationError("give at least one patch") }
    }

    func run() throws {
        let start = ContinuousClock.now
        let seconds = {
            let milliseconds = Int((ContinuousClock.now - start) / .milliseconds(1))
            let fraction = String(milliseconds % 1000)
            return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        }
        let result = try Rebuilder.rebuild(
            basePath: old, chain: patches, outputPath: output, jobs: jobs.count,
            scheduling: sequential ? .sequential : .pipelined,
            progress: stageTimes
                ? { stage in
                    if case .recompressed = stage { return }
                    Console.writeDiagnostic("\(seconds()) s: \(stage)")
                } : nil)
        if stageTimes { Console.writeDiagnostic("\(seconds()) s: done") }
        try Console.writeResult(
            "\(output): \(result.output.size) bytes, rebuilt bit for bit (SHA256 \(result.output[.sha256]?.hex ?? "?")); "
                + "recompressed \(result.parallelism)")
    }
}
