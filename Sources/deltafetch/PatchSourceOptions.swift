import ArgumentParser
import DeltaCore
import Foundation

/// Where `plan` and `fetch` find patch lists and the Manifest.
struct PatchSourceOptions: ParsableArguments {
    @Option(name: .customLong("patches"), help: "A patch list to read (repeatable).")
    var patchLists: [String] = []

    @Option(help: "The Manifest giving the distfile's size and digests (default: the package directory's).")
    var manifest: String?

    @Option(help: "A package directory of a Portage tree: its `patches`, its Manifest and the tree's profiles/patches.global are used.")
    var packageDir: String?

    @Flag(help: "Make any malformed line in a patch list or Manifest fatal.")
    var strict = false

    @Flag(help: "Refuse patch list lines whose only hash is MD5.")
    var requireStrongHashes = false

    /// How lists and Manifests are read.
    var readOptions: MetadataReadOptions {
        MetadataReadOptions(strict: strict, hashPolicy: HashPolicy(refusesMD5Only: requireStrongHashes))
    }

    /// The lists to read: the package directory's and its tree's, then `--patches`, then the
    /// settings' (`$DELTAFETCH_PATCHES`, the config file); missing settings lists are warned of.
    func listPaths(settings: FetchSettings) -> [String] {
        let (fromSettings, missing) = settings.patchListFiles()
        for path in missing { warnLine("warning: patch list \(path) (from the settings) does not exist") }
        let given = patchLists + fromSettings
        guard let packageDir else { return given }
        return PortageTree(packageDirectory: packageDir).patchListPaths(packageDirectory: packageDir, extra: given)
    }

    /// `--manifest`, else the package directory's Manifest.
    var manifestPath: String? {
        manifest ?? packageDir.map { PortageTree.manifestPath(packageDirectory: $0) }
    }
}
