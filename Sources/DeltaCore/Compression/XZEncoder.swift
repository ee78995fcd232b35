internal import CLZMA

/// The integrity check an xz stream carries.
public enum XZCheck: String, Sendable, Codable, CaseIterable {
    case none, crc32, crc64, sha256

    var lzmaValue: lzma_check {
        switch self {
        case .none: LZMA_CHECK_NONE
        case .crc32: LZMA_CHECK_CRC32
        case .crc64: LZMA_CHECK_CRC64
        case .sha256: LZMA_CHECK_SHA256
        }
    }
}

/// Compresses to xz over liblzma, as `xz -0` … `-9` (optionally `-e`) does single-threaded.
public final class XZEncoder: StreamEncoder {
    private let coder: LZMAStreamCoder
    private var finished = false
    /// Single-threaded `--block-size`: input bytes per block, and how many the open block holds.
    private var blockSize: UInt64?
    private var inBlock: UInt64 = 0

    /// Creates an encoder. The corresponding C function is `lzma_easy_encoder`.
    /// - Parameters:
    ///   - preset: 0 to 9, as `xz -0` … `-9`.
    ///   - extreme: as `xz -e`.
    ///   - check: the integrity check (`xz`'s default is CRC64).
    ///   - blockSize: when set, ends a block (`LZMA_FULL_FLUSH`) after every `blockSize`
    ///     input bytes, as single-threaded `xz --block-size` does; such block headers carry
    ///     no sizes, unlike the multi-threaded encoder's.
    public init(preset: Int = 6, extreme: Bool = false, check: XZCheck = .crc64, flushingEvery blockSize: UInt64? = nil)
        throws(CompressionError)
    {
        guard (0...9).contains(preset), blockSize ?? 1 > 0 else {
            throw .invalidSettings(.xz, detail: "preset \(preset), block size \(blockSize ?? 0)")
        }
        self.blockSize = blockSize
        let extremeFlag: UInt32 = 0x8000_0000
        let flags = UInt32(preset) | (extreme ? extremeFlag : 0)
        coder = try LZMAStreamCoder(call: "lzma_easy_encoder") { lzma_easy_encoder($0, flags, check.lzmaValue) }
    }

    /// Creates a multi-threaded encoder, as `xz -T N` (N > 1) works: the input is cut into
    /// blocks of `blockSize` uncompressed bytes, each compressed on its own with sizes in its
    /// header. The output depends on `blockSize` but not on `threads`.
    /// The corresponding C function is `lzma_stream_encoder_mt`.
    /// - Parameters:
    ///   - preset: 0 to 9.
    ///   - extreme: as `xz -e`.
    ///   - check: the integrity check.
    ///   - blockSize: uncompressed bytes per block (`xz --block-size`; xz's default is three
    ///     times the dictionary size, at least 1 MiB).
    ///   - threads: worker threads.
    public init(preset: Int, extreme: Bool = false, check: XZCheck = .crc64, blockSize: UInt64, threads: Int = 2)
        throws(CompressionError)
    {
        guard (0...9).contains(preset), blockSize > 0, threads > 0 else {
            throw .invalidSettings(.xz, detail: "preset \(preset), block size \(blockSize), threads \(threads)")
        }
        var options = lzma_mt()
        options.threads = UInt32(min(threads, 64))
        options.block_size = blockSize
        options.preset = UInt32(preset) | (extreme ? 0x8000_0000 : 0)
        options.check = check.lzmaValue
        coder = try LZMAStreamCoder(call: "lzma_stream_encoder_mt") { lzma_stream_encoder_mt($0, &options) }
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.xz) }
        guard input.count > 0 else { return }
        guard let blockSize else { return try coder.code(input, finishing: false, into: sink, failure: Self.describe) }
        var start = 0
        while start < input.count {
            let end = start + Int(min(UInt64(input.count - start), blockSize - inBlock))
            try coder.code(
                UnsafeRawBufferPointer(rebasing: input[start..<end]), finishing: false, into: sink,
                failure: Self.describe)
            inBlock += UInt64(end - start)
            start = end
            if inBlock == blockSize {
                try coder.endBlock(into: sink, failure: Self.describe)
                inBlock = 0
            }
        }
    }

    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        try coder.code(
            UnsafeRawBufferPointer(start: nil, count: 0), finishing: true, into: sink, failure: Self.describe)
        finished = true
    }

    private static func describe(_ status: lzma_ret) -> CompressionError {
        .library(.xz, call: "lzma_code", code: Int32(status.rawValue))
    }
}
