/// What can be wrong with a patch, or with applying it. Every patch byte is untrusted, so
/// each of these is a refusal, never a crash.
public enum PatchFormatError: DeltaCoreError, Equatable {
    /// Not a patch in any format we know (the first bytes are shown in hex).
    case unknownFormat(prefix: String)
    /// A format we recognise but cannot apply in this build.
    case unsupportedFormat(PatchFormat)
    /// A native patch of a version this reader does not know.
    case unsupportedVersion(UInt16)
    /// Required feature bits this reader does not understand.
    case unsupportedFeatures(UInt64)
    /// A section marked critical that this reader does not understand.
    case unsupportedSection(type: UInt64)
    /// The patch ends inside `section`.
    case truncated(section: String, offset: UInt64)
    /// A field holds an impossible value.
    case invalidField(String, offset: UInt64)
    /// A stream's codec asks for more memory than an applier may use.
    case dictionaryTooLarge(stream: String, requested: UInt64, limit: UInt64)
    /// A command would read or write outside its bounds (the bspatch CVE-2014-9862 class).
    case outOfBounds(String, newOffset: UInt64)
    /// A stream holds more or fewer bytes than its commands used.
    case streamLengthMismatch(stream: String)
    /// Bytes follow the last stream.
    case trailingData(offset: UInt64)
    /// The base file is not the one the patch was made for.
    case baseMismatch(expected: String, actual: String)
    /// The result does not have the size or digest the patch promised.
    case resultMismatch(expected: String, actual: String)
    /// The patch carries no strong digest to verify a file against.
    case missingDigest(String)
    /// A wrapped (compressed) patch decompresses to more than the limit.
    case unwrappedTooLarge(limit: UInt64)

    public var description: String {
        switch self {
        case let .unknownFormat(prefix): "not a patch in a known format (starts with \(prefix))"
        case let .unsupportedFormat(format): "\(format.rawValue) patches are not supported by this build"
        case let .unsupportedVersion(version): "native patch version \(version) is newer than this reader (1)"
        case let .unsupportedFeatures(bits):
            "patch needs features this reader lacks (bits 0x\(String(bits, radix: 16)))"
        case let .unsupportedSection(type): "patch has a critical section of unknown type \(type)"
        case let .truncated(section, offset): "patch is truncated in \(section) at byte \(offset)"
        case let .invalidField(field, offset): "patch has an invalid \(field) at byte \(offset)"
        case let .dictionaryTooLarge(stream, requested, limit):
            "patch's \(stream) stream asks for a \(requested)-byte window, more than the applier's limit of \(limit)"
        case let .outOfBounds(what, newOffset): "patch command out of bounds (\(what)) at output byte \(newOffset)"
        case let .streamLengthMismatch(stream): "patch's \(stream) stream length does not match its commands"
        case let .trailingData(offset): "unexpected data after the patch at byte \(offset)"
        case let .baseMismatch(expected, actual):
            "the base file is not the one this patch was made for (expected \(expected), found \(actual))"
        case let .resultMismatch(expected, actual): "the patched result is wrong (expected \(expected), got \(actual))"
        case let .missingDigest(which): "patch carries no strong digest of the \(which) file"
        case let .unwrappedTooLarge(limit): "compressed patch expands to more than \(limit) bytes"
        }
    }
}
