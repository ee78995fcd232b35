/// What can be wrong with a VCDIFF patch (RFC 3284, as xdelta3 writes it).
///
/// `offset` is a byte offset in the patch: the field at fault for header fields, the start
/// of the window (its `Win_Indicator` byte) for what goes wrong while decoding a window;
/// `window` counts windows from 0.
public enum VCDiffError: DeltaCoreError, Equatable {
    /// One of a window's three sections.
    public enum Section: String, Sendable {
        case data, instructions, addresses
    }

    /// The first three bytes are not VCDIFF's `D6 C3 C4`.
    case badMagic
    /// The fourth byte, the version, is not 0 (open-vcdiff writes `'S'` for its extensions).
    case unsupportedVersion(UInt8)
    /// An indicator byte ("header", "window" or "delta") has bits RFC 3284 does not define,
    /// or both `VCD_SOURCE` and `VCD_TARGET`.
    case invalidIndicator(String, value: UInt8, offset: UInt64)
    /// The header names a secondary compressor we do not decode: xdelta3's DJW (1) or FGK
    /// (16), written only with `-S djw` / `-S fgk`, or an unknown id. LZMA (2) is decoded.
    case unsupportedSecondaryCompressor(id: UInt8, offset: UInt64)
    /// The header supplies its own code table (`VCD_CODETABLE`); xdelta3 3.x refuses these too.
    case unsupportedCodeTable(offset: UInt64)
    /// xdelta3 made the patch from compressed files: it decompressed them first
    /// (`externally compressed input`) and `xdelta3 -d` would decompress the source and
    /// recompress the output. Applying it here gives the decompressed target from the
    /// decompressed source, so it is refused unless the caller asks for exactly that.
    /// The names are xdelta3's compressors (`gzip`, `bzip2`, `xz`, `compress`), nil when
    /// that side was not compressed.
    case externallyCompressed(target: String?, source: String?)
    /// A window copies from earlier target data (`VCD_TARGET`), which xdelta3 never writes
    /// and does not decode either.
    case unsupportedTargetCopyWindow(offset: UInt64)
    /// A window marks a section compressed though the header names no secondary compressor.
    case compressedSectionWithoutCompressor(offset: UInt64)
    /// A variable-length integer is longer than 10 bytes or does not fit 64 bits.
    case invalidInteger(offset: UInt64)
    /// The patch ends inside a header or window.
    case truncated(offset: UInt64)
    /// A target window is larger than the limit (xdelta3's own hard limit is 16 MiB).
    case windowTooLarge(length: UInt64, limit: UInt64, offset: UInt64)
    /// A window's source segment runs past the end of the base file.
    case sourceSegmentPastBase(position: UInt64, length: UInt64, baseSize: UInt64, offset: UInt64)
    /// The window's "length of the delta encoding" disagrees with its contents.
    case encodingLengthMismatch(declared: UInt64, actual: UInt64, offset: UInt64)
    /// A section (or its decompressed size) is larger than its window can use.
    case sectionTooLarge(Section, length: UInt64, limit: UInt64, offset: UInt64)
    /// A compressed section does not decompress to its declared size.
    case secondaryDecompressionFailed(Section, detail: String, offset: UInt64)
    /// An instruction needs more bytes than its section has left.
    case sectionUnderflow(Section, window: UInt64, offset: UInt64)
    /// A COPY address is not before the current position ("here"); `UInt64.max` when the
    /// encoded value would take the address below 0 or past 2^64.
    case addressOutOfRange(address: UInt64, here: UInt64, window: UInt64, offset: UInt64)
    /// A COPY that starts in the source segment runs past its end.
    case copyPastSource(address: UInt64, size: UInt64, sourceLength: UInt64, window: UInt64, offset: UInt64)
    /// An instruction writes past the end of the target window.
    case targetOverflow(window: UInt64, offset: UInt64)
    /// The instructions make fewer bytes than the target window's length.
    case windowLengthMismatch(expected: UInt64, actual: UInt64, window: UInt64, offset: UInt64)
    /// A section has bytes left after the last instruction.
    case unusedSectionData(Section, window: UInt64, offset: UInt64)
    /// xdelta3's Adler-32 of the target window does not match.
    case checksumMismatch(expected: UInt32, actual: UInt32, window: UInt64, offset: UInt64)

    public var description: String {
        switch self {
        case .badMagic:
            "not a VCDIFF patch: the first bytes are not D6 C3 C4"
        case let .unsupportedVersion(version):
            "VCDIFF version \(version) is not supported (only RFC 3284's version 0)"
        case let .invalidIndicator(name, value, offset):
            "VCDIFF \(name) indicator 0x\(String(value, radix: 16)) has undefined or conflicting bits at patch byte \(offset)"
        case let .unsupportedSecondaryCompressor(id, offset):
            "VCDIFF secondary compressor \(Self.compressorName(id)) is not supported (only xdelta3's default, LZMA) at patch byte \(offset)"
        case let .unsupportedCodeTable(offset):
            "VCDIFF patch supplies its own code table, which is not supported, at patch byte \(offset)"
        case let .externallyCompressed(target, source):
            "VCDIFF patch was made by xdelta3 from compressed files (source: \(source ?? "not compressed"), target: \(target ?? "not compressed")): it rebuilds the decompressed target from the decompressed source, and `xdelta3 -d` would recompress the output; decompress the base and allow external compression to get the decompressed target"
        case let .unsupportedTargetCopyWindow(offset):
            "VCDIFF window copies from the target (VCD_TARGET), which is not supported, at patch byte \(offset)"
        case let .compressedSectionWithoutCompressor(offset):
            "VCDIFF window has compressed sections but the header names no secondary compressor, at patch byte \(offset)"
        case let .invalidInteger(offset):
            "VCDIFF integer too long or too large at patch byte \(offset)"
        case let .truncated(offset):
            "VCDIFF patch ends early at byte \(offset)"
        case let .windowTooLarge(length, limit, offset):
            "VCDIFF target window of \(length) bytes exceeds the limit of \(limit) bytes at patch byte \(offset)"
        case let .sourceSegmentPastBase(position, length, baseSize, offset):
            "VCDIFF source segment of \(length) bytes at \(position) runs past the \(baseSize)-byte base file, window at patch byte \(offset)"
        case let .encodingLengthMismatch(declared, actual, offset):
            "VCDIFF window declares a \(declared)-byte delta encoding but holds \(actual) bytes, at patch byte \(offset)"
        case let .sectionTooLarge(section, length, limit, offset):
            "VCDIFF \(section) section of \(length) bytes exceeds its window's limit of \(limit), window at patch byte \(offset)"
        case let .secondaryDecompressionFailed(section, detail, offset):
            "VCDIFF compressed \(section) section is invalid (\(detail)), window at patch byte \(offset)"
        case let .sectionUnderflow(section, window, offset):
            "VCDIFF window \(window) runs out of \(section) bytes, window at patch byte \(offset)"
        case let .addressOutOfRange(address, here, window, offset):
            "VCDIFF window \(window) copies from address \(address), not before the current position \(here), window at patch byte \(offset)"
        case let .copyPastSource(address, size, sourceLength, window, offset):
            "VCDIFF window \(window) copies \(size) bytes from source address \(address), past the \(sourceLength)-byte source segment, window at patch byte \(offset)"
        case let .targetOverflow(window, offset):
            "VCDIFF window \(window) writes past its target length, window at patch byte \(offset)"
        case let .windowLengthMismatch(expected, actual, window, offset):
            "VCDIFF window \(window) makes \(actual) bytes instead of \(expected), window at patch byte \(offset)"
        case let .unusedSectionData(section, window, offset):
            "VCDIFF window \(window) leaves \(section) bytes unused, window at patch byte \(offset)"
        case let .checksumMismatch(expected, actual, window, offset):
            "VCDIFF window \(window) fails its Adler-32 checksum (patch says \(Self.hex(expected)), data gives \(Self.hex(actual))), window at patch byte \(offset)"
        }
    }

    private static func compressorName(_ id: UInt8) -> String {
        switch id {
        case 1: "DJW (id 1, xdelta3 -S djw)"
        case 16: "FGK (id 16, xdelta3 -S fgk)"
        default: "id \(id)"
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
