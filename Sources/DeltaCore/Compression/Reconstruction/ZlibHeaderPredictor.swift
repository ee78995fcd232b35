/// The dynamic block header zlib (and the many deflaters that kept its `trees.c`) writes for
/// a block's tokens, as deflate reconstruction predicts it: a header equal to this costs one
/// adaptive bit.
///
/// zlib's `trees.c` descends from GNU gzip's decision for decision in what a header holds
/// (heap ordered by frequency then subtree depth, `gen_bitlen`'s overflow fix-up,
/// `scan_tree`/`send_tree`'s runs, the code-length code sent in RFC 1951's order up to its
/// last used entry), so this asks ``GNUDeflateTrees``, the one implementation of it.
final class ZlibHeaderPredictor: DynamicHeaderPredicting {
    private var trees = GNUDeflateTrees(level: 9, litBufferSize: 1, guessesBlockEnd: false)
    private var writer = DeflateBitWriter()

    deinit {
        trees.deallocate()
        writer.deallocate()
    }

    /// The header bits (HLIT through the last code length) for a block whose tokens have
    /// these frequencies (``BlockFrequencies``), and the code lengths they send (286
    /// literal/length, then 30 distance).
    func dynamicHeader(_ frequencies: BlockFrequencies) -> (bits: [Bool], lengths: [UInt8]) {
        writer.reset()
        let lengths = trees.writeDynamicHeader(
            literalFrequencies: frequencies.literal, distanceFrequencies: frequencies.distance, into: &writer)
        let bitCount = writer.bitPosition
        writer.alignToByte()
        let bytes = writer.buffer
        let bits = (0..<bitCount).map { bytes[$0 >> 3] >> UInt8($0 & 7) & 1 == 1 }
        return (bits, lengths)
    }

    /// The code lengths trees.c gives the 19 code-length symbols for `frequencies`.
    func precodeLengths(_ frequencies: [Int]) -> [UInt8] {
        trees.codeLengths(frequencies: frequencies)
    }
}

/// A block's symbol frequencies, as trees.c counts them: literals, length codes (a 258 that
/// was written as code 284 counts there) and the end of block (once); distance codes.
struct BlockFrequencies {
    var literal = [Int](repeating: 0, count: 286)
    var distance = [Int](repeating: 0, count: 30)

    /// No tokens yet: only the end of block.
    init() { literal[256] = 1 }

    /// The frequencies of `tokens` over the content, whose literal bytes `byte(at:)` gives,
    /// starting at content position `start`.
    init(tokens: some Sequence<DeflateToken>, from start: Int, byte: (Int) -> UInt8) {
        self.init()
        var position = start
        for token in tokens {
            if token == 0 {
                add(literal: byte(position))
                position += 1
            } else {
                add(match: token)
                position += token.matchLength
            }
        }
    }

    /// Counts a literal.
    @inline(__always)
    mutating func add(literal: UInt8) { self.literal[Int(literal)] += 1 }

    /// Counts a match token.
    @inline(__always)
    mutating func add(match token: DeflateToken) {
        let code = token.isLongForm258 ? 27 : Int(DeflateCodes.lengthCode[token.matchLength])
        literal[257 + code] += 1
        distance[DeflateCodes.distanceCode(token.matchDistance)] += 1
    }
}
