/// libdeflate's Huffman code construction (`deflate_make_huffman_code`, after 7-Zip's
/// `HuffEnc.c`), which differs from zlib's: the used symbols sorted by frequency then by
/// symbol, a tree of the internal nodes only built from the two sorted queues, lengths
/// limited by moving each too-deep node to the deepest length that still has a leaf, and the
/// longest lengths handed to the least frequent symbols in that order.
enum LibdeflateHuffman {
    /// Bits of a packed entry that hold the symbol; the frequency (or a node's parent or
    /// depth) sits above them.
    private static let symbolBits: UInt32 = 10
    private static let symbolMask: UInt32 = (1 << symbolBits) - 1

    /// Builds a length-limited canonical code for `count` symbols.
    /// - Parameters:
    ///   - count: symbols in the alphabet (at most 1024).
    ///   - maximumLength: the longest codeword allowed.
    ///   - frequencies: `count` frequencies, summing to less than 2^22.
    ///   - lengths: receives each symbol's codeword length (0 for unused symbols).
    ///   - codewords: receives each symbol's codeword, bit-reversed for deflate; it is also
    ///     the working array, so it needs `count` entries.
    static func makeCode(
        count: Int, maximumLength: Int, frequencies: UnsafePointer<UInt32>, lengths: UnsafeMutablePointer<UInt8>,
        codewords: UnsafeMutablePointer<UInt32>
    ) {
        let entries = codewords
        var used = 0
        for symbol in 0..<count {
            let frequency = frequencies[symbol]
            if frequency != 0 {
                entries[used] = UInt32(symbol) | frequency << symbolBits
                used += 1
            } else {
                lengths[symbol] = 0
            }
        }
        // Keys are unique (the symbol is in them), so any sort gives libdeflate's order.
        var sorted = UnsafeMutableBufferPointer(start: entries, count: used)
        sorted.sort()
        if used == 0 { return }
        if used == 1 {
            let symbol = Int(entries[0] & symbolMask)
            let other = symbol != 0 ? symbol : 1
            codewords[0] = 0
            lengths[0] = 1
            codewords[other] = 1
            lengths[other] = 1
            return
        }
        buildTree(entries, used)
        var lengthCounts = [UInt32](repeating: 0, count: 16)
        lengthCounts.withUnsafeMutableBufferPointer { counts in
            computeLengthCounts(entries, rootIndex: used - 2, counts.baseAddress!, maximumLength: maximumLength)
            generateCodewords(entries, lengths, counts.baseAddress!, maximumLength: maximumLength, count: count)
        }
    }

    /// `build_tree`: over the entries sorted by frequency, makes the `used - 1` internal nodes
    /// in place; each node left behind holds its parent's index above the symbol bits.
    private static func buildTree(_ a: UnsafeMutablePointer<UInt32>, _ symbolCount: Int) {
        let frequencyMask = ~symbolMask
        let lastIndex = symbolCount - 1
        var leaf = 0
        var branch = 0
        var end = 0
        repeat {
            let newFrequency: UInt32
            if leaf + 1 <= lastIndex && (branch == end || a[leaf + 1] & frequencyMask <= a[branch] & frequencyMask) {
                newFrequency = (a[leaf] & frequencyMask) &+ (a[leaf + 1] & frequencyMask)
                leaf += 2
            } else if branch + 2 <= end && (leaf > lastIndex || a[branch + 1] & frequencyMask < a[leaf] & frequencyMask)
            {
                newFrequency = (a[branch] & frequencyMask) &+ (a[branch + 1] & frequencyMask)
                a[branch] = UInt32(end) << symbolBits | a[branch] & symbolMask
                a[branch + 1] = UInt32(end) << symbolBits | a[branch + 1] & symbolMask
                branch += 2
            } else {
                newFrequency = (a[leaf] & frequencyMask) &+ (a[branch] & frequencyMask)
                a[branch] = UInt32(end) << symbolBits | a[branch] & symbolMask
                leaf += 1
                branch += 1
            }
            a[end] = newFrequency | a[end] & symbolMask
            end += 1
        } while end < lastIndex
    }

    /// `compute_length_counts`: how many codewords get each length, nodes too deep for
    /// `maximumLength` moved up to the deepest length that still has a leaf to split.
    private static func computeLengthCounts(
        _ a: UnsafeMutablePointer<UInt32>, rootIndex: Int, _ counts: UnsafeMutablePointer<UInt32>, maximumLength: Int
    ) {
        for length in 0...maximumLength { counts[length] = 0 }
        counts[1] = 2
        a[rootIndex] &= symbolMask
        var node = rootIndex - 1
        while node >= 0 {
            let parent = Int(a[node] >> symbolBits)
            let parentDepth = a[parent] >> symbolBits
            var depth = Int(parentDepth + 1)
            a[node] = a[node] & symbolMask | UInt32(depth) << symbolBits
            if depth >= maximumLength {
                depth = maximumLength
                repeat { depth -= 1 } while counts[depth] == 0
            }
            counts[depth] -= 1
            counts[depth + 1] += 2
            node -= 1
        }
    }

    /// `gen_codewords`: lengths from longest to shortest over the symbols in frequency order,
    /// then canonical codewords in symbol order, bit-reversed.
    private static func generateCodewords(
        _ a: UnsafeMutablePointer<UInt32>, _ lengths: UnsafeMutablePointer<UInt8>, _ counts: UnsafePointer<UInt32>,
        maximumLength: Int, count: Int
    ) {
        var index = 0
        var length = maximumLength
        while length >= 1 {
            var remaining = counts[length]
            while remaining > 0 {
                lengths[Int(a[index] & symbolMask)] = UInt8(length)
                index += 1
                remaining -= 1
            }
            length -= 1
        }
        var next = [UInt32](repeating: 0, count: 16)
        if maximumLength >= 2 {
            for length in 2...maximumLength { next[length] = (next[length - 1] &+ counts[length - 1]) << 1 }
        }
        for symbol in 0..<count {
            let length = Int(lengths[symbol])
            let code = next[length]
            next[length] &+= 1
            a[symbol] = length == 0 ? 0 : code.bitReversedLow(length)
        }
    }
}

extension UInt32 {
    /// The low `length` bits in reverse order (deflate sends Huffman codes high bit first).
    @inline(__always)
    func bitReversedLow(_ length: Int) -> UInt32 {
        var value = self
        value = (value & 0x5555_5555) << 1 | (value >> 1) & 0x5555_5555
        value = (value & 0x3333_3333) << 2 | (value >> 2) & 0x3333_3333
        value = (value & 0x0F0F_0F0F) << 4 | (value >> 4) & 0x0F0F_0F0F
        value = (value & 0x00FF_00FF) << 8 | (value >> 8) & 0x00FF_00FF
        value = value << 16 | value >> 16
        return value >> (32 - UInt32(length))
    }
}
