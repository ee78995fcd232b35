/// One bzip2 block compressed on its own by libbz2: the block's bits as they appear inside a
/// stream, and its CRC.
struct Bzip2BlockBits: Sendable {
    /// The bits, most significant first, from the block magic to the end of the block.
    var bytes: [UInt8]
    /// How many bits of ``bytes`` are the block's.
    var bitCount: Int
    /// The block's CRC, which the stream's combined CRC folds in.
    var crc: UInt32
    /// Uncompressed bytes in the block.
    var contentSize: Int
    /// The block's content buffer, handed back for a later block to reuse.
    var content: [UInt8] = []
}

enum Bzip2BlockCompression {
    /// The 48-bit magic before each block and the one that ends a stream.
    static let blockMagic: UInt64 = 0x3141_5926_5359
    static let endMagic: UInt64 = 0x1772_4538_5090

    /// Compresses `content`, which must be exactly one of libbz2's blocks at `level`, and
    /// takes the block out of the one-block stream libbz2 writes: after the 4-byte `BZh`
    /// header (so it starts on a byte) and before the end-of-stream marker and combined CRC,
    /// which for one block equals the block's CRC.
    /// - Throws: ``CompressionError`` from libbz2, or ``CompressionError/corrupt(_:detail:)``
    ///   when the output is not one block.
    static func compress(
        _ content: consuming [UInt8], level: Int, workFactor: Int, workspace: Bzip2Workspace?
    ) throws -> Bzip2BlockBits {
        let stream = try Bzip2Encoder(blockSize: level, workFactor: workFactor, workspace: workspace)
            .transform(content)
        guard stream.count >= 4 + 10 + 10,
            readBits(stream, at: 32, count: 48) == blockMagic
        else {
            throw CompressionError.corrupt(
                .bzip2, detail: "one block of \(content.count) bytes did not give one bzip2 block")
        }
        let crc = UInt32(readBits(stream, at: 80, count: 32))
        let trailer = endMagic << 32 | UInt64(crc)
        for padding in 0..<8 {
            let end = stream.count * 8 - padding - 80
            if readBits(stream, at: end, count: 48) << 32 | readBits(stream, at: end + 48, count: 32) == trailer {
                return Bzip2BlockBits(
                    bytes: Array(stream[4...]), bitCount: end - 32, crc: crc, contentSize: content.count,
                    content: content)
            }
        }
        throw CompressionError.corrupt(
            .bzip2, detail: "one block of \(content.count) bytes ended in more than one bzip2 block")
    }

    /// `count` (at most 57) bits of `bytes` from bit `position`, most significant first.
    private static func readBits(_ bytes: [UInt8], at position: Int, count: Int) -> UInt64 {
        var value: UInt64 = 0
        for bit in position..<(position + count) {
            value = value << 1 | UInt64(bytes[bit >> 3] >> (7 - UInt8(bit & 7)) & 1)
        }
        return value
    }

    /// Compresses the content of `input` as `bzip2 -level` does, block by block on up to `jobs`
    /// threads, into the very stream libbz2 writes serially.
    static func encode(
        _ input: any RecompressionInput, level: Int, workFactor: Int, jobs: Int,
        progress: ((UInt64) -> Void)?, into sink: ChunkSink
    ) throws {
        var blocks = Bzip2ContentBlocks(input: input, level: level)
        var joiner = BitJoiner(order: .mostSignificantFirst)
        joiner.append(value: UInt64(0x425A_6830) + UInt64(level), count: 32)  // "BZh" and the level digit
        var combinedCRC: UInt32 = 0
        var consumed: UInt64 = 0
        let workspaces = Bzip2WorkspacePool()
        try OrderedParallelWork.stream(
            jobs: jobs, window: 4 * jobs, next: { try blocks.next() },
            work: { (block: consuming [UInt8]) in
                let workspace = workspaces.take()
                defer { workspaces.giveBack(workspace) }
                return try compress(block, level: level, workFactor: workFactor, workspace: workspace)
            },
            consume: { block in
                block.bytes.withUnsafeBytes { joiner.append($0, bitCount: block.bitCount) }
                blocks.reuse(block.content)
                combinedCRC = (combinedCRC << 1 | combinedCRC >> 31) ^ block.crc
                try joiner.flush(into: sink)
                consumed += UInt64(block.contentSize)
                progress?(consumed)
            })
        joiner.append(value: endMagic, count: 48)
        joiner.append(value: UInt64(combinedCRC), count: 32)
        try joiner.finish(into: sink)
    }
}

/// The content of a file cut where libbz2 would end its blocks, one block at a time.
struct Bzip2ContentBlocks {
    private let input: any RecompressionInput
    private var splitter: Bzip2BlockSplitter
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var bufferStart = 0
    private var bufferEnd = 0
    private var ended = false
    /// Buffers of blocks already compressed, for the next blocks (fresh ones cost page faults).
    private var spare: [[UInt8]] = []
    /// A block's usual content size: libbz2's coded limit (runs make blocks longer, rarely).
    private let usualBlockSize: Int

    init(input: any RecompressionInput, level: Int) {
        self.input = input
        splitter = Bzip2BlockSplitter(level: level)
        usualBlockSize = splitter.codedLimit + 1024
    }

    /// Takes back a block's buffer once the block is compressed.
    mutating func reuse(_ buffer: consuming [UInt8]) {
        spare.append(buffer)
    }

    /// The next block's content; nil after the last.
    mutating func next() throws -> [UInt8]? {
        var block = spare.popLast() ?? []
        block.removeAll(keepingCapacity: true)
        block.reserveCapacity(usualBlockSize)
        while true {
            if bufferStart == bufferEnd {
                guard !ended else { return block.isEmpty ? nil : block }
                bufferEnd = try buffer.withUnsafeMutableBytes { try input.read(into: $0) }
                bufferStart = 0
                if bufferEnd == 0 { ended = true; continue }
            }
            let (count, endsBlock) = buffer.withUnsafeBytes {
                splitter.consume(UnsafeRawBufferPointer(rebasing: $0[bufferStart..<bufferEnd]))
            }
            block.append(contentsOf: buffer[bufferStart..<(bufferStart + count)])
            bufferStart += count
            if endsBlock { return block }
        }
    }
}
