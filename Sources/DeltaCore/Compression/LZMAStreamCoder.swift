internal import CLZMA

/// One liblzma stream and the loop that drives it. The xz encoder and decoder (and raw LZMA2
/// coders) differ only in how the stream is set up and how its statuses map to errors.
final class LZMAStreamCoder {
    var stream = lzma_stream()
    private let outputBuffer = OwnedBuffer(count: 1 << 16)
    /// Input bytes consumed so far.
    private(set) var consumed: UInt64 = 0
    /// Whether liblzma reported the end of the stream.
    private(set) var ended = false

    /// Sets up the stream with `setUp` (`lzma_stream_decoder`, `lzma_easy_encoder`, …), named
    /// `call` in the error should it fail.
    init(call: String, _ setUp: (UnsafeMutablePointer<lzma_stream>) -> lzma_ret) throws(CompressionError) {
        CLZMA_streamInit(&stream)
        let status = setUp(&stream)
        guard status == LZMA_OK else { throw .library(.xz, call: call, code: Int32(status.rawValue)) }
    }

    deinit { lzma_end(&stream) }

    /// Runs `input` through the stream, or with `finishing` flushes it to its end, passing output
    /// to `sink`. Statuses other than OK and STREAM_END become the error `failure` makes of them.
    func code(
        _ input: UnsafeRawBufferPointer, finishing: Bool, into sink: ChunkSink,
        failure: (lzma_ret) -> CompressionError
    ) throws {
        if ended {
            if input.count > 0 { throw CompressionError.trailingData(.xz) }
            return
        }
        try drive(input, action: finishing ? LZMA_FINISH : LZMA_RUN, into: sink, failure: failure)
    }

    /// Ends the current block (`LZMA_FULL_FLUSH`; encoders only), passing its output to `sink`.
    /// The stream goes on with a new block at the next input.
    func endBlock(into sink: ChunkSink, failure: (lzma_ret) -> CompressionError) throws {
        try drive(UnsafeRawBufferPointer(start: nil, count: 0), action: LZMA_FULL_FLUSH, into: sink, failure: failure)
    }

    private func drive(
        _ input: UnsafeRawBufferPointer, action: lzma_action, into sink: ChunkSink,
        failure: (lzma_ret) -> CompressionError
    ) throws {
        stream.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_in = input.count
        defer {
            stream.next_in = nil
            stream.avail_in = 0
        }
        let output = outputBuffer.bytes
        while true {
            stream.next_out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = output.count
            let before = stream.avail_in
            let status = lzma_code(&stream, action)
            consumed += UInt64(before - stream.avail_in)
            let produced = output.count - stream.avail_out
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[..<produced])) }
            switch status {
            case LZMA_OK:
                if action == LZMA_RUN && stream.avail_in == 0 && stream.avail_out > 0 { return }
            case LZMA_STREAM_END:
                // After LZMA_FULL_FLUSH this ends only the block, not the stream.
                if action == LZMA_FULL_FLUSH { return }
                ended = true
                if stream.avail_in > 0 { throw CompressionError.trailingData(.xz) }
                return
            default:
                throw failure(status)
            }
        }
    }
}
