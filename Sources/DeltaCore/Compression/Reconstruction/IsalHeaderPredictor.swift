/// The dynamic block header ISA-L (igzip, levels 1-3) writes for a block's tokens, as deflate
/// reconstruction predicts it in its ISA-L modes: a header equal to this costs one adaptive bit.
///
/// Learnt from ISA-L 2.32's `create_hufftables_icf`, which differs from zlib's `trees.c` in
/// every step that shapes a header:
/// - code lengths come from a binary heap keyed on frequency then symbol (a merged node
///   takes its position in the node area as its key's low part), an absent alphabet gets
///   symbols 0 and 1, a lone symbol a partner (0, or 1 when it is 0);
/// - depths are read off the tree root first, the leaves listed in that order; codes over
///   the limit are fixed by moving counts between lengths (one leaf from the deepest length
///   below the limit down a level, two from the deepest up), then the listed leaves take the
///   lengths in order;
/// - the literal/length and distance lengths are run-length coded as one sequence (runs
///   cross from one alphabet into the other), runs of a length as the length then 16s of 6
///   with the remainder of 3-6 as a 16, 1-2 as the length again; zeros as 18s of 138, then
///   an 18, a 17, or 1-2 zeros;
/// - the code-length code is built the same way with a limit of 7 and sent up to its last
///   used entry in RFC 1951's order (at least 4).
final class IsalHeaderPredictor: DynamicHeaderPredicting {
    func dynamicHeader(_ frequencies: BlockFrequencies) -> (bits: [Bool], lengths: [UInt8]) {
        let literalLengths = Self.codeLengths(frequencies.literal, limit: 15)
        let distanceLengths = Self.codeLengths(frequencies.distance, limit: 15)
        let literalEnd = (literalLengths.lastIndex { $0 != 0 } ?? 256) + 1
        let distanceEnd = (distanceLengths.lastIndex { $0 != 0 } ?? 0) + 1
        let (items, itemCounts) = Self.runs(Array(literalLengths[0..<literalEnd]) + distanceLengths[0..<distanceEnd])
        let precode = Self.codeLengths(itemCounts, limit: 7)
        var precodeCount = 19
        while precodeCount > 4 && precode[DeflateCodes.codeLengthOrder[precodeCount - 1]] == 0 { precodeCount -= 1 }

        var bits: [Bool] = []
        func put(_ value: Int, _ count: Int) { for index in 0..<count { bits.append((value >> index) & 1 == 1) } }
        put(literalEnd - 257, 5)
        put(distanceEnd - 1, 5)
        put(precodeCount - 4, 4)
        for index in 0..<precodeCount { put(Int(precode[DeflateCodes.codeLengthOrder[index]]), 3) }
        let precodeCodes = Self.canonicalCodes(precode)
        for item in items {
            let length = Int(precode[Int(item.symbol)])
            let code = precodeCodes[Int(item.symbol)]
            for index in stride(from: length - 1, through: 0, by: -1) { bits.append((code >> index) & 1 == 1) }
            switch item.symbol {
            case 16: put(Int(item.extra), 2)
            case 17: put(Int(item.extra), 3)
            case 18: put(Int(item.extra), 7)
            default: break
            }
        }
        return (bits, literalLengths + distanceLengths)
    }

    func precodeLengths(_ frequencies: [Int]) -> [UInt8] { Self.codeLengths(frequencies, limit: 7) }

    /// RFC 1951's canonical codes for `lengths`.
    private static func canonicalCodes(_ lengths: [UInt8]) -> [Int] {
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths where length != 0 { counts[Int(length)] += 1 }
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1..<16 {
            code = (code + counts[length - 1]) << 1
            next[length] = code
        }
        return lengths.map { length in
            guard length != 0 else { return 0 }
            defer { next[Int(length)] += 1 }
            return next[Int(length)]
        }
    }

    /// The run-length items for `lengths` (one sequence) and how often each symbol is used.
    private static func runs(_ lengths: [UInt8]) -> (items: [DynamicHeader.Item], counts: [Int]) {
        var items: [DynamicHeader.Item] = []
        var counts = [Int](repeating: 0, count: 19)
        GreedyCodeLengthRuns.forEach(in: lengths) { symbol, extra in
            items.append(DynamicHeader.Item(symbol: symbol, extra: UInt8(extra ?? 0)))
            counts[Int(symbol)] += 1
        }
        return (items, counts)
    }

    /// ISA-L's code lengths for `frequencies`, none over `limit`.
    static func codeLengths(_ frequencies: [Int], limit: Int) -> [UInt8] {
        // Keys: frequency above 16 bits, symbol or node below; node ids above any symbol.
        let nodeStart = 3 * 286
        var heap: [UInt64] = [0]
        for (symbol, frequency) in frequencies.enumerated() where frequency != 0 {
            heap.append(UInt64(frequency) << 16 | UInt64(symbol))
        }
        if heap.count == 1 {
            heap += [1 << 16, 1 << 16 | 1]
        } else if heap.count == 2 {
            heap.append(frequencies[0] == 0 ? 1 << 16 : 1 << 16 | 1)
        }
        var size = heap.count - 1
        heap.append(UInt64.max)
        func sift(_ start: Int) {
            var index = start
            var child = 2 * index
            while child <= size {
                if heap[child] > heap[child + 1] { child += 1 }
                guard heap[index] > heap[child] else { return }
                heap.swapAt(index, child)
                index = child
                child = 2 * index
            }
        }
        for index in stride(from: size / 2, to: 0, by: -1) { sift(index) }

        // The tree: children of the node with id n at n and n - 1; the root at `root`.
        var child = [Int](repeating: 0, count: nodeStart + 1)
        var depth = [Int](repeating: 0, count: nodeStart + 1)
        var node = nodeStart
        while size > 1 {
            let first = heap[1]
            heap[1] = heap[size]
            heap[size] = UInt64.max
            size -= 1
            sift(1)
            let second = heap[1]
            heap[1] = (first &+ second) & ~0xffff | UInt64(node)
            sift(1)
            child[node] = Int(first & 0xffff)
            child[node - 1] = Int(second & 0xffff)
            node -= 2
        }
        child[node] = Int(heap[1] & 0xffff)
        let root = node

        // Depths from the root down; leaves listed in that order.
        var leaves: [(symbol: Int, depth: Int)] = []
        var lengthCounts = [Int](repeating: 0, count: 2 * 286)
        var deepest = 0
        for index in root...nodeStart {
            let id = child[index]
            if id > 286 {
                depth[id] = depth[index] + 1
                depth[id - 1] = depth[index] + 1
            } else {
                leaves.append((id, depth[index]))
                deepest = max(deepest, depth[index])
                lengthCounts[depth[index]] += 1
            }
        }
        if deepest > limit {
            var longest = deepest
            while longest > limit {
                var shorter = limit - 1
                while shorter > 0 && lengthCounts[shorter] == 0 { shorter -= 1 }
                guard shorter > 0 else { break }
                lengthCounts[shorter] -= 1
                lengthCounts[shorter + 1] += 2
                lengthCounts[longest - 1] += 1
                lengthCounts[longest] -= 2
                if lengthCounts[longest] == 0 { longest -= 1 }
            }
            var length = 1
            for index in leaves.indices {
                while length < lengthCounts.count - 1 && lengthCounts[length] <= 0 { length += 1 }
                leaves[index].depth = length
                lengthCounts[length] -= 1
            }
        }
        var lengths = [UInt8](repeating: 0, count: frequencies.count)
        for leaf in leaves where leaf.symbol < lengths.count { lengths[leaf.symbol] = UInt8(clamping: leaf.depth) }
        return lengths
    }
}
