import ArgumentParser
import DeltaCore

/// `deltafetch`: the package managers' tool. Each subcommand lives in its own file.
@main
struct DeltaFetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deltafetch",
        abstract: "Rebuild distfiles from ones already present plus small patches (GLEP 25).",
        version: DeltaCoreVersion.string,
        subcommands: [Download.self]
    )
}
