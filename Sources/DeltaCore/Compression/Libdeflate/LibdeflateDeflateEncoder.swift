/// Raw deflate (RFC 1951) that produces exactly what libdeflate 1.14 writes
/// (`libdeflate_deflate_compress`, which `libdeflate-gzip` calls once over the whole file),
/// levels 1 to 9 (`libdeflate-gzip` takes 1 to 12; 10 to 12 parse near-optimally and are not
/// reproduced):
///
/// - any input of at most `55 - 4 × level` bytes: stored blocks;
/// - level 1: greedy parsing over a two-entry hash table (`deflate_compress_fastest`),
///   blocks of about 64 KiB;
/// - levels 2 to 4: greedy parsing over hash chains;
/// - levels 5 to 7: lazy parsing (one position ahead), 8 and 9: two positions ahead;
///
/// the hash-chain levels end a block by libdeflate's statistics-based split heuristic
/// (``LibdeflateSplitStatistics``) or at about 300,000 bytes, and take a minimum match length
/// from how many distinct literals the data uses. Every block is written by
/// ``LibdeflateBlockWriter``.
///
/// libdeflate compresses a whole buffer in one call; this encoder takes input in pieces and
/// compresses a block as soon as enough input follows it that the end of the input could not
/// change it (1 MiB), so a wrong guess shows within the first block and memory stays bounded.
///
/// Wrap it in ``GzipMemberEncoder`` with the file's header (``gzipHeader(level:)``).
public final class LibdeflateDeflateEncoder: StreamEncoder {
    /// Names the libdeflate versions whose output this reproduces; recorded in recipes.
    public static let compatibilityVersion = "libdeflate-1.14/1"
    /// The encoder generation recipes record (``DeflateProducer/libdeflate(generation:)``).
    public static let generation = 1
    /// The generations this build reproduces.
    public static let generations = 1...1
    /// The levels reproduced.
    public static let levels = 1...9

    /// Bytes of input beyond a block's start that make the block independent of where the
    /// input ends (its longest span, its split checks and minimum-length updates reach less).
    static let lookahead = 1 << 20
    static let softMaximumBlockLength = 300_000
    static let fastSoftMaximumBlockLength = 65535
    static let minimumBlockLength = 5000
    static let sequenceStoreLength = 50000
    static let fastSequenceStoreLength = 8192

    let level: Int
    private let searchDepth: Int
    private let niceMatchLength: Int
    private let passthroughSize: Int

    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    /// Where the next block starts.
    private var position = 0
    private var compressedAny = false
    private var finished = false
    private var maximumLength = 258
    private var niceLength: Int

    private var bits = DeflateBitWriter()
    private let writer = LibdeflateBlockWriter()
    private let chains: LibdeflateHashChains?
    private let table: LibdeflateHashTable?
    private let sequences: UnsafeMutablePointer<LibdeflateSequence>
    private let split = LibdeflateSplitStatistics()
    private let lengthSlot: UnsafeMutablePointer<UInt8>
    private let offsetSlot: UnsafeMutablePointer<UInt8>

    /// Creates an encoder for libdeflate at `level`.
    /// - Parameter level: 1 to 9.
    /// - Throws: ``CompressionError/invalidSettings(_:detail:)`` for a level out of range.
    public init(level: Int) throws(CompressionError) {
        guard Self.levels.contains(level) else { throw .invalidSettings(.gzip, detail: "libdeflate level \(level)") }
        self.level = level
        (searchDepth, niceMatchLength) =
            switch level {
            case 1: (0, 32)
            case 2: (6, 10)
            case 3: (12, 14)
            case 4: (16, 30)
            case 5: (16, 30)
            case 6: (35, 65)
            case 7: (100, 130)
            case 8: (300, 258)
            case 9: (600, 258)
            default: (600, 258)
            }
        niceLength = niceMatchLength
        passthroughSize = 55 - 4 * level
        capacity = 1 << 16
        buffer = .allocate(capacity: capacity)
        chains = level >= 2 ? LibdeflateHashChains() : nil
        table = level == 1 ? LibdeflateHashTable() : nil
        let sequenceCount = (level == 1 ? Self.fastSequenceStoreLength : Self.sequenceStoreLength) + 1
        sequences = .allocate(capacity: sequenceCount)
        sequences.initialize(repeating: LibdeflateSequence(), count: sequenceCount)
        lengthSlot = .allocate(capacity: 259)
        lengthSlot.initialize(from: LibdeflateSymbols.lengthSlot, count: 259)
        offsetSlot = .allocate(capacity: 32769)
        offsetSlot.initialize(from: LibdeflateSymbols.offsetSlot, count: 32769)
    }

    deinit {
        buffer.deallocate()
        bits.deallocate()
        sequences.deallocate()
        lengthSlot.deallocate()
        offsetSlot.deallocate()
    }

    /// The gzip header `libdeflate-gzip` writes: no flags, mtime 0, XFL 4 below level 2 and
    /// 2 from level 8, OS 255.
    public static func gzipHeader(level: Int) -> GzipHeader {
        GzipHeader(modificationTime: 0, operatingSystem: 255, extraFlags: level < 2 ? 4 : level >= 8 ? 2 : 0)
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.gzip) }
        append(input)
        while count - position >= Self.lookahead {
            compressBlock(end: count)
            try bits.flush(into: sink)
        }
        compact()
    }

    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        finished = true
        if !compressedAny && count <= passthroughSize {
            // libdeflate's deflate_compress_none: stored blocks (one empty one for no input).
            repeat {
                let length = min(65535, count - position)
                LibdeflateBlockWriter.writeStored(data: buffer + position, count: length, isFinal: true, bits: &bits)
                position += length
                try bits.flush(into: sink)
            } while position < count
        } else {
            while position < count {
                compressBlock(end: count)
                try bits.flush(into: sink)
            }
        }
        bits.alignToByte()
        try bits.flush(into: sink, force: true)
    }

    private func append(_ input: UnsafeRawBufferPointer) {
        guard input.count > 0 else { return }
        if count + input.count > capacity {
            let newCapacity = max(capacity * 2, count + input.count)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: buffer, count: count)
            buffer.deallocate()
            buffer = grown
            capacity = newCapacity
        }
        UnsafeMutableRawPointer(buffer + count).copyMemory(from: input.baseAddress!, byteCount: input.count)
        count += input.count
    }

    /// Drops input more than a window behind the next block once a few MiB have gathered,
    /// moving the match finders' bases with it (a whole number of windows, so their
    /// relative positions and chain slots stay put).
    private func compact() {
        let keepFrom = (position - LibdeflateMatching.windowSize) & ~(LibdeflateMatching.windowSize - 1)
        guard keepFrom >= 2 << 20 else { return }
        UnsafeMutableRawPointer(buffer).copyMemory(from: buffer + keepFrom, byteCount: count - keepFrom)
        count -= keepFrom
        position -= keepFrom
        chains?.base -= keepFrom
        table?.base -= keepFrom
    }

    /// One block from ``position``, the input ending at `end`.
    private func compressBlock(end: Int) {
        compressedAny = true
        let data = UnsafePointer(buffer)
        let start = position
        let blockEnd: Int
        switch level {
        case 1: blockEnd = fastestBlock(data, end: end)
        case 2...4: blockEnd = greedyBlock(data, end: end)
        default: blockEnd = lazyBlock(data, end: end, lazy2: level >= 8)
        }
        writer.flushBlock(
            data: data, start: start, length: blockEnd - start, sequences: sequences, isFinal: blockEnd == end,
            bits: &bits)
        position = blockEnd
    }

    // MARK: Choosing literals and matches

    private func beginSequences() {
        writer.resetFrequencies()
        sequences[0] = LibdeflateSequence()
    }

    /// Records a literal in the sequence at `index` (`deflate_choose_literal`).
    @inline(__always)
    private func chooseLiteral(_ literal: UInt8, observe: Bool, _ index: Int) {
        writer.frequencies[Int(literal)] &+= 1
        if observe { split.observeLiteral(literal) }
        sequences[index].literalCount &+= 1
    }

    /// Ends the sequence at `index` with a match and starts the next
    /// (`deflate_choose_match`).
    @inline(__always)
    private func chooseMatch(length: Int, offset: Int, observe: Bool, _ index: inout Int) {
        let slot = offsetSlot[offset]
        writer.frequencies[257 + Int(lengthSlot[length])] &+= 1
        writer.frequencies[288 + Int(slot)] &+= 1
        if observe { split.observeMatch(length: length) }
        sequences[index].length = UInt16(truncatingIfNeeded: length)
        sequences[index].offset = UInt16(truncatingIfNeeded: offset)
        sequences[index].offsetSlot = slot
        index += 1
        sequences[index] = LibdeflateSequence()
    }

    /// Shortens the longest and nice match lengths near the end of the input
    /// (`adjust_max_and_nice_len`).
    @inline(__always)
    private static func adjustLengths(remaining: Int, _ maximumLength: inout Int, _ niceLength: inout Int) {
        if remaining < 258 {
            maximumLength = remaining
            niceLength = min(niceLength, maximumLength)
        }
    }

    private func maximumBlockEnd(start: Int, end: Int, softMaximum: Int) -> Int {
        end - start < softMaximum + Self.minimumBlockLength ? end : start + softMaximum
    }

    // MARK: Parsers

    /// `deflate_compress_fastest`'s block: greedy over the hash table, no split statistics.
    private func fastestBlock(_ data: UnsafePointer<UInt8>, end: Int) -> Int {
        let table = self.table!
        let blockEnd = maximumBlockEnd(start: position, end: end, softMaximum: Self.fastSoftMaximumBlockLength)
        var maximumLength = self.maximumLength
        var niceLength = self.niceLength
        defer {
            self.maximumLength = maximumLength
            self.niceLength = niceLength
        }
        var current = position
        var index = 0
        beginSequences()
        repeat {
            let remaining = end - current
            if remaining < 258 {
                maximumLength = remaining
                if maximumLength < 5 {
                    while current < end {
                        chooseLiteral(data[current], observe: false, index)
                        current += 1
                    }
                    break
                }
                niceLength = min(niceLength, maximumLength)
            }
            let (length, offset) = table.longestMatch(
                data, at: current, maximumLength: maximumLength, niceLength: niceLength)
            if length > 0 {
                chooseMatch(length: length, offset: offset, observe: false, &index)
                table.skip(data, from: current + 1, end: end, count: length - 1)
                current += length
            } else {
                chooseLiteral(data[current], observe: false, index)
                current += 1
            }
        } while current < blockEnd && index < Self.fastSequenceStoreLength
        return current
    }

    /// `deflate_compress_greedy`'s block.
    private func greedyBlock(_ data: UnsafePointer<UInt8>, end: Int) -> Int {
        let chains = self.chains!
        let split = self.split
        let depth = searchDepth
        let blockStart = position
        let blockEnd = maximumBlockEnd(start: position, end: end, softMaximum: Self.softMaximumBlockLength)
        var maximumLength = self.maximumLength
        var niceLength = self.niceLength
        defer {
            self.maximumLength = maximumLength
            self.niceLength = niceLength
        }
        var current = position
        var index = 0
        split.reset()
        beginSequences()
        let minimumLength = Self.minimumMatchLength(
            data + current, count: min(blockEnd - current, 4096), searchDepth: depth)
        repeat {
            Self.adjustLengths(remaining: end - current, &maximumLength, &niceLength)
            let (length, offset) = chains.longestMatch(
                data, at: current, bestLength: minimumLength - 1, maximumLength: maximumLength,
                niceLength: niceLength, depth: depth)
            if length >= minimumLength && (length > 3 || offset <= 4096) {
                chooseMatch(length: length, offset: offset, observe: true, &index)
                chains.skip(data, from: current + 1, end: end, count: length - 1)
                current += length
            } else {
                chooseLiteral(data[current], observe: true, index)
                current += 1
            }
        } while current < blockEnd && index < Self.sequenceStoreLength
            && !split.shouldEndBlock(blockStart: blockStart, current: current, end: end)
        return current
    }

    /// `deflate_compress_lazy_generic`'s block: a match is taken only when the next position
    /// (and with `lazy2` the one after) has no clearly better one.
    private func lazyBlock(_ data: UnsafePointer<UInt8>, end: Int, lazy2: Bool) -> Int {
        let chains = self.chains!
        let split = self.split
        let depth = searchDepth
        let blockStart = position
        let blockEnd = maximumBlockEnd(start: position, end: end, softMaximum: Self.softMaximumBlockLength)
        var maximumLength = self.maximumLength
        var niceLength = self.niceLength
        defer {
            self.maximumLength = maximumLength
            self.niceLength = niceLength
        }
        var current = position
        var index = 0
        var nextRecalculation = current + min(end - current, 10000)
        split.reset()
        beginSequences()
        var minimumLength = Self.minimumMatchLength(
            data + current, count: min(blockEnd - current, 4096), searchDepth: depth)
        repeat {
            if current >= nextRecalculation {
                minimumLength = recalculatedMinimumMatchLength()
                nextRecalculation += min(end - nextRecalculation, current - blockStart)
            }
            Self.adjustLengths(remaining: end - current, &maximumLength, &niceLength)
            var (length, offset) = chains.longestMatch(
                data, at: current, bestLength: minimumLength - 1, maximumLength: maximumLength,
                niceLength: niceLength, depth: depth)
            if length < minimumLength || (length == 3 && offset > 8192) {
                chooseLiteral(data[current], observe: true, index)
                current += 1
                continue
            }
            current += 1
            while true {
                if length >= niceLength {
                    chooseMatch(length: length, offset: offset, observe: true, &index)
                    chains.skip(data, from: current, end: end, count: length - 1)
                    current += length - 1
                    break
                }
                Self.adjustLengths(remaining: end - current, &maximumLength, &niceLength)
                let next = chains.longestMatch(
                    data, at: current, bestLength: length - 1, maximumLength: maximumLength,
                    niceLength: niceLength, depth: depth >> 1)
                current += 1
                if next.length >= length
                    && 4 * (next.length - length) + (Self.log2(offset) - Self.log2(next.offset)) > 2
                {
                    chooseLiteral(data[current - 2], observe: true, index)
                    (length, offset) = next
                    continue
                }
                if lazy2 {
                    Self.adjustLengths(remaining: end - current, &maximumLength, &niceLength)
                    let second = chains.longestMatch(
                        data, at: current, bestLength: length - 1, maximumLength: maximumLength,
                        niceLength: niceLength, depth: depth >> 2)
                    current += 1
                    if second.length >= length
                        && 4 * (second.length - length) + (Self.log2(offset) - Self.log2(second.offset)) > 6
                    {
                        chooseLiteral(data[current - 3], observe: true, index)
                        chooseLiteral(data[current - 2], observe: true, index)
                        (length, offset) = second
                        continue
                    }
                    chooseMatch(length: length, offset: offset, observe: true, &index)
                    if length > 3 {
                        chains.skip(data, from: current, end: end, count: length - 3)
                        current += length - 3
                    }
                } else {
                    chooseMatch(length: length, offset: offset, observe: true, &index)
                    chains.skip(data, from: current, end: end, count: length - 2)
                    current += length - 2
                }
                break
            }
        } while current < blockEnd && index < Self.sequenceStoreLength
            && !split.shouldEndBlock(blockStart: blockStart, current: current, end: end)
        return current
    }

    @inline(__always)
    private static func log2(_ value: Int) -> Int { 31 - UInt32(truncatingIfNeeded: value).leadingZeroBitCount }

    // MARK: Minimum match length

    /// libdeflate's `choose_min_match_len`: longer minimum matches when few distinct literals
    /// are used (literals are then cheap), capped for shallow searches.
    private static let minimumLengths: [Int] =
        [9, 9, 9, 9, 9, 9, 8, 8, 7, 7, 6, 6, 6, 6, 6, 6] + [Int](repeating: 5, count: 29)

    private static func minimumMatchLength(usedLiterals: Int, searchDepth: Int) -> Int {
        guard usedLiterals < 80 else { return 3 }
        var length = usedLiterals < minimumLengths.count ? minimumLengths[usedLiterals] : 4
        if searchDepth < 16 {
            length = min(length, searchDepth < 5 ? 4 : searchDepth < 10 ? 5 : 7)
        }
        return length
    }

    /// `calculate_min_match_len`: from the distinct bytes among the block's first 4 KiB.
    private static func minimumMatchLength(_ data: UnsafePointer<UInt8>, count: Int, searchDepth: Int) -> Int {
        var used = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        for index in 0..<count {
            let byte = Int(data[index])
            let bit = UInt64(1) << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: used.0 |= bit
            case 1: used.1 |= bit
            case 2: used.2 |= bit
            default: used.3 |= bit
            }
        }
        let distinct =
            used.0.nonzeroBitCount + used.1.nonzeroBitCount + used.2.nonzeroBitCount + used.3.nonzeroBitCount
        return minimumMatchLength(usedLiterals: distinct, searchDepth: searchDepth)
    }

    /// `recalculate_min_match_len`: from the literals chosen so far in the block, ignoring
    /// those used at most 1/1024 as often as all literals together.
    private func recalculatedMinimumMatchLength() -> Int {
        let frequencies = writer.frequencies
        var total: UInt32 = 0
        for literal in 0..<256 { total &+= frequencies[literal] }
        let cutoff = total >> 10
        var used = 0
        for literal in 0..<256 where frequencies[literal] > cutoff { used += 1 }
        return Self.minimumMatchLength(usedLiterals: used, searchDepth: searchDepth)
    }
}
