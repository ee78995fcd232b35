/// The dynamic block header zlib (and the many deflaters that kept its `trees.c`) writes
/// for a block's tokens: Huffman code lengths from a heap ordered by frequency then subtree
/// depth, lengths over the limit pushed down `gen_bitlen`'s way, the run-length coding of
/// `scan_tree`/`send_tree`, and the code-length code sent in RFC 1951's order up to its last
/// used entry. A block whose header equals this costs one adaptive bit.
enum ZlibTreeBuilder {
    private static let heapSize = 2 * 286 + 1

    /// The header bits (HLIT through the last code length) for `tokens`, the block's tokens
    /// over `content` from `contentStart`, and the code lengths (286 literal/length, then 30
    /// distance) they send.
    static func dynamicHeader(
        tokens: ArraySlice<DeflateToken>, contentStart: Int, content: UnsafeRawBufferPointer
    ) -> (bits: [Bool], lengths: [UInt8]) {
        var literalFrequency = [Int](repeating: 0, count: 286)
        var distanceFrequency = [Int](repeating: 0, count: 30)
        var position = contentStart
        for token in tokens {
            if token == 0 {
                literalFrequency[Int(content[position])] += 1
                position += 1
            } else {
                let length = token.matchLength
                let code = token.isLongForm258 ? 27 : Int(DeflateCodes.lengthCode[length])
                literalFrequency[257 + code] += 1
                distanceFrequency[DeflateCodes.distanceCode(token.matchDistance)] += 1
                position += length
            }
        }
        literalFrequency[256] = 1
        let literal = buildLengths(literalFrequency, maximumLength: 15)
        let distance = buildLengths(distanceFrequency, maximumLength: 15)
        var codeLengthFrequency = [Int](repeating: 0, count: 19)
        scan(literal.lengths, maxCode: literal.maxCode, into: &codeLengthFrequency)
        scan(distance.lengths, maxCode: distance.maxCode, into: &codeLengthFrequency)
        let codeLength = buildLengths(codeLengthFrequency, maximumLength: 7)
        var lastRank = 18
        while lastRank >= 3 && codeLength.lengths[DeflateCodes.codeLengthOrder[lastRank]] == 0 { lastRank -= 1 }
        let code = try! HuffmanCode(lengths: Array(codeLength.lengths[..<19]))

        var bits = [Bool]()
        bits.reserveCapacity(600)
        func put(_ value: Int, _ count: Int) {
            for index in 0..<count { bits.append((value >> index) & 1 == 1) }
        }
        func putCode(_ symbol: Int) { put(Int(code.codes[symbol]), Int(code.lengths[symbol])) }
        put(literal.maxCode + 1 - 257, 5)
        put(distance.maxCode, 5)
        put(lastRank + 1 - 4, 4)
        for rank in 0...lastRank { put(Int(codeLength.lengths[DeflateCodes.codeLengthOrder[rank]]), 3) }
        for (lengths, maxCode) in [(literal.lengths, literal.maxCode), (distance.lengths, distance.maxCode)] {
            runs(lengths, maxCode: maxCode) { symbol, count in
                switch symbol {
                case 16:
                    putCode(16)
                    put(count - 3, 2)
                case 17:
                    putCode(17)
                    put(count - 3, 3)
                case 18:
                    putCode(18)
                    put(count - 11, 7)
                default:
                    for _ in 0..<count { putCode(symbol) }
                }
            }
        }
        return (bits, Array(literal.lengths[..<286]) + Array(distance.lengths[..<30]))
    }

    /// zlib's `build_tree` and `gen_bitlen`: the code lengths (with one guard entry after the
    /// elements) and the largest used symbol.
    static func buildLengths(_ frequencies: [Int], maximumLength: Int) -> (lengths: [UInt8], maxCode: Int) {
        let elements = frequencies.count
        var frequency = frequencies + [Int](repeating: 0, count: heapSize - elements)
        var depth = [UInt8](repeating: 0, count: heapSize)
        var dad = [Int](repeating: 0, count: heapSize)
        var length = [Int](repeating: 0, count: heapSize)
        var heap = [Int](repeating: 0, count: heapSize + 1)
        var heapLength = 0
        var heapMax = heapSize
        var maxCode = -1
        for n in 0..<elements where frequency[n] != 0 {
            heapLength += 1
            heap[heapLength] = n
            maxCode = n
        }
        while heapLength < 2 {
            let node: Int
            if maxCode < 2 {
                maxCode += 1
                node = maxCode
            } else {
                node = 0
            }
            heapLength += 1
            heap[heapLength] = node
            frequency[node] = 1
            depth[node] = 0
        }
        func smaller(_ n: Int, _ m: Int) -> Bool {
            frequency[n] < frequency[m] || (frequency[n] == frequency[m] && depth[n] <= depth[m])
        }
        func downHeap(_ start: Int) {
            var k = start
            let v = heap[k]
            var j = k << 1
            while j <= heapLength {
                if j < heapLength && smaller(heap[j + 1], heap[j]) { j += 1 }
                if smaller(v, heap[j]) { break }
                heap[k] = heap[j]
                k = j
                j <<= 1
            }
            heap[k] = v
        }
        var n = heapLength / 2
        while n >= 1 {
            downHeap(n)
            n -= 1
        }
        var node = elements
        repeat {
            let smallest = heap[1]
            heap[1] = heap[heapLength]
            heapLength -= 1
            downHeap(1)
            let next = heap[1]
            heapMax -= 1
            heap[heapMax] = smallest
            heapMax -= 1
            heap[heapMax] = next
            frequency[node] = frequency[smallest] + frequency[next]
            depth[node] = max(depth[smallest], depth[next]) &+ 1
            dad[smallest] = node
            dad[next] = node
            heap[1] = node
            node += 1
            downHeap(1)
        } while heapLength >= 2
        heapMax -= 1
        heap[heapMax] = heap[1]

        var count = [Int](repeating: 0, count: 16)
        var overflow = 0
        length[heap[heapMax]] = 0
        var h = heapMax + 1
        while h < heapSize {
            let n = heap[h]
            var bits = length[dad[n]] + 1
            if bits > maximumLength {
                bits = maximumLength
                overflow += 1
            }
            length[n] = bits
            h += 1
            if n > maxCode { continue }
            count[bits] += 1
        }
        if overflow > 0 {
            repeat {
                var bits = maximumLength - 1
                while count[bits] == 0 { bits -= 1 }
                count[bits] -= 1
                count[bits + 1] += 2
                count[maximumLength] -= 1
                overflow -= 2
            } while overflow > 0
            h = heapSize
            var bits = maximumLength
            while bits != 0 {
                var remaining = count[bits]
                while remaining != 0 {
                    h -= 1
                    let m = heap[h]
                    if m > maxCode { continue }
                    length[m] = bits
                    remaining -= 1
                }
                bits -= 1
            }
        }
        var lengths = [UInt8](repeating: 0, count: elements + 1)
        for n in 0...maxCode where frequency[n] != 0 { lengths[n] = UInt8(length[n]) }
        return (lengths, maxCode)
    }

    /// zlib's `scan_tree`: the code-length symbols' frequencies.
    private static func scan(_ lengths: [UInt8], maxCode: Int, into frequency: inout [Int]) {
        runs(lengths, maxCode: maxCode) { symbol, count in
            switch symbol {
            case 16:
                frequency[16] += 1
            case 17, 18:
                frequency[symbol] += 1
            default:
                frequency[symbol] += count
            }
        }
    }

    /// The runs `scan_tree` and `send_tree` cut the lengths into: `emit(symbol, count)` with
    /// symbol 0-15 repeated `count` times, or 16 (after one explicit length when the run
    /// starts a new length), 17 or 18 for the run.
    static func runs(_ lengths: [UInt8], maxCode: Int, _ emit: (Int, Int) -> Void) {
        var previous = -1
        var nextLength = Int(lengths[0])
        var count = 0
        var maxCount = 7
        var minCount = 4
        if nextLength == 0 {
            maxCount = 138
            minCount = 3
        }
        for n in 0...maxCode {
            let current = nextLength
            nextLength = n + 1 <= maxCode ? Int(lengths[n + 1]) : 0xffff
            count += 1
            if count < maxCount && current == nextLength {
                continue
            } else if count < minCount {
                emit(current, count)
            } else if current != 0 {
                if current != previous {
                    emit(current, 1)
                    count -= 1
                }
                emit(16, count)
            } else if count <= 10 {
                emit(17, count)
            } else {
                emit(18, count)
            }
            count = 0
            previous = current
            if nextLength == 0 {
                maxCount = 138
                minCount = 3
            } else if current == nextLength {
                maxCount = 6
                minCount = 3
            } else {
                maxCount = 7
                minCount = 4
            }
        }
    }
}
