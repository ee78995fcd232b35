/// The block layer of Go's compress/flate (`huffman_bit_writer.go`): chooses, per block of
/// tokens, between a stored, a fixed-code and a dynamic-code block by Go's own size
/// estimates, and writes it. The three entry points are the three ways Go's compressors end
/// a block: ``writeBlock(tokens:count:input:)`` (levels 2–9), ``writeDynamicBlock(tokens:count:input:)``
/// (level 1) and ``writeHuffmanOnlyBlock(_:)`` (level 1's incompressible blocks and HuffmanOnly).
///
/// Go's estimates differ from zlib's: a stored block is counted as (bytes + 5) × 8 bits
/// whatever the alignment, level 1 keeps a block stored unless coding saves a sixteenth, and
/// the extra bits of lengths and distances are only counted when a stored block is possible.
struct GoBlockWriter {
    var bits = DeflateBitWriter()
    private var literalFrequencies = [Int32](repeating: 0, count: GoFlateSymbols.literalCount)
    private var distanceFrequencies = [Int32](repeating: 0, count: GoFlateSymbols.distanceCount)
    private var codeLengthFrequencies = [Int32](repeating: 0, count: GoFlateSymbols.codeLengthCount)
    /// The run-length coded code lengths of a dynamic header: symbols 0–18, each of 16–18
    /// followed by its repeat count.
    private var codeLengthSymbols: [UInt8] = []
    private var literalCode = GoHuffmanCode(symbolCount: GoFlateSymbols.literalCount)
    private var distanceCode = GoHuffmanCode(symbolCount: GoFlateSymbols.distanceCount)
    private var codeLengthCode = GoHuffmanCode(symbolCount: GoFlateSymbols.codeLengthCount)

    func deallocate() { bits.deallocate() }

    // MARK: Block kinds

    /// Writes a stored block's header: BFINAL, type 0, padding to a byte, LEN and NLEN.
    mutating func writeStoredHeader(length: Int, final: Bool) {
        bits.write(final ? 1 : 0, 3)
        bits.alignToByte()
        bits.write(UInt32(length), 16)
        bits.write(UInt32(~UInt16(length)), 16)
    }

    /// A stored block holding `input` (at most 65535 bytes).
    mutating func writeStoredBlock(_ input: UnsafeBufferPointer<UInt8>, final: Bool = false) {
        writeStoredHeader(length: input.count, final: final)
        if let base = input.baseAddress { bits.writeBytes(base, input.count) }
    }

    /// Levels 2–9: the smallest of fixed, dynamic and (when the block's input is still in
    /// the window, `input` non-nil) stored.
    mutating func writeBlock(tokens: UnsafePointer<UInt32>, count: Int, input: UnsafeBufferPointer<UInt8>?) {
        let (literals, distances) = countSymbols(tokens: tokens, count: count)
        let storable = input.map { $0.count <= 65535 } ?? false
        var extraBits = 0
        if storable {
            for symbol in stride(from: GoFlateSymbols.firstLengthSymbol + 8, to: literals, by: 1) {
                extraBits +=
                    Int(literalFrequencies[symbol])
                    * Int(GoFlateSymbols.lengthExtraBits[symbol - GoFlateSymbols.firstLengthSymbol])
            }
            for symbol in stride(from: 4, to: distances, by: 1) {
                extraBits += Int(distanceFrequencies[symbol]) * Int(GoFlateSymbols.distanceExtraBits[symbol])
            }
        }
        var size =
            3 + GoHuffmanCode.fixedLiterals.bitCost(literalFrequencies)
            + GoHuffmanCode.fixedDistances.bitCost(distanceFrequencies) + extraBits
        var dynamic = false
        prepareCodeLengths(literals: literals, distances: distances, distanceCode: distanceCode)
        let (dynamicSize, codeLengthCount) = dynamicBlockSize(distanceCode: distanceCode, extraBits: extraBits)
        if dynamicSize < size {
            size = dynamicSize
            dynamic = true
        }
        if let input, storable, (input.count + 5) * 8 < size {
            writeStoredBlock(input)
            return
        }
        if dynamic {
            writeDynamicHeader(literals: literals, distances: distances, codeLengthCount: codeLengthCount)
            writeTokens(tokens, count: count, literalCode: literalCode, distanceCode: distanceCode)
        } else {
            bits.write(2, 3)
            writeTokens(
                tokens, count: count, literalCode: GoHuffmanCode.fixedLiterals,
                distanceCode: GoHuffmanCode.fixedDistances)
        }
    }

    /// Level 1: a dynamic block, or stored unless coding saves more than a sixteenth.
    mutating func writeDynamicBlock(tokens: UnsafePointer<UInt32>, count: Int, input: UnsafeBufferPointer<UInt8>) {
        let (literals, distances) = countSymbols(tokens: tokens, count: count)
        prepareCodeLengths(literals: literals, distances: distances, distanceCode: distanceCode)
        let (size, codeLengthCount) = dynamicBlockSize(distanceCode: distanceCode, extraBits: 0)
        if input.count <= 65535, (input.count + 5) * 8 < size + size >> 4 {
            writeStoredBlock(input)
            return
        }
        writeDynamicHeader(literals: literals, distances: distances, codeLengthCount: codeLengthCount)
        writeTokens(tokens, count: count, literalCode: literalCode, distanceCode: distanceCode)
    }

    /// Literals only, with a dynamic code over the bytes' histogram; stored unless coding
    /// saves more than a sixteenth.
    mutating func writeHuffmanOnlyBlock(_ input: UnsafeBufferPointer<UInt8>) {
        for index in literalFrequencies.indices { literalFrequencies[index] = 0 }
        for byte in input { literalFrequencies[Int(byte)] += 1 }
        literalFrequencies[GoFlateSymbols.endOfBlock] = 1
        // Go sets only the first distance count here; the others keep the previous block's
        // values, which cost nothing since the Huffman-only distance code gives them no bits.
        distanceFrequencies[0] = 1
        literalCode.build(frequencies: literalFrequencies, maxBits: 15)
        let distances = GoHuffmanCode.huffmanOnlyDistances
        prepareCodeLengths(literals: GoFlateSymbols.endOfBlock + 1, distances: 1, distanceCode: distances)
        let (size, codeLengthCount) = dynamicBlockSize(distanceCode: distances, extraBits: 0)
        if input.count <= 65535, (input.count + 5) * 8 < size + size >> 4 {
            writeStoredBlock(input)
            return
        }
        writeDynamicHeader(literals: GoFlateSymbols.endOfBlock + 1, distances: 1, codeLengthCount: codeLengthCount)
        let lengths = literalCode.lengths
        let codes = literalCode.codes
        for byte in input { bits.write(UInt32(codes[Int(byte)]), Int(lengths[Int(byte)])) }
        bits.write(UInt32(codes[GoFlateSymbols.endOfBlock]), Int(lengths[GoFlateSymbols.endOfBlock]))
    }

    // MARK: Parts

    /// Counts the tokens' symbols (end of block included) and builds both dynamic codes;
    /// returns how many literal/length and distance symbols the header must list.
    private mutating func countSymbols(tokens: UnsafePointer<UInt32>, count: Int) -> (literals: Int, distances: Int) {
        for index in literalFrequencies.indices { literalFrequencies[index] = 0 }
        for index in distanceFrequencies.indices { distanceFrequencies[index] = 0 }
        literalFrequencies.withUnsafeMutableBufferPointer { literals in
            distanceFrequencies.withUnsafeMutableBufferPointer { distances in
                GoFlateSymbols.lengthCode.withUnsafeBufferPointer { lengthCode in
                    GoFlateSymbols.distanceCode.withUnsafeBufferPointer { distanceCode in
                        for index in 0..<count {
                            let token = tokens[index]
                            if token < GoFlateToken.matchFlag {
                                literals[Int(token)] += 1
                            } else {
                                literals[GoFlateSymbols.firstLengthSymbol + Int(lengthCode[Int(token >> 22 & 0xff)])] +=
                                    1
                                distances[Int(distanceCode[Int(token & 0x3f_ffff)])] += 1
                            }
                        }
                    }
                }
            }
        }
        literalFrequencies[GoFlateSymbols.endOfBlock] += 1
        var literals = GoFlateSymbols.literalCount
        while literalFrequencies[literals - 1] == 0 { literals -= 1 }
        var distances = GoFlateSymbols.distanceCount
        while distances > 0 && distanceFrequencies[distances - 1] == 0 { distances -= 1 }
        if distances == 0 {
            // No match: one distance code anyway, so that a dynamic header can be written.
            distanceFrequencies[0] = 1
            distances = 1
        }
        literalCode.build(frequencies: literalFrequencies, maxBits: 15)
        distanceCode.build(frequencies: distanceFrequencies, maxBits: 15)
        return (literals, distances)
    }

    /// Run-length codes the literal and distance code lengths (RFC 1951 3.2.7) as Go does,
    /// counts the code-length symbols and builds their code (at most 7 bits).
    private mutating func prepareCodeLengths(literals: Int, distances: Int, distanceCode: GoHuffmanCode) {
        for index in codeLengthFrequencies.indices { codeLengthFrequencies[index] = 0 }
        codeLengthSymbols.removeAll(keepingCapacity: true)
        let lengths = Array(literalCode.lengths[0..<literals]) + Array(distanceCode.lengths[0..<distances])
        GreedyCodeLengthRuns.forEach(in: lengths) { symbol, extra in emitCodeLength(symbol, extra: extra) }
        codeLengthCode.build(frequencies: codeLengthFrequencies, maxBits: 7)
    }

    private mutating func emitCodeLength(_ symbol: UInt8, extra: Int? = nil) {
        codeLengthSymbols.append(symbol)
        if let extra { codeLengthSymbols.append(UInt8(extra)) }
        codeLengthFrequencies[Int(symbol)] += 1
    }

    /// Go's estimate of a dynamic block's size in bits, and how many code-length code
    /// lengths its header lists (at least 4).
    private func dynamicBlockSize(distanceCode: GoHuffmanCode, extraBits: Int) -> (bits: Int, codeLengthCount: Int) {
        var listed = GoFlateSymbols.codeLengthCount
        while listed > 4 && codeLengthFrequencies[GoFlateSymbols.codeLengthOrder[listed - 1]] == 0 { listed -= 1 }
        let header =
            3 + 5 + 5 + 4 + 3 * listed + codeLengthCode.bitCost(codeLengthFrequencies)
            + Int(codeLengthFrequencies[16]) * 2 + Int(codeLengthFrequencies[17]) * 3 + Int(codeLengthFrequencies[18])
            * 7
        let size =
            header + literalCode.bitCost(literalFrequencies) + distanceCode.bitCost(distanceFrequencies) + extraBits
        return (size, listed)
    }

    private mutating func writeDynamicHeader(literals: Int, distances: Int, codeLengthCount: Int) {
        bits.write(4, 3)
        bits.write(UInt32(literals - 257), 5)
        bits.write(UInt32(distances - 1), 5)
        bits.write(UInt32(codeLengthCount - 4), 4)
        for index in 0..<codeLengthCount {
            bits.write(UInt32(codeLengthCode.lengths[GoFlateSymbols.codeLengthOrder[index]]), 3)
        }
        var index = 0
        while index < codeLengthSymbols.count {
            let symbol = Int(codeLengthSymbols[index])
            bits.write(UInt32(codeLengthCode.codes[symbol]), Int(codeLengthCode.lengths[symbol]))
            index += 1
            let extraBits = symbol == 16 ? 2 : symbol == 17 ? 3 : symbol == 18 ? 7 : 0
            if extraBits > 0 {
                bits.write(UInt32(codeLengthSymbols[index]), extraBits)
                index += 1
            }
        }
    }

    private mutating func writeTokens(
        _ tokens: UnsafePointer<UInt32>, count: Int, literalCode: GoHuffmanCode, distanceCode: GoHuffmanCode
    ) {
        literalCode.lengths.withUnsafeBufferPointer { literalLengths in
            literalCode.codes.withUnsafeBufferPointer { literalCodes in
                distanceCode.lengths.withUnsafeBufferPointer { distanceLengths in
                    distanceCode.codes.withUnsafeBufferPointer { distanceCodes in
                        GoFlateSymbols.lengthCode.withUnsafeBufferPointer { lengthCodeOf in
                            GoFlateSymbols.distanceCode.withUnsafeBufferPointer { distanceCodeOf in
                                for index in 0..<count {
                                    let token = tokens[index]
                                    if token < GoFlateToken.matchFlag {
                                        bits.write(UInt32(literalCodes[Int(token)]), Int(literalLengths[Int(token)]))
                                        continue
                                    }
                                    let length = Int(token >> 22 & 0xff)
                                    let lengthCode = Int(lengthCodeOf[length])
                                    let lengthSymbol = GoFlateSymbols.firstLengthSymbol + lengthCode
                                    bits.write(UInt32(literalCodes[lengthSymbol]), Int(literalLengths[lengthSymbol]))
                                    let lengthExtra = Int(GoFlateSymbols.lengthExtraBits[lengthCode])
                                    if lengthExtra > 0 {
                                        bits.write(UInt32(length) - GoFlateSymbols.lengthBase[lengthCode], lengthExtra)
                                    }
                                    let distance = Int(token & 0x3f_ffff)
                                    let distanceCode = Int(distanceCodeOf[distance])
                                    bits.write(UInt32(distanceCodes[distanceCode]), Int(distanceLengths[distanceCode]))
                                    let distanceExtra = Int(GoFlateSymbols.distanceExtraBits[distanceCode])
                                    if distanceExtra > 0 {
                                        bits.write(
                                            UInt32(distance) - GoFlateSymbols.distanceBase[distanceCode], distanceExtra)
                                    }
                                }
                                bits.write(
                                    UInt32(literalCodes[GoFlateSymbols.endOfBlock]),
                                    Int(literalLengths[GoFlateSymbols.endOfBlock]))
                            }
                        }
                    }
                }
            }
        }
    }
}
