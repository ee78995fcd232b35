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
        subcommands: [FetchCommand.self, PortageCommand.self, PlanCommand.self, Download.self, CleanCommand.self, RecordAlternateCommand.self]
    )
}

/// A failure found while running (not a usage mistake): printed as `Error: message`, exit 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A directory argument as an absolute, standardised path, so that caches keyed by path
/// stay valid whatever the working directory.
func absoluteDirectory(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
}
