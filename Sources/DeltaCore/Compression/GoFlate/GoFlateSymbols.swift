/// Go's compress/flate token: one 32-bit word per literal or match, as its compressors queue
/// them for the Huffman writer. A literal is its byte; a match has bit 30 set, the length
/// minus 3 in bits 22–29 and the distance minus 1 in bits 0–21.
enum GoFlateToken {
    static let matchFlag: UInt32 = 1 << 30

    @inline(__always)
    static func literal(_ byte: UInt8) -> UInt32 { UInt32(byte) }

    /// A match of `length` (3 to 258) bytes, `distance` (1 to 32768) back.
    @inline(__always)
    static func match(length: Int, distance: Int) -> UInt32 {
        matchFlag | UInt32(truncatingIfNeeded: length - 3) << 22 | UInt32(truncatingIfNeeded: distance - 1)
    }
}

/// RFC 1951's length and distance symbols, indexed the way Go's writer indexes them (length
/// minus 3, distance minus 1), computed from the RFC's base tables.
enum GoFlateSymbols {
    /// Literal/length alphabet size (Go's `maxNumLit`).
    static let literalCount = 286
    static let distanceCount = 30
    static let codeLengthCount = 19
    static let endOfBlock = 256
    static let firstLengthSymbol = 257

    /// Extra bits and base (length minus 3) of each length code 0…28.
    static let lengthExtraBits: [UInt8] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    static let lengthBase: [UInt32] = {
        var bases: [UInt32] = []
        var next: UInt32 = 0
        for extra in lengthExtraBits.dropLast() {
            bases.append(next)
            next += 1 << UInt32(extra)
        }
        return bases + [255]
    }()
    /// Extra bits and base (distance minus 1) of each distance code 0…29.
    static let distanceExtraBits: [UInt8] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    static let distanceBase: [UInt32] = {
        var bases: [UInt32] = []
        var next: UInt32 = 0
        for extra in distanceExtraBits {
            bases.append(next)
            next += 1 << UInt32(extra)
        }
        return bases
    }()

    /// Length code (0…28) for each length minus 3 (0…255); 258 has its own code.
    static let lengthCode: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for code in 0..<28 {
            let base = Int(lengthBase[code])
            for value in base..<min(255, base + (1 << Int(lengthExtraBits[code]))) { table[value] = UInt8(code) }
        }
        table[255] = 28
        return table
    }()

    /// Distance code (0…29) for each distance minus 1 (0…32767).
    static let distanceCode: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 1 << 15)
        for code in 0..<30 {
            let base = Int(distanceBase[code])
            for value in base..<base + (1 << Int(distanceExtraBits[code])) { table[value] = UInt8(code) }
        }
        return table
    }()

    /// The order in which a dynamic header lists the code-length code's lengths.
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
}
