internal import CZlib

/// Raw deflate exactly as pigz 2.x writes it over zlib (with zlib 1.2.6 or later).
///
/// pigz cuts its input into blocks of a fixed size (128 KiB unless `-b`) and compresses each
/// one with a freshly reset zlib stream at its level and strategy, primed with the previous
/// block's last 32 KiB as dictionary (none with `-i`). Every block but the last ends on a
/// byte boundary: after a `Z_BLOCK` flush, an odd number of pending bits (or `-i`) gets a
/// `Z_SYNC_FLUSH` (an empty stored block), an even non-zero number gets empty static blocks
/// (`deflatePrime(10, 2)`) until aligned; `-i` adds a `Z_FULL_FLUSH` marker. The last block
/// is finished with `Z_FINISH`. The thread count does not enter: each block's bytes depend only on
/// its input and the 32 KiB before it, which this type reproduces with the same zlib calls in
/// the same order (pigz's `compress_thread`).
///
/// Wrap it in ``GzipMemberEncoder`` for a `.gz` file.
public final class PigzDeflateEncoder: StreamEncoder {
    /// pigz's `DICT`: the dictionary carried from one block to the next.
    static let dictionarySize = 32 << 10
    /// pigz's smallest and largest `-b` block sizes, in bytes.
    public static let blockSizes = (32 << 10)...(1 << 29)

    private let level: Int32
    private let strategy: Int32
    private let independent: Bool
    private var stream = z_stream()
    private let block: UnsafeMutableBufferPointer<UInt8>
    private var blockFill = 0
    /// The previous block's last 32 KiB, once there is a previous block (not with `-i`).
    private let dictionary: UnsafeMutableBufferPointer<UInt8>
    private var hasDictionary = false
    /// A block's output, as pigz's per-job output space: its size bounds how much deflate may
    /// write at once, which shapes stored blocks at level 0.
    private let output: UnsafeMutableBufferPointer<UInt8>
    private var outputFill = 0
    private var finished = false

    /// Creates an encoder for `pigz -level [-b blockSize/1024] [-i]`.
    /// - Parameters:
    ///   - level: 0 to 9.
    ///   - strategy: `.default`, or pigz's `-H` (Huffman only) and `-U` (RLE).
    ///   - blockSize: bytes per block, a multiple of 1024 within ``blockSizes``.
    ///   - independent: `-i`: no dictionary, and a full-flush marker after each block.
    /// - Throws: ``CompressionError/invalidSettings(_:detail:)`` or
    ///   ``CompressionError/library(_:call:code:)``.
    public init(level: Int, strategy: DeflateStrategy = .default, blockSize: Int = 128 << 10, independent: Bool = false)
        throws(CompressionError)
    {
        guard (0...9).contains(level), Self.blockSizes.contains(blockSize), blockSize % 1024 == 0 else {
            throw .invalidSettings(.gzip, detail: "pigz level \(level), block size \(blockSize)")
        }
        self.level = Int32(level)
        self.strategy = strategy.zlibValue
        self.independent = independent
        // As pigz: the stream starts at level 6; each block resets it and sets the level.
        let status = CZlib_deflateInit2(&stream, 6, Z_DEFLATED, -15, 8, strategy.zlibValue)
        guard status == Z_OK else { throw .library(.gzip, call: "deflateInit2", code: status) }
        block = .allocate(capacity: blockSize)
        dictionary = .allocate(capacity: Self.dictionarySize)
        // pigz's OUTPOOL(size).
        output = .allocate(capacity: blockSize + blockSize >> 4 + Self.dictionarySize)
    }

    deinit {
        deflateEnd(&stream)
        block.deallocate()
        dictionary.deallocate()
        output.deallocate()
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.gzip) }
        var consumed = 0
        while consumed < input.count {
            // A full block is compressed only once more input shows it is not the last.
            if blockFill == block.count { try compressBlock(isLast: false, into: sink) }
            let step = min(block.count - blockFill, input.count - consumed)
            UnsafeMutableRawPointer(block.baseAddress! + blockFill).copyMemory(
                from: input.baseAddress! + consumed, byteCount: step)
            blockFill += step
            consumed += step
        }
    }

    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        finished = true
        try compressBlock(isLast: true, into: sink)
    }

    /// pigz's per-block sequence of zlib calls.
    private func compressBlock(isLast: Bool, into sink: ChunkSink) throws {
        try check(deflateReset(&stream), "deflateReset")
        try check(deflateParams(&stream, level, strategy), "deflateParams")
        if hasDictionary {
            try check(
                deflateSetDictionary(&stream, dictionary.baseAddress, uInt(dictionary.count)), "deflateSetDictionary")
        }
        stream.next_in = block.baseAddress
        stream.avail_in = uInt(blockFill)
        if isLast {
            try run(Z_FINISH, into: sink)
        } else {
            try run(Z_BLOCK, into: sink)
            var bits: Int32 = 0
            try check(deflatePending(&stream, nil, &bits), "deflatePending")
            if bits & 1 != 0 || independent {
                try run(Z_SYNC_FLUSH, into: sink)
            } else if bits & 7 != 0 {
                repeat {
                    try check(deflatePrime(&stream, 10, 2), "deflatePrime")
                    try check(deflatePending(&stream, nil, &bits), "deflatePending")
                } while bits & 7 != 0
                try run(Z_BLOCK, into: sink)
            }
            if independent {
                try run(Z_FULL_FLUSH, into: sink)
            } else {
                // Every block but the last is full, and at least as large as the dictionary.
                dictionary.baseAddress!.update(
                    from: block.baseAddress! + (blockFill - dictionary.count), count: dictionary.count)
                hasDictionary = true
            }
        }
        blockFill = 0
        try drainOutput(into: sink)
    }

    /// pigz's `deflate_engine`: calls `deflate` with `flush` until it leaves output room,
    /// writing after the block's output so far. (pigz grows a full output space; one that
    /// fills here is passed on, which only a block far larger than its input could need.)
    private func run(_ flush: Int32, into sink: ChunkSink) throws {
        repeat {
            if outputFill == output.count { try drainOutput(into: sink) }
            stream.next_out = output.baseAddress! + outputFill
            stream.avail_out = uInt(output.count - outputFill)
            let status = deflate(&stream, flush)
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw CompressionError.library(.gzip, call: "deflate", code: status)
            }
            outputFill = output.count - Int(stream.avail_out)
        } while stream.avail_out == 0
    }

    /// Passes the block's output on.
    private func drainOutput(into sink: ChunkSink) throws {
        var start = 0
        while start < outputFill {
            let end = min(outputFill, start + Self.outputChunkSize)
            try sink(UnsafeRawBufferPointer(start: output.baseAddress! + start, count: end - start))
            start = end
        }
        outputFill = 0
    }

    private func check(_ status: Int32, _ call: String) throws(CompressionError) {
        guard status == Z_OK else { throw .library(.gzip, call: call, code: status) }
    }
}
