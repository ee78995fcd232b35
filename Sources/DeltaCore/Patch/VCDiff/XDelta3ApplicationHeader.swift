/// The application header `xdelta3 -e` writes (VCDIFF's `VCD_APPHEADER`):
/// `target-name/target-compressor/source-name/source-compressor`, where a compressor is
/// empty unless xdelta3 decompressed that file before diffing (its "externally compressed
/// input"), and `xdelta3 -d` then decompresses the source and recompresses the output.
public struct XDelta3ApplicationHeader: Sendable, Equatable {
    /// Longer headers are not xdelta3's (it writes two file names) and are skipped unread.
    static let maximumParsedLength: UInt64 = 1 << 16

    /// The target's file name (its last path component) when the patch was made.
    public var targetName: String
    /// The compressor xdelta3 would recompress the output with, if any.
    public var targetCompression: String?
    /// The source's file name, if the patch had one.
    public var sourceName: String?
    /// The compressor xdelta3 would decompress the source with, if any.
    public var sourceCompression: String?

    /// Whether applying the patch as xdelta3 does involves decompressing or recompressing.
    public var isExternallyCompressed: Bool { targetCompression != nil || sourceCompression != nil }

    /// Parses the header as xdelta3's `main_get_appheader` does: at most four parts split at
    /// the first three slashes; two parts are target only, four are target and source.
    /// Returns nil for anything else (another tool's header).
    init?(_ bytes: [UInt8]) {
        let parts = bytes.split(separator: UInt8(ascii: "/"), maxSplits: 3, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard parts.count == 2 || parts.count == 4 else { return nil }
        targetName = parts[0]
        targetCompression = Self.compressor(parts[1])
        sourceName = parts.count == 4 ? parts[2] : nil
        sourceCompression = parts.count == 4 ? Self.compressor(parts[3]) : nil
    }

    /// xdelta3's one-letter compressor identifiers (`extcomp_types` in xdelta3-main.h).
    private static func compressor(_ ident: String) -> String? {
        switch ident {
        case "": nil
        case "G": "gzip"
        case "B": "bzip2"
        case "Y": "xz"
        case "Z": "compress"
        default: ident
        }
    }
}
