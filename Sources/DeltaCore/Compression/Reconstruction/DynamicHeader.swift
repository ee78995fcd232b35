/// A dynamic block's header taken apart: the counts it sends, the code-length code's lengths,
/// the run-length items that spell the code lengths, and those lengths. Lets the header be
/// coded by its structure (lengths against a prediction, runs as zlib's or libdeflate's)
/// rather than bit by bit.
struct DynamicHeader: Equatable {
    /// One code-length code symbol (0-18) and its extra bits.
    struct Item: Equatable {
        var symbol: UInt8
        var extra: UInt8
    }

    var literalCount: Int
    var distanceCount: Int
    var precodeCount: Int
    /// Code-length code lengths, by symbol (19).
    var precodeLengths: [UInt8]
    var items: [Item]
    /// Literal/length then distance code lengths (literalCount + distanceCount).
    var lengths: [UInt8]

    /// Reads a header from its bits; nil when they are not exactly one valid header.
    init?(bits: [Bool]) {
        var reader = BoolBitReader(bits: bits)
        guard let hlit = reader.read(5), let hdist = reader.read(5), let hclen = reader.read(4) else { return nil }
        literalCount = hlit + 257
        distanceCount = hdist + 1
        precodeCount = hclen + 4
        guard literalCount <= 286, distanceCount <= 30 else { return nil }
        precodeLengths = [UInt8](repeating: 0, count: 19)
        for rank in 0..<precodeCount {
            guard let length = reader.read(3) else { return nil }
            precodeLengths[DeflateCodes.codeLengthOrder[rank]] = UInt8(length)
        }
        guard let precode = try? HuffmanCode(lengths: precodeLengths, requireComplete: true) else { return nil }
        items = []
        lengths = []
        let total = literalCount + distanceCount
        while lengths.count < total {
            guard let symbol = reader.decode(precode) else { return nil }
            var extra = 0
            switch symbol {
            case 16:
                guard let last = lengths.last, let value = reader.read(2), lengths.count + 3 + value <= total else {
                    return nil
                }
                extra = value
                lengths.append(contentsOf: repeatElement(last, count: 3 + value))
            case 17:
                guard let value = reader.read(3), lengths.count + 3 + value <= total else { return nil }
                extra = value
                lengths.append(contentsOf: repeatElement(0, count: 3 + value))
            case 18:
                guard let value = reader.read(7), lengths.count + 11 + value <= total else { return nil }
                extra = value
                lengths.append(contentsOf: repeatElement(0, count: 11 + value))
            default:
                lengths.append(UInt8(symbol))
            }
            items.append(Item(symbol: UInt8(symbol), extra: UInt8(extra)))
        }
        guard reader.position == bits.count, lengths[256] != 0 else { return nil }
    }

    init(
        literalCount: Int, distanceCount: Int, precodeCount: Int, precodeLengths: [UInt8], items: [Item],
        lengths: [UInt8]
    ) {
        self.literalCount = literalCount
        self.distanceCount = distanceCount
        self.precodeCount = precodeCount
        self.precodeLengths = precodeLengths
        self.items = items
        self.lengths = lengths
    }

    /// The code lengths padded to 286 literal/length and 30 distance lengths (0: no code).
    var paddedLengths: [UInt8] {
        let literal = lengths[0..<literalCount]
        let distance = lengths[literalCount...]
        return Array(literal) + [UInt8](repeating: 0, count: 286 - literal.count) + distance
            + [UInt8](repeating: 0, count: 30 - distance.count)
    }

    /// The header's bits; nil when the code-length code lacks a symbol the items use.
    func bits() -> [Bool]? {
        guard let precode = try? HuffmanCode(lengths: precodeLengths) else { return nil }
        var bits = [Bool]()
        func put(_ value: Int, _ count: Int) {
            for index in 0..<count { bits.append((value >> index) & 1 == 1) }
        }
        put(literalCount - 257, 5)
        put(distanceCount - 1, 5)
        put(precodeCount - 4, 4)
        for rank in 0..<precodeCount { put(Int(precodeLengths[DeflateCodes.codeLengthOrder[rank]]), 3) }
        for item in items {
            let symbol = Int(item.symbol)
            guard precodeLengths[symbol] != 0 else { return nil }
            put(Int(precode.codes[symbol]), Int(precodeLengths[symbol]))
            switch symbol {
            case 16: put(Int(item.extra), 2)
            case 17: put(Int(item.extra), 3)
            case 18: put(Int(item.extra), 7)
            default: break
            }
        }
        return bits
    }

    /// The smallest count that sends every used symbol (at least `minimum`).
    static func trimmedCount(_ lengths: ArraySlice<UInt8>, minimum: Int) -> Int {
        var count = lengths.count
        while count > minimum && lengths[lengths.startIndex + count - 1] == 0 { count -= 1 }
        return count
    }

    /// The precode count that sends every nonzero precode length (at least 4).
    static func trimmedPrecodeCount(_ precodeLengths: [UInt8]) -> Int {
        var count = 19
        while count > 4 && precodeLengths[DeflateCodes.codeLengthOrder[count - 1]] == 0 { count -= 1 }
        return count
    }

    /// zlib's runs (`send_tree`), over the literal/length and distance lengths separately.
    static func zlibItems(_ lengths: [UInt8], literalCount: Int) -> [Item] {
        var items = [Item]()
        for range in [0..<literalCount, literalCount..<lengths.count] {
            GNUDeflateTrees.lengthRuns(maxCode: range.count - 1, length: { Int(lengths[range.lowerBound + $0]) }) {
                symbol, count in
                switch symbol {
                case 16: items.append(Item(symbol: 16, extra: UInt8(count - 3)))
                case 17: items.append(Item(symbol: 17, extra: UInt8(count - 3)))
                case 18: items.append(Item(symbol: 18, extra: UInt8(count - 11)))
                default:
                    for _ in 0..<count { items.append(Item(symbol: UInt8(symbol), extra: 0)) }
                }
            }
        }
        return items
    }

    /// libdeflate's runs (`deflate_compute_precode_items`), over both sets of lengths at once:
    /// zeros as 18 then 17, a nonzero run of four or more as the length then 16s.
    static func libdeflateItems(_ lengths: [UInt8]) -> [Item] {
        var items = [Item]()
        var start = 0
        while start < lengths.count {
            let length = lengths[start]
            var end = start + 1
            while end < lengths.count && lengths[end] == length { end += 1 }
            if length == 0 {
                while end - start >= 11 {
                    let extra = min(end - start - 11, 0x7f)
                    items.append(Item(symbol: 18, extra: UInt8(extra)))
                    start += 11 + extra
                }
                if end - start >= 3 {
                    let extra = min(end - start - 3, 7)
                    items.append(Item(symbol: 17, extra: UInt8(extra)))
                    start += 3 + extra
                }
            } else if end - start >= 4 {
                items.append(Item(symbol: length, extra: 0))
                start += 1
                repeat {
                    let extra = min(end - start - 3, 3)
                    items.append(Item(symbol: 16, extra: UInt8(extra)))
                    start += 3 + extra
                } while end - start >= 3
            }
            while start < end {
                items.append(Item(symbol: length, extra: 0))
                start += 1
            }
        }
        return items
    }

    /// The frequencies of the code-length code symbols in `items`.
    static func precodeFrequencies(_ items: [Item]) -> [Int] {
        var frequency = [Int](repeating: 0, count: 19)
        for item in items { frequency[Int(item.symbol)] += 1 }
        return frequency
    }
}

/// Reads bits from a `[Bool]`, bounded.
private struct BoolBitReader {
    let bits: [Bool]
    var position = 0

    mutating func read(_ count: Int) -> Int? {
        guard count <= bits.count - position else { return nil }
        var value = 0
        for index in 0..<count where bits[position + index] { value |= 1 << index }
        position += count
        return value
    }

    /// Decodes one symbol of `code` (canonical, codes compared bit by bit).
    mutating func decode(_ code: HuffmanCode) -> Int? {
        var value: UInt32 = 0
        for length in 1...15 {
            guard position < bits.count else { return nil }
            value |= (bits[position] ? 1 : 0) << UInt32(length - 1)
            position += 1
            for (symbol, symbolLength) in code.lengths.enumerated()
            where Int(symbolLength) == length && code.codes[symbol] == value {
                return symbol
            }
        }
        return nil
    }
}
