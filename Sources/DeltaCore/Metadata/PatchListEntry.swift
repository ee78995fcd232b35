/// One line of a GLEP 25 patch list: a patch that turns one distfile into another.
///
/// `MD5 <md5> <patch-url-or-name> <size> MD5 <md5> <ref-file> <size> UMD5 <md5> <new-file> <size>`:
/// first the patch file itself, then the base file as it sits compressed in the distdir,
/// then the new file's *uncompressed* content (the recompressed file's digest is the
/// Manifest's business). See docs/patch-lists.md for the multi-hash extension.
public struct PatchListEntry: Hashable, Sendable {
    /// The patch file: its URL or bare name, size and digests.
    public var patch: HashedPart
    /// The base ("reference") file, as it sits compressed in the distdir.
    public var base: HashedPart
    /// The new file's uncompressed content: its size and digests, and the file's name.
    public var target: HashedPart

    /// Creates an entry. Names are required for all three parts; `target` describes
    /// uncompressed content.
    public init(patch: HashedPart, base: HashedPart, target: HashedPart) {
        self.patch = patch
        self.base = base
        var target = target
        target.isUncompressed = true
        self.target = target
    }

    /// The patch's name or URL as written.
    public var patchLocation: String { patch.name ?? "" }
    /// The base file's name in the distdir.
    public var baseName: String { base.name ?? "" }
    /// The new file's name in the distdir.
    public var targetName: String { target.name ?? "" }

    /// Whether the patch is given as a URL (used as is) rather than a bare name (resolved
    /// against the mirrors).
    public var patchIsURL: Bool { patchLocation.contains("://") }

    /// Where the patch can be fetched from: the URL itself, or the bare name under each mirror,
    /// in the mirrors' order.
    public func patchURLs(mirrors: [String]) -> [String] {
        if patchIsURL { return [patchLocation] }
        return mirrors.map { mirror in
            (mirror.hasSuffix("/") ? String(mirror.dropLast()) : mirror) + "/" + patchLocation
        }
    }

    /// Parses one line (without its line end).
    /// - Throws: ``MetadataError`` saying what is wrong with the line.
    public init(line: Substring, policy: HashPolicy = .init()) throws(MetadataError) {
        guard line.utf8.count <= PatchList.maximumLineLength else { throw .lineTooLong(line.utf8.count) }
        var reader = PartTokenReader(line: line)
        let patch = try reader.readPart("patch", uncompressed: false)
        let base = try reader.readPart("base file", uncompressed: false)
        let target = try reader.readPart("new file", uncompressed: true)
        try reader.expectEnd()
        for part in [(patch, "patch"), (base, "base file"), (target, "new file")] {
            try policy.check(part.0, part: part.1)
        }
        self.init(patch: patch, base: base, target: target)
    }

    /// The line for this entry (no line end). With only MD5 in every part this is exactly
    /// the GLEP 25 line; with more hashes, each part ends in `MD5 <md5> <name> <size>` when
    /// it has MD5, stronger hashes before it.
    /// - Throws: ``MetadataError/invalidName(_:)`` for a name that cannot be written on a line.
    public func line() throws(MetadataError) -> String {
        for part in [patch, base, target] { try Self.checkName(part.name) }
        return (patch.tokens + base.tokens + target.tokens).joined(separator: " ")
    }

    static func checkName(_ name: String?) throws(MetadataError) {
        guard let name else { return }
        if name.isEmpty || name.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) {
            throw .invalidName(name)
        }
    }
}

/// Which hashes a line must carry to be used.
public struct HashPolicy: Hashable, Sendable {
    /// Refuse parts whose only known hash is MD5 (which is broken for collisions).
    public var refusesMD5Only: Bool

    /// The default accepts plain GLEP 25 lines (MD5 only).
    public init(refusesMD5Only: Bool = false) {
        self.refusesMD5Only = refusesMD5Only
    }

    func check(_ part: HashedPart, part name: String) throws(MetadataError) {
        if refusesMD5Only && !part.hasStrongHash { throw .onlyMD5(part: name) }
    }
}
