/// The Huffman half of GNU gzip's deflate (its `trees.c`), reproduced decision for decision:
/// the symbol buffer and when it asks for a block to end, the tree construction with gzip's
/// tie-breaking by subtree depth, the bit-length limiting fix-up, and the choice between
/// stored, static and dynamic blocks. Any difference here changes the output bytes.
struct GNUDeflateTrees {
    static let maxBits = 15
    static let maxBLBits = 7
    static let lengthCodes = 29
    static let literals = 256
    static let endBlock = 256
    static let lCodes = literals + 1 + lengthCodes
    static let dCodes = 30
    static let blCodes = 19
    static let heapSize = 2 * lCodes + 1
    static let extraLBits: [Int] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    static let extraDBits: [Int] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    static let extraBLBits: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7]
    static let blOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// One code tree: gzip's `ct_data` array, with its unions split into separate arrays.
    struct CodeTree {
        let freq: UnsafeMutablePointer<Int>
        let len: UnsafeMutablePointer<Int>
        let code: UnsafeMutablePointer<UInt32>
        let dad: UnsafeMutablePointer<Int>
        /// Leaves (`elems`), the extra-bits table and its base, and the longest code allowed.
        let elems: Int
        let extraBits: UnsafeMutablePointer<Int>?
        let extraBase: Int
        let maxLength: Int
        var maxCode = 0

        init(size: Int, elems: Int, extraBits: [Int]?, extraBase: Int, maxLength: Int) {
            freq = .allocate(capacity: size); freq.initialize(repeating: 0, count: size)
            len = .allocate(capacity: size); len.initialize(repeating: 0, count: size)
            code = .allocate(capacity: size); code.initialize(repeating: 0, count: size)
            dad = .allocate(capacity: size); dad.initialize(repeating: 0, count: size)
            self.elems = elems
            if let extraBits {
                let table = UnsafeMutablePointer<Int>.allocate(capacity: extraBits.count)
                table.initialize(from: extraBits, count: extraBits.count)
                self.extraBits = table
            } else {
                self.extraBits = nil
            }
            self.extraBase = extraBase
            self.maxLength = maxLength
        }

        func deallocate() {
            freq.deallocate(); len.deallocate(); code.deallocate(); dad.deallocate(); extraBits?.deallocate()
        }
    }

    let level: Int
    let litBufferSize: Int
    let guessesBlockEnd: Bool

    var dynL: CodeTree
    var dynD: CodeTree
    var blTree: CodeTree
    let staticL: CodeTree
    let staticD: CodeTree

    let heap: UnsafeMutablePointer<Int>
    let depth: UnsafeMutablePointer<Int>
    let blCount: UnsafeMutablePointer<Int>
    var heapLength = 0
    var heapMax = 0

    let lengthCode: UnsafeMutablePointer<Int>
    let distCode: UnsafeMutablePointer<Int>
    let baseLength: UnsafeMutablePointer<Int>
    let baseDist: UnsafeMutablePointer<Int>
    let extraL: UnsafeMutablePointer<Int>
    let extraD: UnsafeMutablePointer<Int>

    /// The block's symbols: literal byte or match length - 3, and 0 or the match distance.
    let symbolLC: UnsafeMutablePointer<UInt8>
    let symbolDistance: UnsafeMutablePointer<UInt16>
    var lastLit = 0
    var lastDist = 0
    var optLen = 0
    var staticLen = 0

    init(level: Int, litBufferSize: Int, guessesBlockEnd: Bool) {
        self.level = level
        self.litBufferSize = litBufferSize
        self.guessesBlockEnd = guessesBlockEnd
        dynL = CodeTree(
            size: Self.heapSize, elems: Self.lCodes, extraBits: Self.extraLBits, extraBase: Self.literals + 1,
            maxLength: Self.maxBits)
        dynD = CodeTree(
            size: 2 * Self.dCodes + 1, elems: Self.dCodes, extraBits: Self.extraDBits, extraBase: 0,
            maxLength: Self.maxBits)
        blTree = CodeTree(
            size: 2 * Self.blCodes + 1, elems: Self.blCodes, extraBits: Self.extraBLBits, extraBase: 0,
            maxLength: Self.maxBLBits)
        staticL = CodeTree(
            size: Self.lCodes + 2, elems: Self.lCodes, extraBits: nil, extraBase: 0, maxLength: Self.maxBits)
        staticD = CodeTree(size: Self.dCodes, elems: Self.dCodes, extraBits: nil, extraBase: 0, maxLength: Self.maxBits)
        heap = .allocate(capacity: Self.heapSize); heap.initialize(repeating: 0, count: Self.heapSize)
        depth = .allocate(capacity: Self.heapSize); depth.initialize(repeating: 0, count: Self.heapSize)
        blCount = .allocate(capacity: Self.maxBits + 1); blCount.initialize(repeating: 0, count: Self.maxBits + 1)
        lengthCode = .allocate(capacity: 256)
        distCode = .allocate(capacity: 512); distCode.initialize(repeating: 0, count: 512)
        baseLength = .allocate(capacity: Self.lengthCodes)
        baseDist = .allocate(capacity: Self.dCodes)
        extraL = .allocate(capacity: Self.lengthCodes);
        extraL.initialize(from: Self.extraLBits, count: Self.lengthCodes)
        extraD = .allocate(capacity: Self.dCodes); extraD.initialize(from: Self.extraDBits, count: Self.dCodes)
        symbolLC = .allocate(capacity: litBufferSize)
        symbolDistance = .allocate(capacity: litBufferSize)

        // ct_init: length and distance code tables, then the static trees.
        var length = 0
        var code = 0
        while code < Self.lengthCodes - 1 {
            baseLength[code] = length
            for _ in 0..<(1 << Self.extraLBits[code]) { lengthCode[length] = code; length += 1 }
            code += 1
        }
        lengthCode[length - 1] = code
        var dist = 0
        code = 0
        while code < 16 {
            baseDist[code] = dist
            for _ in 0..<(1 << Self.extraDBits[code]) { distCode[dist] = code; dist += 1 }
            code += 1
        }
        dist >>= 7
        while code < Self.dCodes {
            baseDist[code] = dist << 7
            for _ in 0..<(1 << (Self.extraDBits[code] - 7)) { distCode[256 + dist] = code; dist += 1 }
            code += 1
        }
        for bits in 0...Self.maxBits { blCount[bits] = 0 }
        for n in 0..<288 {
            let bits = n <= 143 ? 8 : n <= 255 ? 9 : n <= 279 ? 7 : 8
            staticL.len[n] = bits
            blCount[bits] += 1
        }
        Self.generateCodes(staticL, maxCode: Self.lCodes + 1, blCount: blCount)
        for n in 0..<Self.dCodes {
            staticD.len[n] = 5
            staticD.code[n] = Self.reverseBits(UInt32(n), 5)
        }
        initBlock()
    }

    func deallocate() {
        dynL.deallocate(); dynD.deallocate(); blTree.deallocate(); staticL.deallocate(); staticD.deallocate()
        heap.deallocate(); depth.deallocate(); blCount.deallocate()
        lengthCode.deallocate(); distCode.deallocate(); baseLength.deallocate(); baseDist.deallocate()
        extraL.deallocate(); extraD.deallocate(); symbolLC.deallocate(); symbolDistance.deallocate()
    }

    mutating func initBlock() {
        for n in 0..<Self.lCodes { dynL.freq[n] = 0 }
        for n in 0..<Self.dCodes { dynD.freq[n] = 0 }
        for n in 0..<Self.blCodes { blTree.freq[n] = 0 }
        dynL.freq[Self.endBlock] = 1
        optLen = 0
        staticLen = 0
        lastLit = 0
        lastDist = 0
    }

    @inline(__always)
    func dCode(_ dist: Int) -> Int { dist < 256 ? distCode[dist] : distCode[256 + (dist >> 7)] }

    /// Records a literal; returns whether the block must end here (gzip's `ct_tally`).
    @inline(__always)
    mutating func tallyLiteral(_ byte: UInt8, bytesInBlock: Int) -> Bool {
        symbolLC[lastLit] = byte
        symbolDistance[lastLit] = 0
        lastLit &+= 1
        dynL.freq[Int(byte)] &+= 1
        return blockShouldEnd(bytesInBlock: bytesInBlock)
    }

    /// Records a match of `length` (3...258) at `distance`; returns whether the block must end.
    @inline(__always)
    mutating func tallyMatch(distance: Int, length: Int, bytesInBlock: Int) -> Bool {
        let lc = length - 3
        symbolLC[lastLit] = UInt8(truncatingIfNeeded: lc)
        symbolDistance[lastLit] = UInt16(truncatingIfNeeded: distance)
        lastLit &+= 1
        dynL.freq[lengthCode[lc] + Self.literals + 1] &+= 1
        dynD.freq[dCode(distance - 1)] &+= 1
        lastDist &+= 1
        return blockShouldEnd(bytesInBlock: bytesInBlock)
    }

    @inline(__always)
    private func blockShouldEnd(bytesInBlock: Int) -> Bool {
        if guessesBlockEnd && level > 2 && lastLit & 0xfff == 0 {
            var outLength = lastLit * 8
            for dcode in 0..<Self.dCodes { outLength += dynD.freq[dcode] * (5 + extraD[dcode]) }
            outLength >>= 3
            if lastDist < lastLit / 2 && outLength < bytesInBlock / 2 { return true }
        }
        return lastLit == litBufferSize - 1 || lastDist == litBufferSize
    }

    // MARK: Tree construction

    @inline(__always)
    private func smaller(_ tree: CodeTree, _ n: Int, _ m: Int) -> Bool {
        tree.freq[n] < tree.freq[m] || (tree.freq[n] == tree.freq[m] && depth[n] <= depth[m])
    }

    private func downHeap(_ tree: CodeTree, _ start: Int) {
        var k = start
        let v = heap[k]
        var j = k << 1
        while j <= heapLength {
            if j < heapLength && smaller(tree, heap[j + 1], heap[j]) { j += 1 }
            if smaller(tree, v, heap[j]) { break }
            heap[k] = heap[j]
            k = j
            j <<= 1
        }
        heap[k] = v
    }

    private mutating func generateBitLengths(_ tree: CodeTree, staticTree: CodeTree?) {
        let maxCode = tree.maxCode
        let maxLength = tree.maxLength
        var overflow = 0
        for bits in 0...Self.maxBits { blCount[bits] = 0 }
        tree.len[heap[heapMax]] = 0
        var h = heapMax + 1
        while h < Self.heapSize {
            let n = heap[h]
            var bits = tree.len[tree.dad[n]] + 1
            if bits > maxLength { bits = maxLength; overflow += 1 }
            tree.len[n] = bits
            h += 1
            if n > maxCode { continue }
            blCount[bits] += 1
            var xbits = 0
            if n >= tree.extraBase, let extra = tree.extraBits { xbits = extra[n - tree.extraBase] }
            let f = tree.freq[n]
            optLen &+= f &* (bits + xbits)
            if let staticTree { staticLen &+= f &* (staticTree.len[n] + xbits) }
        }
        if overflow == 0 { return }
        repeat {
            var bits = maxLength - 1
            while blCount[bits] == 0 { bits -= 1 }
            blCount[bits] -= 1
            blCount[bits + 1] += 2
            blCount[maxLength] -= 1
            overflow -= 2
        } while overflow > 0
        h = Self.heapSize
        var bits = maxLength
        while bits != 0 {
            var n = blCount[bits]
            while n != 0 {
                h -= 1
                let m = heap[h]
                if m > maxCode { continue }
                if tree.len[m] != bits {
                    optLen &+= (bits - tree.len[m]) &* tree.freq[m]
                    tree.len[m] = bits
                }
                n -= 1
            }
            bits -= 1
        }
    }

    static func reverseBits(_ code: UInt32, _ length: Int) -> UInt32 {
        var code = code
        var result: UInt32 = 0
        for _ in 0..<length {
            result = (result << 1) | (code & 1)
            code >>= 1
        }
        return result
    }

    static func generateCodes(_ tree: CodeTree, maxCode: Int, blCount: UnsafeMutablePointer<Int>) {
        var nextCode = [UInt32](repeating: 0, count: maxBits + 1)
        var code: UInt32 = 0
        for bits in 1...maxBits {
            code = (code &+ UInt32(truncatingIfNeeded: blCount[bits - 1])) << 1
            nextCode[bits] = code
        }
        for n in 0...maxCode {
            let len = tree.len[n]
            if len == 0 { continue }
            tree.code[n] = reverseBits(nextCode[len] & 0xffff, len)
            nextCode[len] &+= 1
        }
    }

    private mutating func buildTree(_ tree: CodeTree, staticTree: CodeTree?) -> Int {
        let elems = tree.elems
        var maxCode = -1
        var node = elems
        heapLength = 0
        heapMax = Self.heapSize
        for n in 0..<elems {
            if tree.freq[n] != 0 {
                heapLength += 1
                heap[heapLength] = n
                maxCode = n
                depth[n] = 0
            } else {
                tree.len[n] = 0
            }
        }
        while heapLength < 2 {
            let new: Int
            if maxCode < 2 { maxCode += 1; new = maxCode } else { new = 0 }
            heapLength += 1
            heap[heapLength] = new
            tree.freq[new] = 1
            depth[new] = 0
            optLen &-= 1
            if let staticTree { staticLen &-= staticTree.len[new] }
        }
        var tree = tree
        tree.maxCode = maxCode
        var n = heapLength / 2
        while n >= 1 { downHeap(tree, n); n -= 1 }
        repeat {
            let smallest = heap[1]
            heap[1] = heap[heapLength]
            heapLength -= 1
            downHeap(tree, 1)
            let next = heap[1]
            heapMax -= 1; heap[heapMax] = smallest
            heapMax -= 1; heap[heapMax] = next
            tree.freq[node] = tree.freq[smallest] + tree.freq[next]
            depth[node] = (max(depth[smallest], depth[next]) + 1) & 0xff
            tree.dad[smallest] = node
            tree.dad[next] = node
            heap[1] = node
            node += 1
            downHeap(tree, 1)
        } while heapLength >= 2
        heapMax -= 1
        heap[heapMax] = heap[1]
        generateBitLengths(tree, staticTree: staticTree)
        Self.generateCodes(tree, maxCode: maxCode, blCount: blCount)
        return maxCode
    }

    /// The runs `scan_tree` and `send_tree` cut code lengths into, shared by both (and by
    /// deflate reconstruction's header prediction): `emit(symbol, count)` with a length 0-15
    /// repeated `count` times, or 16 (after one explicit length when the run starts a new
    /// length), 17 or 18 for a run of `count`. `length(n)` is the code length of symbol `n`,
    /// for `n` up to `maxCode`.
    static func lengthRuns(maxCode: Int, length: (Int) -> Int, _ emit: (_ symbol: Int, _ count: Int) -> Void) {
        var prevLen = -1
        var nextLen = length(0)
        var count = 0
        var maxCount = 7
        var minCount = 4
        if nextLen == 0 { maxCount = 138; minCount = 3 }
        for n in 0...maxCode {
            let curLen = nextLen
            nextLen = n < maxCode ? length(n + 1) : 0xffff
            count += 1
            if count < maxCount && curLen == nextLen {
                continue
            } else if count < minCount {
                emit(curLen, count)
            } else if curLen != 0 {
                if curLen != prevLen { emit(curLen, 1); count -= 1 }
                emit(16, count)
            } else if count <= 10 {
                emit(17, count)
            } else {
                emit(18, count)
            }
            count = 0
            prevLen = curLen
            if nextLen == 0 {
                maxCount = 138; minCount = 3
            } else if curLen == nextLen {
                maxCount = 6; minCount = 3
            } else {
                maxCount = 7; minCount = 4
            }
        }
    }

    private mutating func scanTree(_ tree: CodeTree) {
        let blFreq = blTree.freq
        Self.lengthRuns(maxCode: tree.maxCode, length: { tree.len[$0] }) { symbol, count in
            blFreq[symbol] += symbol < 16 ? count : 1
        }
    }

    private func sendTree(_ tree: CodeTree, maxCode: Int, _ out: inout DeflateBitWriter) {
        Self.lengthRuns(maxCode: maxCode, length: { tree.len[$0] }) { symbol, count in
            switch symbol {
            case 16:
                sendCode(16, blTree, &out); out.write(UInt32(count - 3), 2)
            case 17:
                sendCode(17, blTree, &out); out.write(UInt32(count - 3), 3)
            case 18:
                sendCode(18, blTree, &out); out.write(UInt32(count - 11), 7)
            default:
                for _ in 0..<count { sendCode(symbol, blTree, &out) }
            }
        }
    }

    /// The code lengths trees.c's `build_tree` and `gen_bitlen` give an alphabet of 286
    /// literal/length, 30 distance or 19 code-length symbols (limited to 15, 15 or 7 bits)
    /// for `frequencies`: what deflate reconstruction predicts zlib-like headers with.
    mutating func codeLengths(frequencies: [Int]) -> [UInt8] {
        let tree: CodeTree
        switch frequencies.count {
        case Self.lCodes: tree = dynL
        case Self.dCodes: tree = dynD
        default:
            precondition(frequencies.count == Self.blCodes, "no trees.c alphabet of \(frequencies.count) symbols")
            tree = blTree
        }
        for (symbol, frequency) in frequencies.enumerated() { tree.freq[symbol] = frequency }
        _ = buildTree(tree, staticTree: nil)
        return (0..<frequencies.count).map { UInt8(tree.len[$0]) }
    }

    /// The dynamic block header trees.c writes for a block with these symbol frequencies (286
    /// literal/length with the end of block counted, 30 distance): HLIT through the last code
    /// length into `out`. Returns the 286 + 30 code lengths it sends.
    mutating func writeDynamicHeader(
        literalFrequencies: [Int], distanceFrequencies: [Int], into out: inout DeflateBitWriter
    ) -> [UInt8] {
        initBlock()
        for (symbol, frequency) in literalFrequencies.enumerated() { dynL.freq[symbol] = frequency }
        for (symbol, frequency) in distanceFrequencies.enumerated() { dynD.freq[symbol] = frequency }
        dynL.maxCode = buildTree(dynL, staticTree: staticL)
        dynD.maxCode = buildTree(dynD, staticTree: staticD)
        let maxBLIndex = buildBitLengthTree()
        sendAllTrees(lCodes: dynL.maxCode + 1, dCodes: dynD.maxCode + 1, blCodes: maxBLIndex + 1, &out)
        let lengths = (0..<Self.lCodes).map { UInt8(dynL.len[$0]) } + (0..<Self.dCodes).map { UInt8(dynD.len[$0]) }
        initBlock()
        return lengths
    }

    @inline(__always)
    private func sendCode(_ symbol: Int, _ tree: CodeTree, _ out: inout DeflateBitWriter) {
        out.write(tree.code[symbol], tree.len[symbol])
    }

    private mutating func buildBitLengthTree() -> Int {
        scanTree(dynL)
        scanTree(dynD)
        blTree.maxCode = buildTree(blTree, staticTree: nil)
        var maxIndex = Self.blCodes - 1
        while maxIndex >= 3 {
            if blTree.len[Self.blOrder[maxIndex]] != 0 { break }
            maxIndex -= 1
        }
        optLen &+= 3 * (maxIndex + 1) + 5 + 5 + 4
        return maxIndex
    }

    private func sendAllTrees(lCodes: Int, dCodes: Int, blCodes: Int, _ out: inout DeflateBitWriter) {
        out.write(UInt32(lCodes - 257), 5)
        out.write(UInt32(dCodes - 1), 5)
        out.write(UInt32(blCodes - 4), 4)
        for rank in 0..<blCodes { out.write(UInt32(blTree.len[Self.blOrder[rank]]), 3) }
        sendTree(dynL, maxCode: lCodes - 1, &out)
        sendTree(dynD, maxCode: dCodes - 1, &out)
    }

    private func compressBlock(_ lTree: CodeTree, _ dTree: CodeTree, _ out: inout DeflateBitWriter) {
        var index = 0
        while index < lastLit {
            let lc = Int(symbolLC[index])
            let distance = Int(symbolDistance[index])
            index += 1
            if distance == 0 {
                out.write(lTree.code[lc], lTree.len[lc])
            } else {
                let code = lengthCode[lc]
                let symbol = code + Self.literals + 1
                out.write(lTree.code[symbol], lTree.len[symbol])
                let extra = extraL[code]
                if extra != 0 { out.write(UInt32(lc - baseLength[code]), extra) }
                let dist = distance - 1
                let dcode = dCode(dist)
                out.write(dTree.code[dcode], dTree.len[dcode])
                let dextra = extraD[dcode]
                if dextra != 0 { out.write(UInt32(dist - baseDist[dcode]), dextra) }
            }
        }
        out.write(lTree.code[Self.endBlock], lTree.len[Self.endBlock])
    }

    /// Ends the current block (gzip's `flush_block` without its rsyncable padding or its
    /// stored-file case, which gzip disables for sequential output).
    /// - Parameters:
    ///   - stored: the block's input bytes, or nil when they have left the window.
    ///   - storedLength: how many input bytes the block covers.
    ///   - isLast: whether this is the final block.
    mutating func flushBlock(
        stored: UnsafePointer<UInt8>?, storedLength: Int, isLast: Bool, pad: Bool = false, _ out: inout DeflateBitWriter
    ) {
        dynL.maxCode = buildTree(dynL, staticTree: staticL)
        dynD.maxCode = buildTree(dynD, staticTree: staticD)
        let maxBLIndex = buildBitLengthTree()
        var optLenBytes = (optLen &+ 3 &+ 7) >> 3
        let staticLenBytes = (staticLen &+ 3 &+ 7) >> 3
        if staticLenBytes <= optLenBytes { optLenBytes = staticLenBytes }
        let eofBit: UInt32 = isLast ? 1 : 0
        if storedLength + 4 <= optLenBytes, let stored {
            out.write(eofBit, 3)
            out.alignToByte()
            let length = UInt32(storedLength & 0xffff)
            out.write(length | ((~length & 0xffff) << 16), 32)
            out.writeBytes(stored, storedLength)
        } else if staticLenBytes == optLenBytes {
            out.write((1 << 1) + eofBit, 3)
            compressBlock(staticL, staticD, &out)
        } else {
            out.write((2 << 1) + eofBit, 3)
            sendAllTrees(lCodes: dynL.maxCode + 1, dCodes: dynD.maxCode + 1, blCodes: maxBLIndex + 1, &out)
            compressBlock(dynL, dynD, &out)
        }
        initBlock()
        if isLast {
            out.alignToByte()
        } else if pad && !out.isByteAligned {
            // gzip's `flush_block` padding (`--rsyncable`): an empty stored block.
            out.write(0, 3)
            out.alignToByte()
            out.write(0xffff_0000, 32)
        }
    }
}
