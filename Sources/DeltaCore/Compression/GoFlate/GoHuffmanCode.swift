/// A Huffman code built the way Go's compress/flate builds it (`huffman_code.go`), so that
/// equal frequencies give equal code lengths and equal codes.
///
/// Go limits code lengths with its own per-level bookkeeping of package-merge: for each
/// depth it tracks the frequency of the next leaf and of the next pair from the depth below,
/// prefers the pair on a tie, and counts how many leaves end at each depth. The least frequent
/// symbols (ties broken by symbol value) get the longest codes; within one length, codes are
/// handed out in symbol order. One or two used symbols get one-bit codes in symbol order.
struct GoHuffmanCode {
    /// Bit length of each symbol's code; 0 for an unused symbol.
    private(set) var lengths: [UInt8]
    /// Each symbol's code, bit-reversed so that it is written least significant bit first.
    private(set) var codes: [UInt16]

    /// A code over `symbolCount` symbols, all unused.
    init(symbolCount: Int) {
        lengths = [UInt8](repeating: 0, count: symbolCount)
        codes = [UInt16](repeating: 0, count: symbolCount)
    }

    /// The fixed literal/length code of RFC 1951 (286 symbols, as Go's writer sizes it).
    static let fixedLiterals: GoHuffmanCode = {
        var code = GoHuffmanCode(symbolCount: GoFlateSymbols.literalCount)
        for symbol in 0..<GoFlateSymbols.literalCount {
            let (value, length): (Int, Int) =
                switch symbol {
                case ..<144: (symbol + 48, 8)
                case ..<256: (symbol - 144 + 400, 9)
                case ..<280: (symbol - 256, 7)
                default: (symbol - 280 + 192, 8)
                }
            code.lengths[symbol] = UInt8(length)
            code.codes[symbol] = reversed(UInt16(value), length: length)
        }
        return code
    }()

    /// The fixed distance code: 30 five-bit codes.
    static let fixedDistances: GoHuffmanCode = {
        var code = GoHuffmanCode(symbolCount: GoFlateSymbols.distanceCount)
        for symbol in 0..<GoFlateSymbols.distanceCount {
            code.lengths[symbol] = 5
            code.codes[symbol] = reversed(UInt16(symbol), length: 5)
        }
        return code
    }()

    /// The distance code Go's Huffman-only blocks declare: symbol 0 alone, one bit.
    static let huffmanOnlyDistances: GoHuffmanCode = {
        var code = GoHuffmanCode(symbolCount: GoFlateSymbols.distanceCount)
        var frequencies = [Int32](repeating: 0, count: GoFlateSymbols.distanceCount)
        frequencies[0] = 1
        code.build(frequencies: frequencies, maxBits: 15)
        return code
    }()

    /// The low `length` bits of `value`, in reverse order.
    static func reversed(_ value: UInt16, length: Int) -> UInt16 {
        var result: UInt16 = 0
        var rest = value
        for _ in 0..<length {
            result = result << 1 | rest & 1
            rest >>= 1
        }
        return result
    }

    /// Σ frequency × code length over the symbols: the bits the symbols cost with this code.
    func bitCost(_ frequencies: [Int32]) -> Int {
        var total = 0
        for symbol in 0..<min(frequencies.count, lengths.count) where frequencies[symbol] != 0 {
            total += Int(frequencies[symbol]) * Int(lengths[symbol])
        }
        return total
    }

    /// Rebuilds the code for `frequencies` (one per symbol), no code longer than `maxBits`.
    mutating func build(frequencies: [Int32], maxBits: Int) {
        var leaves: [(symbol: Int, frequency: Int32)] = []
        leaves.reserveCapacity(frequencies.count)
        for (symbol, frequency) in frequencies.enumerated() {
            if frequency != 0 {
                leaves.append((symbol, frequency))
            } else {
                lengths[symbol] = 0
            }
        }
        if leaves.count <= 2 {
            for (rank, leaf) in leaves.enumerated() {
                lengths[leaf.symbol] = 1
                codes[leaf.symbol] = UInt16(rank)
            }
            return
        }
        leaves.sort { $0.frequency != $1.frequency ? $0.frequency < $1.frequency : $0.symbol < $1.symbol }
        let leavesPerLength = Self.leavesPerLength(sortedFrequencies: leaves.map(\.frequency), maxBits: maxBits)
        // Shortest codes to the most frequent symbols; within a length, in symbol order.
        var remaining = leaves.count
        var code: UInt16 = 0
        for length in 1..<leavesPerLength.count {
            code <<= 1
            let count = leavesPerLength[length]
            guard count > 0 else { continue }
            let symbols = leaves[(remaining - count)..<remaining].map(\.symbol).sorted()
            for symbol in symbols {
                lengths[symbol] = UInt8(length)
                codes[symbol] = Self.reversed(code, length: length)
                code &+= 1
            }
            remaining -= count
        }
    }

    /// How many leaves get each code length (index 1…maxBits), for at least three leaves given
    /// by ascending frequency: Go's `bitCounts`.
    static func leavesPerLength(sortedFrequencies: [Int32], maxBits requested: Int) -> [Int] {
        let none = Int(Int32.max)
        let leafCount = sortedFrequencies.count
        let frequency: (Int) -> Int = { $0 < leafCount ? Int(sortedFrequencies[$0]) : none }
        let maxBits = min(requested, leafCount - 1)
        // Per depth: the last node's frequency, the next leaf's, the next pair's (from the
        // depth below), and how many more nodes this depth needs. Depth 0 is a placeholder.
        var last = [Int](repeating: 0, count: maxBits + 2)
        var nextLeaf = [Int](repeating: 0, count: maxBits + 2)
        var nextPair = [Int](repeating: 0, count: maxBits + 2)
        var needed = [Int](repeating: 0, count: maxBits + 2)
        // leavesLeft[depth][d]: leaves left of the depth-d ancestor of this depth's last node.
        var leavesLeft = [[Int]](repeating: [Int](repeating: 0, count: maxBits + 1), count: maxBits + 1)
        for depth in 1...maxBits {
            last[depth] = frequency(1)
            nextLeaf[depth] = frequency(2)
            nextPair[depth] = depth == 1 ? none : frequency(0) + frequency(1)
            leavesLeft[depth][depth] = 2
        }
        needed[maxBits] = 2 * leafCount - 4
        var depth = maxBits
        while true {
            if nextPair[depth] == none && nextLeaf[depth] == none {
                // Nothing left to take at this depth: never come back to it.
                needed[depth] = 0
                nextPair[depth + 1] = none
                depth += 1
                continue
            }
            let previous = last[depth]
            if nextLeaf[depth] < nextPair[depth] {
                let taken = leavesLeft[depth][depth] + 1
                last[depth] = nextLeaf[depth]
                leavesLeft[depth][depth] = taken
                nextLeaf[depth] = frequency(taken)
            } else {
                last[depth] = nextPair[depth]
                for lower in 0..<depth { leavesLeft[depth][lower] = leavesLeft[depth - 1][lower] }
                needed[depth - 1] = 2
            }
            needed[depth] -= 1
            if needed[depth] == 0 {
                if depth == maxBits { break }
                nextPair[depth + 1] = previous + last[depth]
                depth += 1
            } else {
                while needed[depth - 1] > 0 { depth -= 1 }
            }
        }
        precondition(leavesLeft[maxBits][maxBits] == leafCount, "Go Huffman construction lost leaves")
        var counts = [Int](repeating: 0, count: maxBits + 1)
        for length in 1...maxBits {
            let level = maxBits + 1 - length
            counts[length] = leavesLeft[maxBits][level] - leavesLeft[maxBits][level - 1]
        }
        return counts
    }
}
