/// What follows the last member of a gzip or bzip2 file: nothing, zero padding (tar's blocks),
/// or other bytes (a signature, a stray newline, padding a tool wrote), kept as they are so a
/// recipe can put them back (``RecompressionRecipe/trailingBytes``).
///
/// `gzip -d` decompresses such a file with a warning ("trailing garbage ignored"); the
/// decoders here do the same and record the bytes. A byte that starts a member (the format's
/// magic) right after a member is read as a member, as `gzip -d` reads it.
public struct StreamTrailer: Equatable, Sendable {
    /// Zero bytes after the last member, while nothing else has followed them.
    public private(set) var zeroBytes: UInt64 = 0
    /// Every byte after the last member once one of them is neither zero nor a member's start;
    /// empty otherwise (then ``zeroBytes`` says it all).
    public private(set) var bytes: [UInt8] = []

    /// The most trailing bytes (other than pure zero padding) a file may have: they travel
    /// whole in the recipe, so a file with more is refused rather than making a huge recipe.
    public static let maximumBytes = 1 << 20

    /// The trailer's length in the file.
    public var count: UInt64 { bytes.isEmpty ? zeroBytes : UInt64(bytes.count) }

    /// Counts `count` zero bytes of padding (before any other trailing byte).
    mutating func addZeros(_ count: UInt64) {
        zeroBytes += count
    }

    /// Keeps `chunk`, bytes of the trailer once it is more than zero padding; the zeros
    /// counted before become its first bytes.
    /// - Throws: ``CompressionError/trailingDataTooLong(_:limit:)`` past ``maximumBytes``.
    mutating func add(_ chunk: UnsafeRawBufferPointer, format: CompressionFormat) throws(CompressionError) {
        guard !chunk.isEmpty else { return }
        let total = (bytes.isEmpty ? zeroBytes : UInt64(bytes.count)) + UInt64(chunk.count)
        guard total <= UInt64(Self.maximumBytes) else {
            throw .trailingDataTooLong(format, limit: Self.maximumBytes)
        }
        if bytes.isEmpty {
            bytes = [UInt8](repeating: 0, count: Int(zeroBytes))
            zeroBytes = 0
        }
        bytes.append(contentsOf: chunk)
    }
}

extension StreamTrailer {
    /// A trailer to write back: zero padding, or bytes as they were.
    enum Bytes {
        /// This many zero bytes.
        case zeros(UInt64)
        /// These bytes.
        case verbatim([UInt8])

        /// The trailer's length in the file.
        var count: UInt64 {
            switch self {
            case let .zeros(count): count
            case let .verbatim(bytes): UInt64(bytes.count)
            }
        }

        /// Nothing at all.
        var isEmpty: Bool { count == 0 }

        /// Passes the trailer to `sink`, a chunk at a time.
        func write(into sink: ChunkSink) throws {
            switch self {
            case let .verbatim(bytes):
                if !bytes.isEmpty { try bytes.withUnsafeBytes { try sink($0) } }
            case let .zeros(count):
                var remaining = count
                let zeros = [UInt8](repeating: 0, count: Int(min(count, UInt64(StreamTrailer.zeroChunkSize))))
                while remaining > 0 {
                    let chunk = Int(min(remaining, UInt64(zeros.count)))
                    try zeros.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[..<chunk])) }
                    remaining -= UInt64(chunk)
                }
            }
        }
    }

    /// Zero bytes passed to a sink at a time.
    static let zeroChunkSize = 1 << 16
}

extension RecompressionRecipe {
    /// Bytes after the compressed data that are not all zeros, written back as they are
    /// (recipe extension ``RecipeExtensionKind/trailingBytes``); empty when the file ends in
    /// zero padding (``trailingZeroBytes``) or nothing.
    public var trailingBytes: [UInt8] {
        get { extensionPayload(.trailingBytes) ?? [] }
        set { setExtension(.trailingBytes, payload: newValue.isEmpty ? nil : newValue) }
    }

    /// Records what a decoder found after the last member or stream.
    public mutating func setTrailer(_ trailer: StreamTrailer) {
        trailingZeroBytes = trailer.bytes.isEmpty ? trailer.zeroBytes : 0
        trailingBytes = trailer.bytes
    }

    /// What the rebuild writes after the compressed data.
    var trailer: StreamTrailer.Bytes {
        let bytes = trailingBytes
        return bytes.isEmpty ? .zeros(trailingZeroBytes) : .verbatim(bytes)
    }
}
