/// What can be wrong in a GLEP 25 patch list, a Manifest or the alternate-digest database.
///
/// Parsers throw these for one line; the code that knows the file wraps them in a
/// ``FileError`` so that the message reads `FILE:LINE: reason`.
public enum MetadataError: DeltaCoreError, Equatable {
    /// The line ended where a part (patch, base file, new file, …) still needed `what`.
    case missing(_ what: String, part: String)
    /// A part did not start with a hash name (`MD5`, `BLAKE2B`, …).
    case expectedHashName(found: String, part: String)
    /// A size that is not a decimal number of bytes.
    case sizeNotANumber(String, part: String)
    /// A known hash whose value is malformed.
    case badDigest(DigestError, part: String)
    /// The same hash given twice in one part.
    case duplicateHash(String, part: String)
    /// A part with no hash this version knows (each needs at least one to be verifiable).
    case noKnownHash(part: String)
    /// A compressed part carried an uncompressed hash (`UMD5`), or the reverse.
    case wrongHashKind(String, part: String, expectedUncompressed: Bool)
    /// Policy refuses parts whose only known hash is MD5.
    case onlyMD5(part: String)
    /// Tokens after the end of the line's last part.
    case trailingTokens(String)
    /// A file name that cannot be written on one line (empty, or containing whitespace).
    case invalidName(String)
    /// A line too long to be a real entry (the parser refuses to hold it).
    case lineTooLong(Int)
    /// A Manifest names the same distfile twice.
    case duplicateDistfile(String)
    /// A metadata file larger than any real one (refused rather than loaded whole).
    case fileTooLarge(path: String, size: UInt64, limit: UInt64)

    public var description: String {
        switch self {
        case let .missing(what, part): "line ends before the \(part)'s \(what)"
        case let .expectedHashName(found, part):
            "expected a hash name such as MD5 for the \(part), found '\(found.prefix(80))'"
        case let .sizeNotANumber(text, part): "size is not a number ('\(text.prefix(40))', \(part))"
        case let .badDigest(error, part): "\(error) (\(part))"
        case let .duplicateHash(name, part): "\(name) given twice for the \(part)"
        case let .noKnownHash(part): "no known hash for the \(part) (need one of MD5, SHA256, SHA512, BLAKE2B)"
        case let .wrongHashKind(name, part, expectedUncompressed):
            expectedUncompressed
                ? "\(name) is a compressed digest, but the \(part) is described by its uncompressed content (UMD5, UBLAKE2B, …)"
                : "\(name) is an uncompressed digest, but the \(part) is described as a compressed file (MD5, BLAKE2B, …)"
        case let .onlyMD5(part):
            "only MD5 for the \(part), and policy requires a stronger hash (BLAKE2B, SHA512 or SHA256)"
        case let .trailingTokens(text): "unexpected '\(text.prefix(80))' after the last size"
        case let .invalidName(name): "file name '\(name.prefix(80))' is empty or contains whitespace"
        case let .lineTooLong(length): "line of \(length) bytes is too long to be an entry"
        case let .duplicateDistfile(name): "DIST \(name) given twice (the first is used)"
        case let .fileTooLarge(path, size, limit):
            "\(path): \(size) bytes is larger than the \(limit) a metadata file may have"
        }
    }
}
