/// RFC 1951's fixed tables: length and distance codes, their bases and extra bits, the
/// order of the code-length code lengths, and the fixed Huffman code.
enum DeflateCodes {
    static let lengthBase: [Int] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    static let lengthExtra: [Int] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    static let distanceBase: [Int] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
        4097, 6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtra: [Int] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// The length code (0-28) of a match length 3-258 (258 always code 28).
    static let lengthCode: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 259)
        for code in 0..<29 {
            let top = code == 28 ? 258 : min(258, lengthBase[code] + (1 << lengthExtra[code]) - 1)
            for length in lengthBase[code]...top where code == 28 || length < 258 { table[length] = UInt8(code) }
        }
        table[258] = 28
        return table
    }()

    /// The distance code (0-29) of a distance 1-32768.
    @inline(__always)
    static func distanceCode(_ distance: Int) -> Int {
        let d = distance - 1
        if d < 4 { return d }
        let width = Int.bitWidth - d.leadingZeroBitCount  // bits of d, at least 3
        return 2 * (width - 1) + ((d >> (width - 2)) & 1)
    }

    /// The fixed literal/length code lengths (288 symbols) and distance code lengths (30).
    static let fixedLiteralLengths: [UInt8] = (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 }
    static let fixedDistanceLengths = [UInt8](repeating: 5, count: 30)
}

/// A canonical Huffman code built from code lengths: decodes bit by bit (puff's way, a few
/// comparisons per bit) and gives each symbol's bit-reversed code for writing.
struct HuffmanCode {
    /// Codes per length 0-15.
    private var counts = [Int](repeating: 0, count: 16)
    /// Symbols ordered by code.
    private var symbols: [Int]
    /// Each symbol's code, bits reversed for LSB-first writing (0 for unused symbols).
    private(set) var codes: [UInt32]
    /// Each symbol's code length (0: unused).
    let lengths: [UInt8]

    /// Builds the code; throws when the lengths over-subscribe the code space, or when
    /// `requireComplete` and they leave part of it unused. A code with one symbol is allowed,
    /// and so is one with none (RFC 1951: a block of literals only may give every distance
    /// length 0; zlib's `inflate` accepts it, libdeflate -10 to -12 writes it): it decodes
    /// nothing.
    init(lengths: [UInt8], requireComplete: Bool = false) throws(DeflateParseError) {
        self.lengths = lengths
        for length in lengths { counts[Int(length)] += 1 }
        var left = 1
        for length in 1..<16 {
            left <<= 1
            left -= counts[length]
            if left < 0 { throw .invalid(bitOffset: 0, detail: "over-subscribed Huffman code") }
        }
        let used = lengths.count - counts[0]
        if requireComplete && left > 0 && used > 1 {
            throw .invalid(bitOffset: 0, detail: "incomplete Huffman code")
        }
        var offsets = [Int](repeating: 0, count: 16)
        for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
        symbols = [Int](repeating: 0, count: used)
        for (symbol, length) in lengths.enumerated() where length != 0 {
            symbols[offsets[Int(length)]] = symbol
            offsets[Int(length)] += 1
        }
        codes = [UInt32](repeating: 0, count: lengths.count)
        var next: UInt32 = 0
        var nextCode = [UInt32](repeating: 0, count: 16)
        for length in 1..<16 {
            next = (next &+ UInt32(counts[length - 1] * (length > 1 ? 1 : 0))) << 1
            nextCode[length] = next
        }
        for (symbol, length) in lengths.enumerated() where length != 0 {
            let code = nextCode[Int(length)]
            nextCode[Int(length)] &+= 1
            var reversed: UInt32 = 0
            for bit in 0..<Int(length) { reversed |= ((code >> UInt32(bit)) & 1) << UInt32(Int(length) - 1 - bit) }
            codes[symbol] = reversed
        }
    }

    /// Decodes one symbol.
    @inline(__always)
    func decode(_ reader: inout DeflateBitReader) throws(DeflateParseError) -> Int {
        var code = 0
        var first = 0
        var index = 0
        for length in 1..<16 {
            code |= Int(try reader.bit())
            let count = counts[length]
            if code - count < first { return symbols[index + (code - first)] }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw .invalid(bitOffset: reader.bitPosition, detail: "no such Huffman code")
    }

    /// Writes `symbol`'s code; the symbol must have a length.
    @inline(__always)
    func write(_ symbol: Int, _ sink: inout DeflateBitSink) {
        sink.write(codes[symbol], Int(lengths[symbol]))
    }
}

/// A block's literal/length and distance codes for writing, copied out of their
/// ``HuffmanCode``s into buffers of its own: symbols 0-287 then distance symbols 0-31, each a
/// bit-reversed code and a length (0: no code). Writing a token through it touches no array,
/// so nothing is retained or released per token (reading the codes through their arrays did
/// that eight times per token: 72 % of a zlib-ng -1 replay's time). The owner deallocates it.
struct DeflateWriteCodes {
    private static let distanceBase = 288
    private static let capacity = 288 + 32
    private let codes = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
    private let lengths = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)

    init() { lengths.initialize(repeating: 0, count: Self.capacity) }

    func deallocate() {
        codes.deallocate()
        lengths.deallocate()
    }

    /// Takes `literal`'s and `distance`'s codes; symbols they lack have none.
    func load(literal: HuffmanCode, distance: HuffmanCode) {
        lengths.update(repeating: 0, count: Self.capacity)
        for symbol in 0..<min(literal.lengths.count, Self.distanceBase) {
            lengths[symbol] = literal.lengths[symbol]
            codes[symbol] = literal.codes[symbol]
        }
        for symbol in 0..<min(distance.lengths.count, Self.capacity - Self.distanceBase) {
            lengths[Self.distanceBase + symbol] = distance.lengths[symbol]
            codes[Self.distanceBase + symbol] = distance.codes[symbol]
        }
    }

    /// Whether the literal/length symbol has a code.
    @inline(__always)
    func hasLiteralCode(_ symbol: Int) -> Bool { lengths[symbol] != 0 }

    /// Whether the distance symbol has a code.
    @inline(__always)
    func hasDistanceCode(_ symbol: Int) -> Bool { lengths[Self.distanceBase + symbol] != 0 }

    /// Writes the literal/length symbol's code.
    @inline(__always)
    func writeLiteral(_ symbol: Int, _ sink: inout DeflateBitSink) {
        sink.write(codes[symbol], Int(lengths[symbol]))
    }

    /// Writes the distance symbol's code.
    @inline(__always)
    func writeDistance(_ symbol: Int, _ sink: inout DeflateBitSink) {
        sink.write(codes[Self.distanceBase + symbol], Int(lengths[Self.distanceBase + symbol]))
    }
}
