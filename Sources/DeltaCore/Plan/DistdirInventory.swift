/// Answers the planner's question "is this base on disk?" for a real distdir.
///
/// A file qualifies as a patch's base when its compressed digests match the list's base
/// part, or when the alternate-digest database says a rebuilt file with its digests stands
/// for that base (its content was verified when it was rebuilt). Digests come from a
/// ``DigestCache``, so only new or changed files are hashed.
public final class DistdirInventory {
    /// The distdir.
    public let distdir: String
    /// The digests of its files.
    public let cache: DigestCache
    /// The alternate-digest entries to honour.
    public let alternates: [AlternateDigestEntry]

    /// An inventory of `distdir`.
    public init(distdir: String, cache: DigestCache, alternates: [AlternateDigestEntry] = []) {
        self.distdir = distdir.hasSuffix("/") && distdir.count > 1 ? String(distdir.dropLast()) : distdir
        self.cache = cache
        self.alternates = alternates
    }

    /// The path, relative to the distdir, of a verified copy of `base`, or nil: the file of
    /// that name, else a rebuilt file the database vouches for (kept apart in
    /// ``AlternateFiles/relativeDirectory`` or under its own name).
    /// Names with a `/` are never looked up, so a patch list cannot point outside the distdir.
    /// - Throws: ``FileSystemError`` when a file that exists cannot be read.
    public func locateBase(_ base: HashedPart) throws -> String? {
        guard let name = base.name else { return nil }
        if let digests = try digests(of: name), base.digests.matches(digests) { return name }
        return try vouchedAlternate(of: name, original: base.digests)
    }

    /// The path, relative to the distdir, of a rebuilt file the alternate-digest database
    /// accepts as distfile `name` with digests `original`, or nil.
    /// - Throws: ``FileSystemError`` when a file that exists cannot be read.
    public func vouchedAlternate(of name: String, original: DigestSet) throws -> String? {
        for entry in alternates where entry.originalName == name && entry.original.digests.matches(original) {
            for candidate in AlternateFiles.candidates(for: entry) {
                if let digests = try digests(ofRelative: candidate), entry.alternate.digests.matches(digests) {
                    return candidate
                }
            }
        }
        return nil
    }

    private func digests(of name: String) throws -> DigestSet? {
        guard AlternateFiles.isPlainName(name) else { return nil }
        return try digests(ofRelative: name)
    }

    private func digests(ofRelative path: String) throws -> DigestSet? {
        guard FileSystem.exists(Paths.join(distdir, path)) else { return nil }
        return try cache.digests(ofFile: Paths.join(distdir, path))
    }

    /// Whether the distdir already holds `entry`'s file: with the Manifest's digests, or as a
    /// rebuilt file the alternate-digest database accepts for it.
    /// - Throws: ``FileSystemError`` when the file exists but cannot be read.
    public func holdsVerifiedCopy(of entry: ManifestEntry) throws -> Bool {
        if let digests = try digests(of: entry.name), entry.digests.matches(digests) { return true }
        return try vouchedAlternate(of: entry.name, original: entry.digests) != nil
    }
}
