internal import CLZMA

/// Decompresses xz over liblzma, every stream and block, with the memory it may use bounded.
public final class XZDecoder: StreamDecoder {
    /// The default memory limit: every `xz` preset (64 MiB dictionaries at most) fits well
    /// inside it, while a hostile header cannot make the decoder reserve gigabytes.
    public static let defaultMemoryLimit: UInt64 = 400 << 20

    public private(set) var compressedOffset: UInt64 = 0

    private var stream = lzma_stream()
    private var finished = false
    private let outputBuffer = OwnedBuffer(count: XZDecoder.outputChunkSize)
    private var output: UnsafeMutableRawBufferPointer { outputBuffer.bytes }

    /// Creates a decoder that refuses streams needing more than `memoryLimit` bytes.
    /// The corresponding C function is `lzma_stream_decoder` with `LZMA_CONCATENATED`.
    public init(memoryLimit: UInt64 = XZDecoder.defaultMemoryLimit) throws(CompressionError) {
        CLZMA_streamInit(&stream)
        let concatenated: UInt32 = 0x08
        let status = lzma_stream_decoder(&stream, memoryLimit, concatenated)
        guard status == LZMA_OK else {
            throw .library(.xz, call: "lzma_stream_decoder", code: Int32(status.rawValue))
        }
    }

    deinit {
        lzma_end(&stream)
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.xz) }
        guard input.count > 0 else { return }
        try code(input, action: LZMA_RUN, into: sink)
    }

    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        try code(UnsafeRawBufferPointer(start: nil, count: 0), action: LZMA_FINISH, into: sink)
        finished = true
    }

    private func code(_ input: UnsafeRawBufferPointer, action: lzma_action, into sink: ChunkSink) throws {
        stream.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_in = input.count
        defer {
            stream.next_in = nil
            stream.avail_in = 0
        }
        while true {
            stream.next_out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = output.count
            let before = stream.avail_in
            let status = lzma_code(&stream, action)
            compressedOffset += UInt64(before - stream.avail_in)
            let produced = output.count - stream.avail_out
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[..<produced])) }
            switch status {
            case LZMA_OK:
                if action == LZMA_RUN && stream.avail_in == 0 && stream.avail_out > 0 { return }
            case LZMA_STREAM_END:
                finished = true
                return
            case LZMA_BUF_ERROR:
                // Only reached with LZMA_FINISH: the input ended inside a stream.
                throw CompressionError.truncated(.xz)
            case LZMA_DATA_ERROR:
                throw CompressionError.corrupt(.xz, detail: "invalid compressed data or integrity check")
            case LZMA_FORMAT_ERROR:
                throw compressedOffset > 12 ? CompressionError.trailingData(.xz)
                    : CompressionError.corrupt(.xz, detail: "not an xz stream")
            case LZMA_OPTIONS_ERROR:
                throw CompressionError.corrupt(.xz, detail: "unsupported options in a header")
            case LZMA_MEMLIMIT_ERROR:
                throw CompressionError.memoryLimit(.xz, needed: lzma_memusage(&stream))
            default:
                throw CompressionError.library(.xz, call: "lzma_code", code: Int32(status.rawValue))
            }
        }
    }
}
