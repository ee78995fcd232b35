/// One line of GLEP 25's alternate-digest database: a distfile that was rebuilt with the
/// right content but different compressed bytes, and the digests of those bytes.
///
/// `MD5 <md5> <orig-file> <size> MD5 <md5> [<new-name>] <size>`, with the multi-hash
/// extension of patch lists (`BLAKE2B <hex> SHA512 <hex> MD5 <md5> <orig-file> <size> …`,
/// MD5 last in each part, right before the name or size). The first part carries the tree's
/// digests of the original file (completed by ``originalDigests(tree:recorded:)``), the second
/// the rebuilt file's; the new name is set only when the rebuilt file is stored under another
/// name. Lines whose parts lack MD5 (written before MD5 was added to the original part) are
/// read all the same; see ``isGLEP25Line``.
public struct AlternateDigestEntry: Hashable, Sendable {
    /// The original distfile as the tree describes it (name required).
    public var original: HashedPart
    /// The rebuilt file: its digests and size, and its name if it differs.
    public var alternate: HashedPart

    /// Creates an entry; `original` must be named.
    public init(original: HashedPart, alternate: HashedPart) {
        self.original = original
        self.alternate = alternate
    }

    /// The original distfile's name.
    public var originalName: String { original.name ?? "" }

    /// The name the rebuilt file has in the distdir.
    public var fileName: String { alternate.name ?? originalName }

    /// Whether both parts carry MD5, so that a GLEP 25 reader, which knows only
    /// `MD5 <md5> <orig-file> <size> MD5 <md5> [<new-name>] <size>`, finds that line in it by
    /// skipping the other hash pairs.
    public var isGLEP25Line: Bool { original.digests[.md5] != nil && alternate.digests[.md5] != nil }

    /// The original distfile's digests for an entry: the tree's, completed with the digests a
    /// patch recorded for the same file, when that record agrees with the tree on the size and
    /// on every hash both have (sharing one at least). A modern Manifest has no MD5 but GLEP
    /// 25's line starts with the original's MD5, which `mkpatch` records with the target's
    /// other compressed digests; without an agreeing record the tree's digests stand alone.
    /// - Parameters:
    ///   - tree: the Manifest's size and digests of the original distfile.
    ///   - recorded: the size and compressed digests the last patch of the chain recorded for
    ///     its target, if it recorded any.
    public static func originalDigests(tree: DigestSet, recorded: DigestSet?) -> DigestSet {
        guard let recorded, tree.matches(recorded) else { return tree }
        var merged = tree
        for (algorithm, digest) in recorded.digests where merged.digests[algorithm] == nil {
            merged.digests[algorithm] = digest
        }
        return merged
    }

    /// Parses one line (without its line end).
    /// - Throws: ``MetadataError`` saying what is wrong.
    public init(line: Substring) throws(MetadataError) {
        guard line.utf8.count <= PatchList.maximumLineLength else { throw .lineTooLong(line.utf8.count) }
        var reader = PartTokenReader(line: line)
        let original = try reader.readPart("original file", uncompressed: false)
        let alternate = try reader.readPart("alternate", uncompressed: false, nameIsOptional: true)
        try reader.expectEnd()
        self.init(original: original, alternate: alternate)
    }

    /// The line for this entry, without a line end.
    /// - Throws: ``MetadataError/invalidName(_:)`` for a name that cannot be written on a line.
    public func line() throws(MetadataError) -> String {
        guard original.name != nil else { throw .missing("name", part: "original file") }
        try PatchListEntry.checkName(original.name)
        try PatchListEntry.checkName(alternate.name)
        return (original.tokens + alternate.tokens).joined(separator: " ")
    }
}

/// Proof that a rebuilt file's uncompressed content is what the patch list promised, which
/// the alternate-digest database demands before it records anything (GLEP 25: "added only
/// when the uncompressed source's md5/size has been verified").
public struct VerifiedContent: Sendable {
    /// The uncompressed digests that were checked.
    public let content: DigestSet

    /// Checks `actual` (computed from the rebuilt file) against `expected` (from the list).
    /// - Throws: ``AlternateDigestError/contentMismatch(file:)`` unless they agree on the size
    ///   and on every hash both have, sharing at least one.
    public init(expected: DigestSet, actual: DigestSet, file: String) throws(AlternateDigestError) {
        guard expected.matches(actual) else { throw .contentMismatch(file: file) }
        content = actual
    }
}

/// What can go wrong with the alternate-digest database.
public enum AlternateDigestError: DeltaCoreError, Equatable {
    /// The rebuilt file's uncompressed content does not match what was expected.
    case contentMismatch(file: String)
    /// The entry cannot be written (see the underlying metadata error).
    case invalidEntry(MetadataError)

    public var description: String {
        switch self {
        case let .contentMismatch(file):
            "\(file): uncompressed content does not match the patch list; no alternate digest recorded"
        case let .invalidEntry(error): "cannot record alternate digest: \(error)"
        }
    }
}
