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

    /// Creates an encoder. The corresponding C function is `lzma_easy_encoder`.
    /// - Parameters:
    ///   - preset: 0 to 9, as `xz -0` … `-9`.
    ///   - extreme: as `xz -e`.
    ///   - check: the integrity check (`xz`'s default is CRC64).
    public init(preset: Int = 6, extreme: Bool = false, check: XZCheck = .crc64) throws(CompressionError) {
        guard (0...9).contains(preset) else { throw .invalidSettings(.xz, detail: "preset \(preset)") }
        let extremeFlag: UInt32 = 0x8000_0000
        let flags = UInt32(preset) | (extreme ? extremeFlag : 0)
        coder = try LZMAStreamCoder(call: "lzma_easy_encoder") { lzma_easy_encoder($0, flags, check.lzmaValue) }
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.xz) }
        guard input.count > 0 else { return }
        try coder.code(input, finishing: false, into: sink, failure: Self.describe)
    }

    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        try coder.code(UnsafeRawBufferPointer(start: nil, count: 0), finishing: true, into: sink, failure: Self.describe)
        finished = true
    }

    private static func describe(_ status: lzma_ret) -> CompressionError {
        .library(.xz, call: "lzma_code", code: Int32(status.rawValue))
    }
}
