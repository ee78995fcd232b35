/// Raw deflate (RFC 1951) that produces exactly what Go's `compress/flate` writes (and so
/// `compress/gzip`, `archive/zip` and every Go program using them), as of the encoder Go has
/// had from Go 1.8 to at least Go 1.25 (checked against Debian's Go 1.19.8):
///
/// - level 0: stored blocks of 65535 bytes;
/// - level 1 (BestSpeed): ``GoFastCompressor`` over blocks of 65535 bytes, each written as a
///   dynamic block, or Huffman-only when matching removed less than a sixteenth;
/// - levels 2–9 (-1 is 6): ``GoHashChainCompressor``, 16384 tokens per block;
/// - -2 (HuffmanOnly): literals only, a dynamic code per 65535 bytes;
///
/// and always an empty final stored block at the end (Go's `Close`), which is how Go's
/// streams can be told apart cheaply (``GoFlateEncoder/hasGoTrailer(_:)``).
///
/// Go's output depends on how the input is split into `Write` calls in one corner only (the
/// window slide of levels 2–9, see ``GoHashChainCompressor``); this encoder reproduces what a
/// single `Write` (or writes of 32 KiB multiples, as `io.Copy` from a file does) gives.
/// Wrap it in ``GzipMemberEncoder`` with Go's header (``goHeader(level:)``) for a `.gz` file.
public final class GoFlateEncoder: StreamEncoder {
    /// Names the Go encoder whose output this reproduces; recorded in recipes, changes
    /// whenever our output could.
    public static let compatibilityVersion = "go1.8-1.25/1"
    /// The encoder generation recipes record (``DeflateProducer/goFlate(generation:)``): 1 is
    /// the encoder of Go 1.8 to 1.25. A Go release that changes the output gets a new one.
    public static let generation = 1
    /// The generations this build reproduces.
    public static let generations = 1...1
    /// The levels Go accepts: -2 (HuffmanOnly), -1 (default, which is 6), 0 to 9.
    public static let levels = -2...9

    private enum Mode {
        case stored, huffmanOnly
        case fast(GoFastCompressor)
        case hashChain(GoHashChainCompressor)
    }

    private var mode: Mode
    private var writer = GoBlockWriter()
    private var input = PendingInput()
    /// Level 0, 1 and -2 collect 65535-byte blocks here.
    private let block: UnsafeMutablePointer<UInt8>
    private var blockCount = 0
    private let tokens: UnsafeMutablePointer<UInt32>
    private var finished = false

    /// Creates an encoder for Go's `flate.NewWriter(w, level)`.
    /// - Throws: ``CompressionError/invalidSettings(_:detail:)`` unless `level` is -2 to 9.
    public init(level: Int) throws(CompressionError) {
        guard Self.levels.contains(level) else { throw .invalidSettings(.gzip, detail: "Go flate level \(level)") }
        switch level {
        case -2: mode = .huffmanOnly
        case 0: mode = .stored
        case 1: mode = .fast(GoFastCompressor())
        case -1: mode = .hashChain(GoHashChainCompressor(level: 6))
        default: mode = .hashChain(GoHashChainCompressor(level: level))
        }
        block = .allocate(capacity: GoFastCompressor.maxStoreBlockSize)
        tokens = .allocate(capacity: GoFastCompressor.maxStoreBlockSize)
    }

    deinit {
        switch mode {
        case let .fast(compressor): compressor.deallocate()
        case let .hashChain(compressor): compressor.deallocate()
        default: break
        }
        writer.deallocate()
        input.deallocate()
        block.deallocate()
        tokens.deallocate()
    }

    /// The header Go's `gzip.Writer` writes by default at `level`: no name, modification time
    /// 0 (unless the program sets `ModTime`), XFL 2 for level 9 and 4 for level 1, OS 255.
    public static func goHeader(level: Int, modificationTime: UInt32 = 0) -> GzipHeader {
        GzipHeader(
            modificationTime: modificationTime, operatingSystem: 255, extraFlags: level == 9 ? 2 : level == 1 ? 4 : 0)
    }

    /// Whether raw deflate data ends the way Go's `Close` ends it: an empty final stored block
    /// (its three header bits, zero padding, then `00 00 ff ff`). A cheap gate before trying
    /// Go's levels.
    public static func hasGoTrailer(_ deflate: UnsafeRawBufferPointer) -> Bool {
        guard deflate.count >= 5 else { return false }
        let tail = deflate[(deflate.count - 4)...]
        guard tail.elementsEqual([0x00, 0x00, 0xff, 0xff]) else { return false }
        // BFINAL 1 then type 00 then padding: within the byte before LEN (at bit 0 to 5), or
        // starting at bit 6 or 7 of the byte before that, which leaves the last one zero.
        let last = deflate[deflate.count - 5]
        if (0...5).contains(where: { last >> $0 == 1 }) { return true }
        guard last == 0, deflate.count >= 6 else { return false }
        let previous = deflate[deflate.count - 6]
        return previous >> 6 == 1 || previous >> 7 == 1
    }

    public func process(_ bytes: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.gzip) }
        guard bytes.count > 0 else { return }
        input.append(bytes)
        try run(finishing: false, sink)
    }

    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        finished = true
        try run(finishing: true, sink)
        writer.writeStoredHeader(length: 0, final: true)
        writer.bits.alignToByte()
        try writer.bits.flush(into: sink, force: true)
    }

    private func run(finishing: Bool, _ sink: ChunkSink) throws {
        if case var .hashChain(compressor) = mode {
            defer { mode = .hashChain(compressor) }
            // Go's write loop: a step, then a fill. A fill takes all the input that fits, so
            // input is held back until a whole fill is possible or the input ends.
            while true {
                try compressor.step(sync: false, writer: &writer, sink: sink)
                guard input.count > 0, input.count >= compressor.roomForFill || finishing else { break }
                compressor.fill(from: &input)
            }
            if finishing { try compressor.step(sync: true, writer: &writer, sink: sink) }
            return
        }
        while input.count > 0 {
            blockCount += input.read(into: block + blockCount, count: GoFastCompressor.maxStoreBlockSize - blockCount)
            if blockCount == GoFastCompressor.maxStoreBlockSize { try writeBlock(sink) }
        }
        if finishing { try writeBlock(sink) }
    }

    /// Go's `store`, `storeHuff` and `encSpeed` steps for the collected block.
    private func writeBlock(_ sink: ChunkSink) throws {
        guard blockCount > 0 else { return }
        let data = UnsafeBufferPointer(start: UnsafePointer(block), count: blockCount)
        switch mode {
        case .stored:
            writer.writeStoredBlock(data)
        case .huffmanOnly:
            writer.writeHuffmanOnlyBlock(data)
        case var .fast(compressor):
            defer { mode = .fast(compressor) }
            if blockCount < 128 {
                // Only the last block can be short. Go stores it up to 16 bytes, else codes it
                // Huffman only, and keeps no history after it.
                if blockCount <= 16 { writer.writeStoredBlock(data) } else { writer.writeHuffmanOnlyBlock(data) }
                compressor.reset()
            } else {
                let count = compressor.encode(data, into: tokens)
                if count > blockCount - blockCount >> 4 {
                    writer.writeHuffmanOnlyBlock(data)
                } else {
                    writer.writeDynamicBlock(tokens: tokens, count: count, input: data)
                }
            }
        case .hashChain:
            preconditionFailure("levels 2-9 do not collect blocks")
        }
        blockCount = 0
        try writer.bits.flush(into: sink)
    }
}
