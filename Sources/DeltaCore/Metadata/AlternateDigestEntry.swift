/// One line of GLEP 25's alternate-digest database: a distfile that was rebuilt with the
/// right content but different compressed bytes, and the digests of those bytes.
///
/// `MD5 <md5> <orig-file> <size> MD5 <md5> [<new-name>] <size>`, with the multi-hash
/// extension of patch lists (`BLAKE2B <hex> SHA512 <hex> MD5 <md5> <orig-file> <size> …`).
/// The first part carries the tree's digests of the original file, the second the rebuilt
/// file's; the new name is set only when the rebuilt file is stored under another name.
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
