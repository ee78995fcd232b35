import ArgumentParser
import DeltaCore
import Foundation

/// `deltafetch`: the package managers' tool. Each subcommand lives in its own file.
@main
struct DeltaFetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deltafetch",
        abstract: "Rebuild distfiles from ones already present plus small patches (GLEP 25).",
        version: DeltaCoreVersion.string,
        subcommands: [
            FetchCommand.self, PortageCommand.self, PlanCommand.self, DownloadCommand.self, CleanCommand.self,
            RecordAlternateCommand.self,
        ]
    )

    /// Runs the command with `SIGPIPE` ignored, so that a closed pipe fails a write (a result
    /// is then an error, progress is dropped) instead of killing a fetch.
    static func main() async {
        Console.ignoreBrokenPipes()
        await main(nil)
    }
}

/// A failure found while running (not a usage mistake): printed as `Error: message`, exit 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
