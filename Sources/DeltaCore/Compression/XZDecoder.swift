internal import CLZMA

/// Decompresses xz over liblzma, every stream and block, with the memory it may use bounded.
public final class XZDecoder: StreamDecoder {
    /// The default memory limit: every `xz` preset (64 MiB dictionaries at most) fits well
    /// inside it, while a hostile header cannot make the decoder reserve gigabytes.
    public static let defaultMemoryLimit: UInt64 = 400 << 20

    public var compressedOffset: UInt64 { coder.consumed }

    private let coder: LZMAStreamCoder

    /// Creates a decoder that refuses streams needing more than `memoryLimit` bytes.
    /// The corresponding C function is `lzma_stream_decoder` with `LZMA_CONCATENATED`.
    public init(memoryLimit: UInt64 = XZDecoder.defaultMemoryLimit) throws(CompressionError) {
        let concatenated: UInt32 = 0x08
        coder = try LZMAStreamCoder(call: "lzma_stream_decoder") { lzma_stream_decoder($0, memoryLimit, concatenated) }
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard input.count > 0 else { return }
        try coder.code(input, finishing: false, into: sink, failure: describe)
    }

    public func finish(into sink: ChunkSink) throws {
        try coder.code(UnsafeRawBufferPointer(start: nil, count: 0), finishing: true, into: sink, failure: describe)
    }

    private func describe(_ status: lzma_ret) -> CompressionError {
        switch status {
        case LZMA_BUF_ERROR:
            // Only reached when finishing: the input ended inside a stream.
            .truncated(.xz)
        case LZMA_DATA_ERROR:
            .corrupt(.xz, detail: "invalid compressed data or integrity check")
        case LZMA_FORMAT_ERROR:
            coder.consumed > 12 ? .trailingData(.xz) : .corrupt(.xz, detail: "not an xz stream")
        case LZMA_OPTIONS_ERROR:
            .corrupt(.xz, detail: "unsupported options in a header")
        case LZMA_MEMLIMIT_ERROR:
            .memoryLimit(.xz, needed: lzma_memusage(&coder.stream))
        default:
            .library(.xz, call: "lzma_code", code: Int32(status.rawValue))
        }
    }
}
