/// What a repository takes from its masters (`metadata/layout.conf`'s `masters`), and its
/// `profiles/thirdpartymirrors`: the other places an overlay's packages get patch lists and
/// `mirror://` prefixes from.
extension PortageTree {
    /// Where master repositories are looked for besides the tree's own parent directory
    /// (overlays usually sit beside their master).
    public static let repositoryDirectories = ["/var/db/repos"]

    /// The repository's name (`profiles/repo_name`), if it has one.
    public var repositoryName: String? {
        guard let text = try? MetadataLines.readText(path: repositoryRoot + "/profiles/repo_name") else { return nil }
        let name = text.split(whereSeparator: { $0 == "\n" || $0 == " " || $0 == "\t" || $0 == "\r" }).first.map(
            String.init)
        return name?.isEmpty == false ? name : nil
    }

    /// The names `metadata/layout.conf` gives as masters, in order.
    public var masterNames: [String] {
        guard let text = try? MetadataLines.readText(path: repositoryRoot + "/metadata/layout.conf") else { return [] }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].filter({ $0 != " " && $0 != "\t" }) == "masters" else { continue }
            return parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        }
        return []
    }

    /// The master repositories found on this machine, in `masters` order: for each name, a
    /// directory beside the tree or in `searching` whose `profiles/repo_name` is that name.
    /// Masters that cannot be found are left out.
    public func masters(searching: [String] = PortageTree.repositoryDirectories) -> [PortageTree] {
        let names = masterNames
        guard !names.isEmpty else { return [] }
        var found = [String: PortageTree]()
        for directory in [Self.parent(of: repositoryRoot)] + searching {
            for child in (try? BatchPlanner.directoryNames(in: directory)) ?? [] {
                let tree = PortageTree(repositoryRoot: Paths.join(directory, child))
                guard tree.repositoryRoot != repositoryRoot, let name = tree.repositoryName, names.contains(name),
                    found[name] == nil
                else { continue }
                found[name] = tree
            }
        }
        return names.compactMap { found[$0] }
    }

    /// `profiles/thirdpartymirrors` of the masters, then of this tree (a later line for the
    /// same name replaces an earlier one): mirror name → URL prefixes.
    public func thirdPartyMirrors(masters: [PortageTree]) -> [String: [String]] {
        var mirrors = [String: [String]]()
        for tree in masters + [self] {
            guard let text = try? MetadataLines.readText(path: tree.repositoryRoot + "/profiles/thirdpartymirrors")
            else { continue }
            for line in text.split(separator: "\n") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
                guard words.count >= 2, !words[0].hasPrefix("#") else { continue }
                mirrors[words[0]] = Array(words.dropFirst())
            }
        }
        return mirrors
    }
}
