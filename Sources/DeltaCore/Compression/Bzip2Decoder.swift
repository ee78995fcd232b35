internal import CBZip2

/// Decompresses bzip2 over libbz2, stream after stream (as `pbzip2` and `lbzip2` write).
///
/// What follows the last stream, zero padding or other bytes, is accepted and kept in
/// ``trailer`` (at most ``StreamTrailer/maximumBytes`` other than zero padding).
public final class Bzip2Decoder: StreamDecoder {
    public private(set) var compressedOffset: UInt64 = 0
    /// How many streams were decoded completely.
    public private(set) var streamCount = 0
    /// What followed the last stream.
    public private(set) var trailer = StreamTrailer()
    /// How many zero bytes followed the last stream, when nothing else did.
    public var trailingZeroBytes: UInt64 { trailer.zeroBytes }

    private var stream = bz_stream()
    private var streamIsOpen = false
    private var framing = MemberFraming.awaitingFirstMember
    private let outputBuffer = OwnedBuffer(count: Bzip2Decoder.outputChunkSize)
    private var output: UnsafeMutableRawBufferPointer { outputBuffer.bytes }

    /// Creates a decoder.
    public init() throws(CompressionError) {
        try openStream()
    }

    deinit {
        if streamIsOpen { BZ2_bzDecompressEnd(&stream) }
    }

    /// The corresponding C function is `BZ2_bzDecompressInit`.
    private func openStream() throws(CompressionError) {
        stream = bz_stream()
        let status = BZ2_bzDecompressInit(&stream, 0, 0)
        guard status == BZ_OK else { throw .library(.bzip2, call: "BZ2_bzDecompressInit", code: status) }
        streamIsOpen = true
    }

    private func closeStream() {
        if streamIsOpen { BZ2_bzDecompressEnd(&stream) }
        streamIsOpen = false
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        let trailing = try framing.feed(
            input, memberMagic: 0x42, format: .bzip2, trailer: &trailer,
            startMember: { try openStream() },
            decodeMember: { try decompressStream($0, into: sink) })
        compressedOffset += trailing
    }

    public func finish(into sink: ChunkSink) throws {
        guard framing.mayEnd else { throw CompressionError.truncated(.bzip2) }
    }

    /// Decompresses until the input is used up or the stream ends; returns the bytes consumed
    /// and whether the stream ended.
    private func decompressStream(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws -> (
        consumed: Int, memberEnded: Bool
    ) {
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: CChar.self))
        stream.avail_in = UInt32(input.count)
        defer {
            stream.next_in = nil
            stream.avail_in = 0
        }
        while true {
            stream.next_out = output.baseAddress!.assumingMemoryBound(to: CChar.self)
            stream.avail_out = UInt32(output.count)
            let status = BZ2_bzDecompress(&stream)
            let produced = output.count - Int(stream.avail_out)
            let consumed = input.count - Int(stream.avail_in)
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[..<produced])) }
            switch status {
            case BZ_OK:
                if stream.avail_in == 0 && stream.avail_out > 0 {
                    compressedOffset += UInt64(consumed)
                    return (consumed, false)
                }
            case BZ_STREAM_END:
                compressedOffset += UInt64(consumed)
                streamCount += 1
                closeStream()
                return (consumed, true)
            case BZ_DATA_ERROR:
                compressedOffset += UInt64(consumed)
                throw CompressionError.corrupt(.bzip2, detail: "invalid block data or CRC mismatch")
            case BZ_DATA_ERROR_MAGIC:
                compressedOffset += UInt64(consumed)
                throw CompressionError.corrupt(.bzip2, detail: "bad stream header")
            default:
                throw CompressionError.library(.bzip2, call: "BZ2_bzDecompress", code: status)
            }
        }
    }

    /// Whether a stream has ended and no other has started: the end of what
    /// ``decode(_:into:)`` will produce.
    public var isFinished: Bool { framing == .betweenMembers || framing == .padding }

    /// Decodes one bzip2 stream pull-style, into the caller's buffer: at most `output.count`
    /// bytes come out per call, however much a block expands (a bzip2 block of zeros grows
    /// ~50 times), so a reader that takes a few bytes at a time stays within fixed memory.
    ///
    /// Use either this or ``process(_:into:)``, not both on one decoder. Once the stream has
    /// ended (``isFinished``) further calls consume and produce nothing.
    /// - Returns: how many input bytes were consumed and output bytes produced.
    /// - Throws: ``CompressionError/corrupt(_:detail:)`` for invalid data. The corresponding
    ///   C function is `BZ2_bzDecompress`.
    public func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(CompressionError) -> (consumed: Int, produced: Int)
    {
        guard streamIsOpen, !isFinished, output.count > 0 else { return (0, 0) }
        framing = .inMember
        let inputCount = min(input.count, Int(UInt32.max))
        let outputCount = min(output.count, Int(UInt32.max))
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: CChar.self))
        stream.avail_in = UInt32(inputCount)
        stream.next_out = output.baseAddress!.assumingMemoryBound(to: CChar.self)
        stream.avail_out = UInt32(outputCount)
        let status = BZ2_bzDecompress(&stream)
        let consumed = inputCount - Int(stream.avail_in)
        let produced = outputCount - Int(stream.avail_out)
        stream.next_in = nil
        stream.avail_in = 0
        stream.next_out = nil
        stream.avail_out = 0
        compressedOffset += UInt64(consumed)
        switch status {
        case BZ_OK:
            return (consumed, produced)
        case BZ_STREAM_END:
            streamCount += 1
            closeStream()
            framing = .betweenMembers
            return (consumed, produced)
        case BZ_DATA_ERROR:
            throw .corrupt(.bzip2, detail: "invalid block data or CRC mismatch")
        case BZ_DATA_ERROR_MAGIC:
            throw .corrupt(.bzip2, detail: "bad stream header")
        default:
            throw .library(.bzip2, call: "BZ2_bzDecompress", code: status)
        }
    }
}
