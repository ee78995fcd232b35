import ArgumentParser
import DeltaCore

/// `--jobs N`: threads for recompression. The output is the same for every N.
struct JobsOption: ParsableArguments {
    @Option(
        name: .customLong("jobs"),
        help: "Threads for recompression (default: all cores); the output is the same for any number.")
    var value: Int?

    /// The threads to use.
    var count: Int { value ?? Recompressor.defaultJobs }

    func validate() throws {
        if let value, value < 1 { throw ValidationError("--jobs must be at least 1") }
    }
}
