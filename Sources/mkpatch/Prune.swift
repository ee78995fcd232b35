import ArgumentParser
import DeltaCore

/// `mkpatch prune PATCHLIST --distdir DIR [--delete-patches]`
struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drop patch-list entries whose base or target distfile is gone from the mirror.",
        discussion: """
            Rewrites PATCHLIST atomically under its lock, keeping comments. With --delete-patches \
            also deletes the dropped entries' patch files named bare (beside the list).
            """
    )

    @Argument(help: "The GLEP 25 patch list.")
    var list: String

    @Option(help: "The mirror's distfile directory.")
    var distdir: String

    @Flag(help: "Delete the patch files of dropped entries.")
    var deletePatches = false

    func run() throws {
        let result = try Pruner.prune(listPath: list, distdir: distdir, deletePatches: deletePatches)
        for entry in result.removed { try Console.writeResult("dropped \(entry.baseName) -> \(entry.targetName)") }
        for path in result.deletedPatches { try Console.writeResult("deleted \(path)") }
        try Console.writeResult("\(list): \(result.removed.count) entries dropped")
    }
}
