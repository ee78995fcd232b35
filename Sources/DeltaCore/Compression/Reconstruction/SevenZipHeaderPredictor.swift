/// The dynamic block header 7-Zip's deflate encoder writes for a block's tokens: 7-Zip builds
/// the header from the frequencies of the very tokens it writes (its last parse of the block).
/// Mode 6 with predicted headers (payload version 7) asks it for the tokens of its own parse
/// of the block under the previous header's lengths (``OptimalParsePredictor/predictedFrequencies(start:end:previous:)``),
/// which 7-Zip's first pass over a block resembles, and codes the actual header against the
/// code lengths it gives: on the 61 MB Django 5.1 tar, 7-Zip -mx9's headers took 216 kB of
/// its 349 kB of reconstruction data coded against the previous header's lengths, and the
/// whole data 234 kB with this prediction (libdeflate -12: 359 kB to 261 kB).
///
/// Learnt from 7-Zip's `DeflateEncoder.cpp` and `HuffEnc.c` (Debian's 7zip, 7-Zip 26.02, writes these
/// headers):
/// - code lengths by ``SevenZipHuffman/codeLengths(_:limit:)``, over 288 literal/length and 32
///   distance symbols, limited to 9 bits for a block of at most 2000 tokens, 10 up to 7000,
///   11 up to 18000, else 12;
/// - the lengths run-length coded as zlib's `send_tree` does (``DynamicHeader/zlibItems(_:literalCount:)``),
///   the counts trimmed to their last used entry (at least 257, 1 and 4);
/// - the code-length code from the same Huffman with a limit of 7.
final class SevenZipHeaderPredictor: DynamicHeaderPredicting {
    func dynamicHeader(_ frequencies: BlockFrequencies) -> (bits: [Bool], lengths: [UInt8]) {
        let tokens = frequencies.literal.reduce(0, +) - 1
        let limit = Self.lengthLimit(tokens: tokens)
        let literal = SevenZipHuffman.codeLengths(frequencies.literal + [0, 0], limit: limit)
        let distance = SevenZipHuffman.codeLengths(frequencies.distance + [0, 0], limit: limit)
        let literalCount = DynamicHeader.trimmedCount(literal[0..<286], minimum: 257)
        let distanceCount = DynamicHeader.trimmedCount(distance[0..<30], minimum: 1)
        let lengths = Array(literal[0..<literalCount]) + distance[0..<distanceCount]
        let items = DynamicHeader.zlibItems(lengths, literalCount: literalCount)
        let precode = precodeLengths(DynamicHeader.precodeFrequencies(items))
        let header = DynamicHeader(
            literalCount: literalCount, distanceCount: distanceCount,
            precodeCount: DynamicHeader.trimmedPrecodeCount(precode), precodeLengths: precode, items: items,
            lengths: lengths)
        return (header.bits() ?? [], Array(literal[0..<286]) + distance[0..<30])
    }

    func precodeLengths(_ frequencies: [Int]) -> [UInt8] {
        SevenZipHuffman.codeLengths(frequencies, limit: 7)
    }

    /// The code lengths 7-Zip prices its first block with (`CTables::InitStructures`): 8 bits
    /// per literal, 13 for the end of block, 5 per length code and per distance code; 286 + 30.
    static let initialLengths: [UInt8] =
        [UInt8](repeating: 8, count: 256) + [13] + [UInt8](repeating: 5, count: 29) + [UInt8](repeating: 5, count: 30)

    /// 7-Zip's limit on a block's code lengths, from its count of tokens (`MakeTables`).
    static func lengthLimit(tokens: Int) -> Int {
        tokens > 18000 ? 12 : tokens > 7000 ? 11 : tokens > 2000 ? 10 : 9
    }
}

/// 7-Zip's `Huffman_Generate`: code lengths for `frequencies` of at most `limit` bits.
enum SevenZipHuffman {
    /// The symbols in use are sorted by (frequency, symbol); a two-queue merge (a leaf before
    /// a merged node of equal frequency) builds the tree; each merged node's depth is read off
    /// from the root down, and one at or past the limit is hung instead under the deepest
    /// level below the limit that still has a free place. Then the levels' counts are dealt
    /// out from the longest to the shortest, the rarest symbols first. With fewer than two
    /// symbols in use, symbol 0 and the one used (or 1) get length 1.
    static func codeLengths(_ frequencies: [Int], limit: Int) -> [UInt8] {
        var lengths = [UInt8](repeating: 0, count: frequencies.count)
        let used = frequencies.indices.filter { frequencies[$0] > 0 }.sorted {
            (frequencies[$0], $0) < (frequencies[$1], $1)
        }
        guard used.count >= 2 else {
            let partner = used.first.map { $0 == 0 ? 1 : $0 } ?? 1
            lengths[0] = 1
            if partner < lengths.count { lengths[partner] = 1 }
            return lengths
        }
        let count = used.count
        // Merged node `e`'s weight and parent; the leaves are `used` in order.
        var weight = [Int](repeating: 0, count: count)
        var parent = [Int](repeating: 0, count: count)
        var leaf = 0, node = 0, made = 0
        func takeNext() -> Int {
            if leaf != count && (node == made || frequencies[used[leaf]] <= weight[node]) {
                leaf += 1
                return frequencies[used[leaf - 1]]
            }
            parent[node] = made
            node += 1
            return weight[node - 1]
        }
        repeat {
            let first = takeNext()
            let second = takeNext()
            weight[made] = first + second
            made += 1
        } while count - made > 1
        var levelCounts = [Int](repeating: 0, count: 17)
        var depth = [Int](repeating: 0, count: count)
        made -= 1
        levelCounts[1] = 2
        while made > 0 {
            made -= 1
            var level = depth[parent[made]] + 1
            depth[made] = level
            if level >= limit {
                level = limit - 1
                while levelCounts[level] == 0 { level -= 1 }
            }
            levelCounts[level] -= 1
            levelCounts[level + 1] += 2
        }
        var next = 0
        for level in stride(from: limit, through: 1, by: -1) {
            for _ in 0..<levelCounts[level] {
                lengths[used[next]] = UInt8(level)
                next += 1
            }
        }
        return lengths
    }
}
