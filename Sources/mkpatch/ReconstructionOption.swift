import ArgumentParser
import DeltaCore

extension ReconstructionGoal: ExpressibleByArgument {}

/// `--reconstruction fast|small`: what a deflate stream that no exact recipe makes is
/// reconstructed for (``ReconstructionGoal``).
struct ReconstructionOption: ParsableArguments {
    @Option(
        name: .customLong("reconstruction"),
        help: ArgumentHelp(
            "For a .gz no known encoder setting makes: 'fast' (default) keeps every rebuild quick; 'small' also tries the optimal parse, about half the data on 7-Zip, zopfli and libdeflate -10 to -12 output, for 3-4 x a zlib -9 compression's time at each rebuild.",
            valueName: "fast|small"))
    var goal: ReconstructionGoal = .fastReplay
}
