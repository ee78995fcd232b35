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
    private var stream = lzma_stream()
    private var finished = false
    private let outputBuffer = OwnedBuffer(count: XZEncoder.outputChunkSize)
    private var output: UnsafeMutableRawBufferPointer { outputBuffer.bytes }

    /// Creates an encoder. The corresponding C function is `lzma_easy_encoder`.
    /// - Parameters:
    ///   - preset: 0 to 9, as `xz -0` … `-9`.
    ///   - extreme: as `xz -e`.
    ///   - check: the integrity check (`xz`'s default is CRC64).
    public init(preset: Int = 6, extreme: Bool = false, check: XZCheck = .crc64) throws(CompressionError) {
        guard (0...9).contains(preset) else {
            throw .invalidSettings(.xz, detail: "preset \(preset)")
        }
        CLZMA_streamInit(&stream)
        let extremeFlag: UInt32 = 0x8000_0000
        let status = lzma_easy_encoder(&stream, UInt32(preset) | (extreme ? extremeFlag : 0), check.lzmaValue)
        guard status == LZMA_OK else {
            throw .library(.xz, call: "lzma_easy_encoder", code: Int32(status.rawValue))
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
            let status = lzma_code(&stream, action)
            let produced = output.count - stream.avail_out
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[..<produced])) }
            switch status {
            case LZMA_OK:
                if action == LZMA_RUN && stream.avail_in == 0 && stream.avail_out > 0 { return }
            case LZMA_STREAM_END:
                return
            default:
                throw CompressionError.library(.xz, call: "lzma_code", code: Int32(status.rawValue))
            }
        }
    }
}
