/// Where a Portage tree keeps the files GLEP 25 adds ("Additions to the tree"): a global
/// patch list in `profiles/patches.global` and a `patches` file beside each package's
/// ebuilds, next to its `Manifest`.
public struct PortageTree: Hashable, Sendable {
    /// The repository's root (the directory holding `profiles/`).
    public var repositoryRoot: String

    /// A tree rooted at `repositoryRoot`.
    public init(repositoryRoot: String) {
        self.repositoryRoot = repositoryRoot
    }

    /// The tree holding a package directory (`ROOT/category/package`): two levels up.
    public init(packageDirectory: String) {
        self.init(repositoryRoot: Self.parent(of: Self.parent(of: packageDirectory)))
    }

    /// The tree holding an ebuild (`ROOT/category/package/name.ebuild`), as Portage passes
    /// it in the `EBUILD` environment variable.
    public init(ebuildPath: String) {
        self.init(packageDirectory: Self.parent(of: ebuildPath))
    }

    /// `profiles/patches.global`.
    public var globalPatchListPath: String { repositoryRoot + "/profiles/patches.global" }

    /// A package directory's `patches` file.
    public static func packagePatchListPath(packageDirectory: String) -> String {
        packageDirectory + "/patches"
    }

    /// A package directory's `Manifest`.
    public static func manifestPath(packageDirectory: String) -> String {
        packageDirectory + "/Manifest"
    }

    /// The patch lists that apply to a package and exist: the global lists of the tree's
    /// masters (`metadata/layout.conf`, see ``masters(searching:)``), the tree's own global
    /// list, then the package's own, then `extra` (given explicitly, always included so that
    /// a missing one is reported when read).
    public func patchListPaths(packageDirectory: String?, extra: [String] = [], masters: [PortageTree]? = nil)
        -> [String]
    {
        var paths = [String]()
        for tree in (masters ?? self.masters()) + [self] where Self.isRegularFile(tree.globalPatchListPath) {
            paths.append(tree.globalPatchListPath)
        }
        if let packageDirectory {
            let own = Self.packagePatchListPath(packageDirectory: packageDirectory)
            if Self.isRegularFile(own) { paths.append(own) }
        }
        for path in extra where !paths.contains(path) { paths.append(path) }
        return paths
    }

    static func isRegularFile(_ path: String) -> Bool {
        (try? FileSystem.status(of: path))?.kind == .regular
    }

    static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }
}
