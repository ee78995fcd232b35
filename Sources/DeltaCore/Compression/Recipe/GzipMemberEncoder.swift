internal import CZlib

/// Writes one gzip member: a given header, raw deflate data from any deflate implementation,
/// and the CRC32/ISIZE trailer.
///
/// Writing the header here rather than through zlib keeps every header byte (XFL included)
/// under the recipe's control, and lets zlib and ``GNUDeflateEncoder`` share the framing.
public final class GzipMemberEncoder: StreamEncoder {
    private let deflater: any StreamEncoder
    private var pendingHeader: [UInt8]?
    private var crc: uLong = crc32(0, nil, 0)
    private var inputSize: UInt64 = 0
    private var finished = false

    /// Creates a member encoder.
    /// - Parameters:
    ///   - header: the member header; its ``GzipHeader/extraFlags`` is written as given (0 when nil).
    ///   - deflater: a raw deflate encoder (RFC 1951, no framing).
    public init(header: GzipHeader, deflater: any StreamEncoder) {
        self.deflater = deflater
        pendingHeader = header.serialized()
    }

    /// A member encoder over zlib's raw deflate.
    public convenience init(header: GzipHeader, level: Int, memLevel: Int = 8, strategy: DeflateStrategy = .default)
        throws(CompressionError)
    {
        self.init(header: header, deflater: try GzipEncoder(rawLevel: level, memLevel: memLevel, strategy: strategy))
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.gzip) }
        try emitHeader(into: sink)
        guard input.count > 0 else { return }
        crc = crc32(crc, input.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(input.count))
        inputSize += UInt64(input.count)
        try deflater.process(input, into: sink)
    }

    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        try emitHeader(into: sink)
        try deflater.finish(into: sink)
        try Self.trailer(crc: UInt32(truncatingIfNeeded: crc), size: inputSize).withUnsafeBytes { try sink($0) }
        finished = true
    }

    /// The member trailer: the content's CRC32 and its size modulo 2³², little-endian.
    static func trailer(crc: UInt32, size: UInt64) -> [UInt8] {
        var trailer = [UInt8]()
        withUnsafeBytes(of: crc.littleEndian) { trailer.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: size).littleEndian) { trailer.append(contentsOf: $0) }
        return trailer
    }

    private func emitHeader(into sink: ChunkSink) throws {
        guard let header = pendingHeader else { return }
        pendingHeader = nil
        try header.withUnsafeBytes { try sink($0) }
    }
}

/// Appends a recipe's trailer (``RecompressionRecipe/trailingZeroBytes`` zeros, or its
/// ``RecompressionRecipe/trailingBytes``) after another encoder's output.
final class TrailerAppendingEncoder: StreamEncoder {
    private let inner: any StreamEncoder
    private let trailer: StreamTrailer.Bytes
    private var finished = false

    /// Wraps `inner`, adding `trailer` at the end.
    init(_ inner: any StreamEncoder, trailer: StreamTrailer.Bytes) {
        self.inner = inner
        self.trailer = trailer
    }

    func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        try inner.process(input, into: sink)
    }

    func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        finished = true
        try inner.finish(into: sink)
        try trailer.write(into: sink)
    }
}
