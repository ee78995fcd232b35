/// A literal run and the match after it, as libdeflate's greedy and lazy parsers record them
/// (`struct deflate_sequence`); a length of 0 ends the block's list.
struct LibdeflateSequence {
    var literalCount: UInt32 = 0
    var length: UInt16 = 0
    var offset: UInt16 = 0
    var offsetSlot: UInt8 = 0
}

/// Deflate's length and offset symbol tables as libdeflate indexes them: RFC 1951's
/// (``DeflateCodes``) in the element types its loops use.
enum LibdeflateSymbols {
    static let lengthBase: [UInt16] = DeflateCodes.lengthBase.map { UInt16($0) }
    static let lengthExtraBits: [UInt8] = DeflateCodes.lengthExtra.map { UInt8($0) }
    static let offsetBase: [UInt32] = DeflateCodes.distanceBase.map { UInt32($0) }
    static let offsetExtraBits: [UInt8] = DeflateCodes.distanceExtra.map { UInt8($0) }
    /// Length (3 to 258) to length slot.
    static let lengthSlot: [UInt8] = DeflateCodes.lengthCode
    /// Offset (1 to 32768) to offset slot.
    static let offsetSlot: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 32769)
        for slot in 0..<30 {
            let start = Int(offsetBase[slot])
            for offset in start..<min(32769, start + 1 << offsetExtraBits[slot]) { table[offset] = UInt8(slot) }
        }
        return table
    }()
    /// The order in which precode lengths are sent.
    static let precodePermutation: [Int] = DeflateCodes.codeLengthOrder
    static let precodeExtraBits: [UInt32] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7]
}

/// libdeflate's `deflate_flush_block` for the greedy and lazy parsers: the block's dynamic
/// codes (``LibdeflateHuffman``, litlen lengths at most 14), its precode with libdeflate's
/// run-length items, and the cheapest of dynamic, static and stored by exact bit cost (ties
/// go to static over dynamic and to stored over static); stored data longer than 65535 bytes
/// goes out as several stored blocks.
final class LibdeflateBlockWriter {
    /// Symbol frequencies of the block being parsed: 288 literal/length, then 32 offset.
    let frequencies: UnsafeMutablePointer<UInt32>
    var offsetFrequencies: UnsafeMutablePointer<UInt32> { frequencies + 288 }
    /// Dynamic code lengths: 288 literal/length, then 32 offset (contiguous, as the header
    /// sends them).
    private let lengths: UnsafeMutablePointer<UInt8>
    private let codewords: UnsafeMutablePointer<UInt32>
    private let staticLengths: UnsafeMutablePointer<UInt8>
    private let staticCodewords: UnsafeMutablePointer<UInt32>
    /// Litlen codeword plus extra bits for each match length, for the code in use.
    private let fullLengthCodewords: UnsafeMutablePointer<UInt32>
    private let fullLengthBits: UnsafeMutablePointer<UInt8>
    private let precodeFrequencies: UnsafeMutablePointer<UInt32>
    private let precodeLengths: UnsafeMutablePointer<UInt8>
    private let precodeCodewords: UnsafeMutablePointer<UInt32>
    private let precodeItems: UnsafeMutablePointer<UInt32>
    private let lengthSlot: UnsafeMutablePointer<UInt8>
    private let lengthBase: UnsafeMutablePointer<UInt16>
    private let lengthExtra: UnsafeMutablePointer<UInt8>
    private let offsetBase: UnsafeMutablePointer<UInt32>
    private let offsetExtra: UnsafeMutablePointer<UInt8>

    init() {
        frequencies = .allocate(capacity: 320)
        frequencies.initialize(repeating: 0, count: 320)
        lengths = .allocate(capacity: 320)
        lengths.initialize(repeating: 0, count: 320)
        codewords = .allocate(capacity: 320)
        codewords.initialize(repeating: 0, count: 320)
        staticLengths = .allocate(capacity: 320)
        staticCodewords = .allocate(capacity: 320)
        fullLengthCodewords = .allocate(capacity: 259)
        fullLengthCodewords.initialize(repeating: 0, count: 259)
        fullLengthBits = .allocate(capacity: 259)
        fullLengthBits.initialize(repeating: 0, count: 259)
        precodeFrequencies = .allocate(capacity: 19)
        precodeLengths = .allocate(capacity: 19)
        precodeCodewords = .allocate(capacity: 19)
        precodeItems = .allocate(capacity: 320)
        lengthSlot = .allocate(capacity: 259)
        lengthSlot.initialize(from: LibdeflateSymbols.lengthSlot, count: 259)
        lengthBase = .allocate(capacity: 29)
        lengthBase.initialize(from: LibdeflateSymbols.lengthBase, count: 29)
        lengthExtra = .allocate(capacity: 29)
        lengthExtra.initialize(from: LibdeflateSymbols.lengthExtraBits, count: 29)
        offsetBase = .allocate(capacity: 32)
        offsetBase.initialize(repeating: 0, count: 32)
        offsetBase.update(from: LibdeflateSymbols.offsetBase, count: 30)
        offsetExtra = .allocate(capacity: 32)
        offsetExtra.initialize(repeating: 0, count: 32)
        offsetExtra.update(from: LibdeflateSymbols.offsetExtraBits, count: 30)
        // The static code, built as libdeflate builds it: from frequencies in proportion.
        for symbol in 0..<288 { frequencies[symbol] = symbol < 144 ? 2 : symbol < 256 ? 1 : symbol < 280 ? 4 : 2 }
        for symbol in 0..<32 { frequencies[288 + symbol] = 1 }
        LibdeflateHuffman.makeCode(
            count: 288, maximumLength: 14, frequencies: frequencies, lengths: staticLengths,
            codewords: staticCodewords)
        LibdeflateHuffman.makeCode(
            count: 32, maximumLength: 15, frequencies: frequencies + 288, lengths: staticLengths + 288,
            codewords: staticCodewords + 288)
        resetFrequencies()
    }

    deinit {
        for pointer in [frequencies, codewords, staticCodewords, fullLengthCodewords, precodeFrequencies] {
            pointer.deallocate()
        }
        for pointer in [lengths, staticLengths, fullLengthBits, precodeLengths, lengthSlot, lengthExtra, offsetExtra] {
            pointer.deallocate()
        }
        precodeCodewords.deallocate()
        precodeItems.deallocate()
        lengthBase.deallocate()
        offsetBase.deallocate()
    }

    /// Clears the frequencies for a new block.
    func resetFrequencies() { frequencies.update(repeating: 0, count: 320) }

    /// Writes one block: `data[start..<start + length]` as parsed into `sequences` (the last
    /// one with length 0), its frequencies already counted.
    func flushBlock(
        data: UnsafePointer<UInt8>, start: Int, length blockLength: Int, sequences: UnsafePointer<LibdeflateSequence>,
        isFinal: Bool, bits: inout DeflateBitWriter
    ) {
        frequencies[256] += 1
        LibdeflateHuffman.makeCode(
            count: 288, maximumLength: 14, frequencies: frequencies, lengths: lengths, codewords: codewords)
        LibdeflateHuffman.makeCode(
            count: 32, maximumLength: 15, frequencies: frequencies + 288, lengths: lengths + 288,
            codewords: codewords + 288)
        let header = precomputeHeader()

        var dynamicCost = UInt32(5 + 5 + 4 + 3 * header.explicitLengths)
        for symbol in 0..<19 {
            dynamicCost &+=
                precodeFrequencies[symbol]
                * (LibdeflateSymbols.precodeExtraBits[symbol] + UInt32(precodeLengths[symbol]))
        }
        var staticCost: UInt32 = 0
        for symbol in 0..<256 {
            dynamicCost &+= frequencies[symbol] * UInt32(lengths[symbol])
            staticCost &+= frequencies[symbol] * (symbol < 144 ? 8 : 9)
        }
        dynamicCost &+= UInt32(lengths[256])
        staticCost &+= 7
        for slot in 0..<29 {
            let symbol = 257 + slot
            let extra = UInt32(lengthExtra[slot])
            dynamicCost &+= frequencies[symbol] * (extra + UInt32(lengths[symbol]))
            staticCost &+= frequencies[symbol] * (extra + UInt32(staticLengths[symbol]))
        }
        for slot in 0..<30 {
            let extra = UInt32(offsetExtra[slot])
            dynamicCost &+= frequencies[288 + slot] * (extra + UInt32(lengths[288 + slot]))
            staticCost &+= frequencies[288 + slot] * (extra + 5)
        }
        let bitCount = bits.bitPosition & 7
        let storedCost = UInt32(
            (-(bitCount + 3) & 7) + 32 + 40 * ((blockLength + 65534) / 65535 - 1) + 8 * blockLength)

        let final: UInt32 = isFinal ? 1 : 0
        let useLengths: UnsafeMutablePointer<UInt8>
        let useCodewords: UnsafeMutablePointer<UInt32>
        if dynamicCost < min(staticCost, storedCost) {
            bits.write(final, 1)
            bits.write(2, 2)
            bits.write(UInt32(header.litlenCount - 257), 5)
            bits.write(UInt32(header.offsetCount - 1), 5)
            bits.write(UInt32(header.explicitLengths - 4), 4)
            for index in 0..<header.explicitLengths {
                bits.write(UInt32(precodeLengths[LibdeflateSymbols.precodePermutation[index]]), 3)
            }
            for index in 0..<header.items {
                let item = precodeItems[index]
                let symbol = Int(item & 0x1F)
                bits.write(precodeCodewords[symbol], Int(precodeLengths[symbol]))
                bits.write(item >> 5, Int(LibdeflateSymbols.precodeExtraBits[symbol]))
            }
            useLengths = lengths
            useCodewords = codewords
        } else if staticCost < storedCost {
            bits.write(final, 1)
            bits.write(1, 2)
            useLengths = staticLengths
            useCodewords = staticCodewords
        } else {
            Self.writeStored(data: data + start, count: blockLength, isFinal: isFinal, bits: &bits)
            return
        }
        computeFullLengthCodewords(lengths: useLengths, codewords: useCodewords)
        var position = start
        var index = 0
        while true {
            let sequence = sequences[index]
            var literals = Int(sequence.literalCount)
            while literals > 0 {
                let literal = Int(data[position])
                bits.write(useCodewords[literal], Int(useLengths[literal]))
                position += 1
                literals -= 1
            }
            let length = Int(sequence.length)
            if length == 0 { break }
            bits.write(fullLengthCodewords[length], Int(fullLengthBits[length]))
            let slot = Int(sequence.offsetSlot)
            bits.write(useCodewords[288 + slot], Int(useLengths[288 + slot]))
            bits.write(UInt32(sequence.offset) - offsetBase[slot], Int(offsetExtra[slot]))
            position += length
            index += 1
        }
        bits.write(useCodewords[256], Int(useLengths[256]))
    }

    /// Stored blocks of at most 65535 bytes each, the last one final when `isFinal`
    /// (libdeflate's uncompressed path; also its path for inputs too short to compress).
    static func writeStored(data: UnsafePointer<UInt8>, count: Int, isFinal: Bool, bits: inout DeflateBitWriter) {
        var done = 0
        repeat {
            let length = min(65535, count - done)
            let last = isFinal && count - done <= 65535
            bits.write(last ? 1 : 0, 1)
            bits.write(0, 2)
            bits.alignToByte()
            bits.write(UInt32(length) | UInt32(~length & 0xFFFF) << 16, 32)
            bits.writeBytes(data + done, length)
            done += length
        } while done < count
    }

    /// The header's counts: litlen and offset lengths sent, precode lengths sent, and the
    /// number of precode items (libdeflate's `deflate_precompute_huffman_header`).
    private func precomputeHeader() -> (litlenCount: Int, offsetCount: Int, explicitLengths: Int, items: Int) {
        var litlenCount = 288
        while litlenCount > 257 && lengths[litlenCount - 1] == 0 { litlenCount -= 1 }
        var offsetCount = 32
        while offsetCount > 1 && lengths[288 + offsetCount - 1] == 0 { offsetCount -= 1 }
        // The lengths as sent, offset lengths right after the litlen ones.
        var sent = [UInt8](repeating: 0, count: litlenCount + offsetCount)
        for index in 0..<litlenCount { sent[index] = lengths[index] }
        for index in 0..<offsetCount { sent[litlenCount + index] = lengths[288 + index] }
        let items = computePrecodeItems(sent)
        LibdeflateHuffman.makeCode(
            count: 19, maximumLength: 7, frequencies: precodeFrequencies, lengths: precodeLengths,
            codewords: precodeCodewords)
        var explicitLengths = 19
        while explicitLengths > 4 && precodeLengths[LibdeflateSymbols.precodePermutation[explicitLengths - 1]] == 0 {
            explicitLengths -= 1
        }
        return (litlenCount, offsetCount, explicitLengths, items)
    }

    /// libdeflate's run-length items over the code lengths: zero runs by 18 (11 to 138) then
    /// one 17 (3 to 10); a run of a nonzero length of 4 or more as the length then 16s
    /// (3 to 6 each); whatever is left as plain lengths. Each item is its symbol plus its
    /// extra bits shifted left by 5.
    private func computePrecodeItems(_ lengths: [UInt8]) -> Int {
        precodeFrequencies.update(repeating: 0, count: 19)
        var itemCount = 0
        func add(_ symbol: Int, _ extra: Int = 0) {
            precodeFrequencies[symbol] += 1
            precodeItems[itemCount] = UInt32(symbol) | UInt32(extra) << 5
            itemCount += 1
        }
        var runStart = 0
        let count = lengths.count
        repeat {
            let length = lengths[runStart]
            var runEnd = runStart
            repeat { runEnd += 1 } while runEnd != count && length == lengths[runEnd]
            if length == 0 {
                while runEnd - runStart >= 11 {
                    let extra = min(runEnd - runStart - 11, 0x7F)
                    add(18, extra)
                    runStart += 11 + extra
                }
                if runEnd - runStart >= 3 {
                    let extra = min(runEnd - runStart - 3, 0x7)
                    add(17, extra)
                    runStart += 3 + extra
                }
            } else if runEnd - runStart >= 4 {
                add(Int(length))
                runStart += 1
                repeat {
                    let extra = min(runEnd - runStart - 3, 0x3)
                    add(16, extra)
                    runStart += 3 + extra
                } while runEnd - runStart >= 3
            }
            while runStart != runEnd {
                add(Int(length))
                runStart += 1
            }
        } while runStart != count
        return itemCount
    }

    private func computeFullLengthCodewords(lengths: UnsafePointer<UInt8>, codewords: UnsafePointer<UInt32>) {
        for length in 3...258 {
            let slot = Int(lengthSlot[length])
            let symbol = 257 + slot
            let extra = UInt32(length) - UInt32(lengthBase[slot])
            fullLengthCodewords[length] = codewords[symbol] | extra << UInt32(lengths[symbol])
            fullLengthBits[length] = lengths[symbol] + lengthExtra[slot]
        }
    }
}
