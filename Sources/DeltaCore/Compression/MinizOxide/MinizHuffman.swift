/// The Huffman tables of miniz_oxide's deflate (`HuffmanOxide` in `deflate/core.rs`, from
/// miniz's `tdefl`): symbol counts kept in 16 bits, code lengths by Moffat's in-place
/// minimum-redundancy algorithm over the symbols sorted by count (ties by symbol), with
/// 16-bit wrapping sums as in the original, then limited the way miniz limits them (moving
/// codes down from the longest length), and canonical codes.
struct MinizHuffman {
    /// Counts, code lengths and bit-reversed codes of the literal/length (288), distance (32)
    /// and code-length (19) tables.
    var counts: [[UInt16]] = [
        [UInt16](repeating: 0, count: 288), [UInt16](repeating: 0, count: 32), [UInt16](repeating: 0, count: 19),
    ]
    var lengths: [[UInt8]] = [
        [UInt8](repeating: 0, count: 288), [UInt8](repeating: 0, count: 32), [UInt8](repeating: 0, count: 19),
    ]
    var codes: [[UInt16]] = [
        [UInt16](repeating: 0, count: 288), [UInt16](repeating: 0, count: 32), [UInt16](repeating: 0, count: 19),
    ]

    /// Sets the fixed code of RFC 1951 into tables 0 and 1 (miniz's `start_static_block`).
    mutating func useFixedCodes() {
        for symbol in 0..<288 { lengths[0][symbol] = symbol < 144 ? 8 : symbol < 256 ? 9 : symbol < 280 ? 7 : 8 }
        for symbol in 0..<32 { lengths[1][symbol] = 5 }
        assignCodes(table: 0, limit: 15, lengthCounts: Self.lengthCounts(lengths[0]))
        assignCodes(table: 1, limit: 15, lengthCounts: Self.lengthCounts(lengths[1]))
    }

    private static func lengthCounts(_ lengths: [UInt8]) -> [Int] {
        var counts = [Int](repeating: 0, count: 33)
        for length in lengths { counts[Int(length)] += 1 }
        return counts
    }

    /// miniz's `optimize_table` for a dynamic table: code lengths at most `limit` from the
    /// table's counts, then the codes.
    mutating func build(table: Int, limit: Int) {
        var symbols: [(key: UInt16, symbol: Int)] = []
        for (symbol, count) in counts[table].enumerated() where count != 0 { symbols.append((count, symbol)) }
        symbols.sort { $0.key != $1.key ? $0.key < $1.key : $0.symbol < $1.symbol }
        Self.minimumRedundancy(&symbols)
        var lengthCounts = [Int](repeating: 0, count: 33)
        for symbol in symbols { lengthCounts[Int(symbol.key)] += 1 }
        Self.limitLengths(&lengthCounts, symbolCount: symbols.count, limit: limit)
        for index in lengths[table].indices {
            lengths[table][index] = 0
            codes[table][index] = 0
        }
        // The most frequent symbols (at the end) get the shortest codes.
        var end = symbols.count
        for length in 1...limit {
            let start = end - lengthCounts[length]
            for symbol in symbols[start..<end] { lengths[table][symbol.symbol] = UInt8(length) }
            end = start
        }
        assignCodes(table: table, limit: limit, lengthCounts: lengthCounts)
    }

    private mutating func assignCodes(table: Int, limit: Int, lengthCounts: [Int]) {
        var nextCode = [UInt32](repeating: 0, count: 33)
        var code = 0
        for length in stride(from: 2, through: limit, by: 1) {
            code = (code + lengthCounts[length - 1]) << 1
            nextCode[length] = UInt32(truncatingIfNeeded: code)
        }
        for symbol in lengths[table].indices {
            let length = Int(lengths[table][symbol])
            guard length != 0 else { continue }
            var value = nextCode[length]
            nextCode[length] += 1
            var reversed: UInt32 = 0
            for _ in 0..<length {
                reversed = reversed << 1 | value & 1
                value >>= 1
            }
            codes[table][symbol] = UInt16(truncatingIfNeeded: reversed)
        }
    }

    /// Moffat and Katajainen's in-place code-length computation over keys sorted ascending;
    /// on return each key is its symbol's code length. Internal sums wrap at 16 bits, as
    /// miniz's do.
    static func minimumRedundancy(_ items: inout [(key: UInt16, symbol: Int)]) {
        let n = items.count
        guard n > 1 else {
            if n == 1 { items[0].key = 1 }
            return
        }
        items[0].key &+= items[1].key
        var root = 0, leaf = 2
        for next in 1..<(n - 1) {
            if leaf >= n || items[root].key < items[leaf].key {
                items[next].key = items[root].key
                items[root].key = UInt16(truncatingIfNeeded: next)
                root += 1
            } else {
                items[next].key = items[leaf].key
                leaf += 1
            }
            if leaf >= n || (root < next && items[root].key < items[leaf].key) {
                items[next].key &+= items[root].key
                items[root].key = UInt16(truncatingIfNeeded: next)
                root += 1
            } else {
                items[next].key &+= items[leaf].key
                leaf += 1
            }
        }
        items[n - 2].key = 0
        for next in stride(from: n - 3, through: 0, by: -1) {
            items[next].key = items[Int(items[next].key)].key &+ 1
        }
        var available = 1, used = 0, depth: UInt16 = 0
        var rootIndex = n - 2, nextIndex = n - 1
        while available > 0 {
            while rootIndex >= 0 && items[rootIndex].key == depth {
                used += 1
                rootIndex -= 1
            }
            while available > used {
                items[nextIndex].key = depth
                nextIndex -= 1
                available -= 1
            }
            available = 2 * used
            depth &+= 1
            used = 0
        }
    }

    /// miniz's `enforce_max_code_size`: folds lengths over `limit` into it, then while the code
    /// is over-full takes one code off the longest length and splits the longest shorter one.
    static func limitLengths(_ counts: inout [Int], symbolCount: Int, limit: Int) {
        guard symbolCount > 1 else { return }
        for length in (limit + 1)..<counts.count { counts[limit] += counts[length] }
        var total: UInt32 = 0
        for (shift, count) in counts[1...limit].reversed().enumerated() {
            total &+= UInt32(truncatingIfNeeded: count) << UInt32(shift)
        }
        var excess = UInt32(1) << UInt32(limit)
        while excess < total {
            counts[limit] -= 1
            for length in stride(from: limit - 1, through: 1, by: -1) where counts[length] != 0 {
                counts[length] -= 1
                counts[length + 1] += 2
                break
            }
            excess += 1
        }
    }
}
