/// A compressed container format a distfile may use.
public enum CompressionFormat: String, CaseIterable, Sendable, Codable {
    /// Not compressed (a plain tar, or anything not recognised below).
    case none
    /// gzip (RFC 1952), possibly several members.
    case gzip
    /// bzip2, possibly several streams.
    case bzip2
    /// xz, possibly several streams and blocks.
    case xz

    /// How many leading bytes ``detect(_:)`` wants to see.
    public static let magicLength = 6

    /// Detects the format from a file's first bytes, never from its name.
    ///
    /// Anything that is not gzip, bzip2 or xz is ``none``: a file is only ever treated as
    /// compressed when its magic bytes say so.
    public static func detect(_ prefix: some Collection<UInt8>) -> CompressionFormat {
        let head = Array(prefix.prefix(magicLength))
        if head.starts(with: [0x1f, 0x8b]) { return .gzip }
        // "BZh" then a block-size digit 1-9.
        if head.count >= 4, head.starts(with: [0x42, 0x5a, 0x68]), (0x31...0x39).contains(head[3]) {
            return .bzip2
        }
        if head.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return .xz }
        return .none
    }

    /// The usual file-name suffix, for naming output (never for detection).
    public var fileExtension: String {
        switch self {
        case .none: ""
        case .gzip: ".gz"
        case .bzip2: ".bz2"
        case .xz: ".xz"
        }
    }

    /// A decoder for this format.
    public func makeDecoder() throws(CompressionError) -> any StreamDecoder {
        switch self {
        case .none: PassthroughCodec()
        case .gzip: try GzipDecoder()
        case .bzip2: try Bzip2Decoder()
        case .xz: try XZDecoder()
        }
    }
}
