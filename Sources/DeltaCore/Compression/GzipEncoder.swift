internal import CZlib

/// zlib's deflate strategies.
public enum DeflateStrategy: String, Sendable, Codable, CaseIterable {
    case `default`, filtered, huffmanOnly, rle, fixed

    var zlibValue: Int32 {
        switch self {
        case .default: Z_DEFAULT_STRATEGY
        case .filtered: Z_FILTERED
        case .huffmanOnly: Z_HUFFMAN_ONLY
        case .rle: Z_RLE
        case .fixed: Z_FIXED
        }
    }
}

/// The optional fields of a gzip member header (RFC 1952 section 2.3).
public struct GzipHeader: Hashable, Sendable, Codable {
    /// Modification time, seconds since the epoch; 0 means none.
    public var modificationTime: UInt32 = 0
    /// The operating system byte (3 = Unix, 255 = unknown).
    public var operatingSystem: UInt8 = 3
    /// The original file name (FNAME), without its terminating zero.
    public var name: [UInt8]?
    /// The comment (FCOMMENT), without its terminating zero.
    public var comment: [UInt8]?
    /// The extra field (FEXTRA).
    public var extra: [UInt8]?
    /// Whether a header CRC (FHCRC) is written.
    public var headerCRC = false
    /// The FTEXT flag.
    public var isText = false
    /// The XFL byte; nil lets the compressor choose (zlib: 2 at level 9, 4 at level 1, else 0).
    public var extraFlags: UInt8?

    /// A header with the given fields.
    public init(
        modificationTime: UInt32 = 0, operatingSystem: UInt8 = 3, name: [UInt8]? = nil,
        comment: [UInt8]? = nil, extra: [UInt8]? = nil, headerCRC: Bool = false, isText: Bool = false,
        extraFlags: UInt8? = nil
    ) {
        self.modificationTime = modificationTime
        self.operatingSystem = operatingSystem
        self.name = name
        self.comment = comment
        self.extra = extra
        self.headerCRC = headerCRC
        self.isText = isText
        self.extraFlags = extraFlags
    }
}

/// Compresses to gzip over zlib's `deflate`.
///
/// Output made this way is reproducible by the same zlib version with the same settings;
/// GNU gzip's own output differs and needs the recipe machinery of the recompression code.
public final class GzipEncoder: StreamEncoder {
    private var stream = z_stream()
    private var header = gz_header()
    /// Storage for the header's strings and extra field, alive until deflate has written them.
    private var headerStorage: [UnsafeMutableBufferPointer<UInt8>] = []
    private var finished = false
    private let outputBuffer = OwnedBuffer(count: GzipEncoder.outputChunkSize)
    private var output: UnsafeMutableRawBufferPointer { outputBuffer.bytes }

    /// Creates an encoder.
    /// The corresponding C functions are `deflateInit2` (gzip framing) and `deflateSetHeader`.
    /// - Parameters:
    ///   - level: 1 (fastest) to 9 (smallest), or 0 (stored).
    ///   - memLevel: 1 to 9, zlib's internal state size.
    ///   - strategy: zlib's match strategy.
    ///   - header: the member header's fields.
    public init(
        level: Int = 6, memLevel: Int = 8, strategy: DeflateStrategy = .default,
        header fields: GzipHeader = GzipHeader()
    ) throws(CompressionError) {
        guard (0...9).contains(level), (1...9).contains(memLevel) else {
            throw .invalidSettings(.gzip, detail: "level \(level), memLevel \(memLevel)")
        }
        let status = CZlib_deflateInit2(&stream, Int32(level), Z_DEFLATED, 15 + 16, Int32(memLevel), strategy.zlibValue)
        guard status == Z_OK else {
            throw .library(.gzip, call: "deflateInit2", code: status)
        }
        header.text = fields.isText ? 1 : 0
        header.time = uLong(fields.modificationTime)
        header.os = Int32(fields.operatingSystem)
        header.hcrc = fields.headerCRC ? 1 : 0
        if let extra = fields.extra {
            let storage = keep(extra, terminated: false)
            header.extra = storage.baseAddress
            header.extra_len = uInt(extra.count)
        }
        if let name = fields.name { header.name = keep(name, terminated: true).baseAddress }
        if let comment = fields.comment { header.comment = keep(comment, terminated: true).baseAddress }
        let headerStatus = deflateSetHeader(&stream, &header)
        guard headerStatus == Z_OK else { throw .library(.gzip, call: "deflateSetHeader", code: headerStatus) }
    }

    /// Creates a raw deflate encoder (RFC 1951, no gzip header or trailer), for callers that
    /// write the member framing themselves (``GzipMemberEncoder``).
    init(rawLevel level: Int, memLevel: Int, strategy: DeflateStrategy) throws(CompressionError) {
        guard (0...9).contains(level), (1...9).contains(memLevel) else {
            throw .invalidSettings(.gzip, detail: "level \(level), memLevel \(memLevel)")
        }
        let status = CZlib_deflateInit2(&stream, Int32(level), Z_DEFLATED, -15, Int32(memLevel), strategy.zlibValue)
        guard status == Z_OK else {
            throw .library(.gzip, call: "deflateInit2", code: status)
        }
    }

    /// Primes a raw encoder with the content that comes before its input, as if it had
    /// compressed it (restart points). Call before any input.
    /// The corresponding C function is `deflateSetDictionary`.
    func setDictionary(_ dictionary: UnsafeRawBufferPointer) throws(CompressionError) {
        let status = deflateSetDictionary(
            &stream, dictionary.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(dictionary.count))
        guard status == Z_OK else { throw .library(.gzip, call: "deflateSetDictionary", code: status) }
    }

    /// Writes `count` (1 to 7) zero bits before the output, so that byte alignment (stored
    /// blocks) falls where it would in a longer stream. The corresponding C function is `deflatePrime`.
    func prime(bits count: Int) throws(CompressionError) {
        let status = deflatePrime(&stream, Int32(count), 0)
        guard status == Z_OK else { throw .library(.gzip, call: "deflatePrime", code: status) }
    }

    /// Bits the encoder has written but not yet passed on: what waits in its output buffer
    /// and its bit buffer. The corresponding C function is `deflatePending`.
    func pendingBitCount() throws(CompressionError) -> Int {
        var pendingBytes: UInt32 = 0
        var bits: Int32 = 0
        let status = deflatePending(&stream, &pendingBytes, &bits)
        guard status == Z_OK else { throw .library(.gzip, call: "deflatePending", code: status) }
        return Int(pendingBytes) * 8 + Int(bits)
    }

    /// Ends the current block and passes on every bit written so far, without ending the
    /// stream (`Z_SYNC_FLUSH`: an empty stored block follows).
    func syncFlush(into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.gzip) }
        try deflate(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_SYNC_FLUSH, into: sink)
    }

    deinit {
        deflateEnd(&stream)
        for storage in headerStorage { storage.deallocate() }
    }

    private func keep(_ bytes: [UInt8], terminated: Bool) -> UnsafeMutableBufferPointer<UInt8> {
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count + 1)
        _ = storage.initialize(from: bytes)
        storage[bytes.count] = 0
        headerStorage.append(storage)
        return storage
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.gzip) }
        guard input.count > 0 else { return }
        try deflate(input, flush: Z_NO_FLUSH, into: sink)
    }

    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        try deflate(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH, into: sink)
        finished = true
    }

    private func deflate(_ input: UnsafeRawBufferPointer, flush: Int32, into sink: ChunkSink) throws {
        stream.next_in = input.baseAddress.map {
            UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
        }
        stream.avail_in = uInt(input.count)
        defer {
            stream.next_in = nil
            stream.avail_in = 0
        }
        while true {
            stream.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(output.count)
            let status = CZlib.deflate(&stream, flush)
            let produced = output.count - Int(stream.avail_out)
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[..<produced])) }
            switch status {
            case Z_STREAM_END:
                return
            case Z_OK, Z_BUF_ERROR:
                if flush != Z_FINISH && stream.avail_in == 0 && stream.avail_out > 0 { return }
            default:
                throw CompressionError.library(.gzip, call: "deflate", code: status)
            }
        }
    }
}
