/// Levels 2 to 9 of Go's compress/flate (`compressor.deflate` in `deflate.go`): a 64 KiB
/// window slid by 32 KiB, hash chains over 4-byte hashes (17 bits), matches of at least 4
/// bytes (length-4 matches only within 4096 bytes), lazy matching from level 4, and a block
/// every 16384 tokens.
///
/// Go's peculiarities, each of which shows in the output: the match search is always asked
/// to beat length 3 (not the previous match), so `good` never shortens the chain; levels 2
/// and 3 skip hashing inside matches longer than 5 or 6 bytes; the window slides when
/// the next fill finds the position at or past 65536 − 262, losing the history beyond the
/// slid-out half even where it is within 32 KiB; and a block's input can be stored only if
/// the block started after the last slide.
struct GoHashChainCompressor {
    static let windowSize = 1 << 15
    static let windowMask = windowSize - 1
    static let bufferSize = 2 * windowSize
    static let hashBits = 17
    static let hashMask = (1 << hashBits) - 1
    static let minMatch = 4
    static let maxMatch = 258
    /// The lookahead the loop keeps until the input ends.
    static let minLookahead = minMatch + maxMatch
    static let maxHashOffset = 1 << 24
    static let blockTokens = 1 << 14
    static let skipNever = Int(Int32.max)

    /// good, lazy, nice, chain and the hashing skip of Go's levels 2–9 (its `levels` table).
    static let levels: [Int: (good: Int, lazy: Int, nice: Int, chain: Int, skip: Int)] = [
        2: (4, 0, 16, 8, 5), 3: (4, 0, 32, 32, 6),
        4: (4, 4, 16, 16, skipNever), 5: (8, 16, 32, 32, skipNever), 6: (8, 16, 128, 128, skipNever),
        7: (8, 32, 128, 256, skipNever), 8: (32, 128, 258, 1024, skipNever), 9: (32, 258, 258, 4096, skipNever),
    ]

    let lazy: Int
    let nice: Int
    let chain: Int
    let skip: Int
    var lazyMatching: Bool { skip == Self.skipNever }

    let window: UnsafeMutablePointer<UInt8>
    let hashHead: UnsafeMutablePointer<UInt32>
    let hashPrev: UnsafeMutablePointer<UInt32>
    let tokens: UnsafeMutablePointer<UInt32>
    var tokenCount = 0

    /// Window positions are stored in the hash tables plus this offset (0 means none).
    var hashOffset = 1
    var chainHead = -1
    var index = 0
    var windowEnd = 0
    var blockStart = 0
    /// Whether `window[index - 1]` still waits to be emitted (lazy levels).
    var byteAvailable = false
    var length = minMatch - 1
    var offset = 0
    var maxInsertIndex = 0

    init(level: Int) {
        let setting = Self.levels[level]!
        lazy = setting.lazy
        nice = setting.nice
        chain = setting.chain
        skip = setting.skip
        window = .allocate(capacity: Self.bufferSize)
        hashHead = .allocate(capacity: 1 << Self.hashBits)
        hashHead.initialize(repeating: 0, count: 1 << Self.hashBits)
        hashPrev = .allocate(capacity: Self.windowSize)
        hashPrev.initialize(repeating: 0, count: Self.windowSize)
        tokens = .allocate(capacity: Self.blockTokens + 1)
    }

    func deallocate() {
        window.deallocate(); hashHead.deallocate(); hashPrev.deallocate(); tokens.deallocate()
    }

    /// Room the next fill has, counting the slide it would make first.
    var roomForFill: Int {
        index >= Self.bufferSize - Self.minLookahead
            ? Self.bufferSize - (windowEnd - Self.windowSize) : Self.bufferSize - windowEnd
    }

    /// Go's `fillDeflate`: slides the window if the position has reached its end, then copies
    /// as much pending input as fits.
    mutating func fill(from input: inout PendingInput) {
        if index >= Self.bufferSize - Self.minLookahead {
            window.update(from: window + Self.windowSize, count: Self.windowSize)
            index -= Self.windowSize
            windowEnd -= Self.windowSize
            blockStart = blockStart >= Self.windowSize ? blockStart - Self.windowSize : Int(Int32.max)
            hashOffset += Self.windowSize
            if hashOffset > Self.maxHashOffset {
                let delta = hashOffset - 1
                hashOffset -= delta
                chainHead -= delta
                for slot in 0..<Self.windowSize {
                    let value = Int(hashPrev[slot])
                    hashPrev[slot] = value > delta ? UInt32(value - delta) : 0
                }
                for slot in 0...Self.hashMask {
                    let value = Int(hashHead[slot])
                    hashHead[slot] = value > delta ? UInt32(value - delta) : 0
                }
            }
        }
        windowEnd += input.read(into: window + windowEnd, count: Self.bufferSize - windowEnd)
    }

    @inline(__always)
    private func hash(at position: Int) -> Int {
        let p = window + position
        let word = UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
        return Int((word &* 0x1e35_a7bd) >> UInt32(32 - Self.hashBits))
    }

    @inline(__always)
    private mutating func insert(at position: Int) {
        let slot = hash(at: position) & Self.hashMask
        hashPrev[position & Self.windowMask] = hashHead[slot]
        hashHead[slot] = UInt32(truncatingIfNeeded: position + hashOffset)
    }

    /// Bytes equal at `a` and `b`, at most `limit`.
    @inline(__always)
    private func matchLength(_ a: Int, _ b: Int, limit: Int) -> Int {
        var n = 0
        let pa = UnsafeRawPointer(window + a), pb = UnsafeRawPointer(window + b)
        while n + 8 <= limit {
            let difference =
                pa.loadUnaligned(fromByteOffset: n, as: UInt64.self)
                ^ pb.loadUnaligned(fromByteOffset: n, as: UInt64.self)
            if difference != 0 { return n + UInt64(littleEndian: difference).trailingZeroBitCount / 8 }
            n += 8
        }
        while n < limit && pa.load(fromByteOffset: n, as: UInt8.self) == pb.load(fromByteOffset: n, as: UInt8.self) {
            n += 1
        }
        return n
    }

    /// Go's `findMatch`: the longest match (over length 3) at `position` along the chain
    /// from `head`, looking at most `chain` candidates and stopping at `nice`.
    @inline(__always)
    private func findMatch(at position: Int, head: Int, lookahead: Int) -> (length: Int, offset: Int)? {
        let limit = min(Self.maxMatch, lookahead)
        let niceLength = min(nice, limit)
        var tries = chain
        var best = Self.minMatch - 1
        var found: (Int, Int)?
        var endByte = window[position + best]
        let minIndex = position - Self.windowSize
        var candidate = head
        while tries > 0 {
            if window[candidate + best] == endByte {
                let n = matchLength(candidate, position, limit: limit)
                if n > best && (n > Self.minMatch || position - candidate <= 4096) {
                    best = n
                    found = (n, position - candidate)
                    if n >= niceLength { break }
                    endByte = window[position + n]
                }
            }
            if candidate == minIndex { break }
            candidate = Int(hashPrev[candidate & Self.windowMask]) - hashOffset
            if candidate < minIndex || candidate < 0 { break }
            tries -= 1
        }
        return found
    }

    /// Go's `deflate` step: runs while the lookahead allows (to the end when `sync`),
    /// handing full blocks of tokens to `writer`.
    mutating func step(sync: Bool, writer: inout GoBlockWriter, sink: ChunkSink) throws {
        guard windowEnd - index >= Self.minLookahead || sync else { return }
        maxInsertIndex = windowEnd - (Self.minMatch - 1)
        while true {
            let lookahead = windowEnd - index
            if lookahead < Self.minLookahead {
                guard sync else { break }
                if lookahead == 0 {
                    if byteAvailable {
                        emit(GoFlateToken.literal(window[index - 1]))
                        byteAvailable = false
                    }
                    if tokenCount > 0 { try writeBlock(endingAt: index, writer: &writer, sink: sink) }
                    break
                }
            }
            if index < maxInsertIndex {
                let slot = hash(at: index) & Self.hashMask
                chainHead = Int(hashHead[slot])
                hashPrev[index & Self.windowMask] = UInt32(truncatingIfNeeded: chainHead)
                hashHead[slot] = UInt32(truncatingIfNeeded: index + hashOffset)
            }
            let prevLength = length
            let prevOffset = offset
            length = Self.minMatch - 1
            offset = 0
            let minIndex = max(index - Self.windowSize, 0)
            if chainHead - hashOffset >= minIndex
                && (lazyMatching ? lookahead > prevLength && prevLength < lazy : lookahead > Self.minMatch - 1),
                let match = findMatch(at: index, head: chainHead - hashOffset, lookahead: lookahead)
            {
                length = match.length
                offset = match.offset
            }
            let emitsMatch =
                lazyMatching ? prevLength >= Self.minMatch && length <= prevLength : length >= Self.minMatch
            if emitsMatch {
                if lazyMatching {
                    emit(GoFlateToken.match(length: prevLength, distance: prevOffset))
                } else {
                    emit(GoFlateToken.match(length: length, distance: offset))
                }
                if length <= skip {
                    // Hash every position the match covers (the first one or two already are).
                    let newIndex = lazyMatching ? index + prevLength - 1 : index + length
                    var position = index + 1
                    while position < newIndex {
                        if position < maxInsertIndex { insert(at: position) }
                        position += 1
                    }
                    index = position
                    if lazyMatching {
                        byteAvailable = false
                        length = Self.minMatch - 1
                    }
                } else {
                    index += length
                }
                if tokenCount == Self.blockTokens { try writeBlock(endingAt: index, writer: &writer, sink: sink) }
            } else {
                if !lazyMatching || byteAvailable {
                    let literalIndex = lazyMatching ? index - 1 : index
                    emit(GoFlateToken.literal(window[literalIndex]))
                    if tokenCount == Self.blockTokens {
                        try writeBlock(endingAt: literalIndex + 1, writer: &writer, sink: sink)
                    }
                }
                index += 1
                if lazyMatching { byteAvailable = true }
            }
        }
    }

    @inline(__always)
    private mutating func emit(_ token: UInt32) {
        tokens[tokenCount] = token
        tokenCount += 1
    }

    /// Go's `writeBlock`: the tokens so far as one block, with the window bytes they cover
    /// when those are still there (so that a stored block can be chosen).
    private mutating func writeBlock(endingAt end: Int, writer: inout GoBlockWriter, sink: ChunkSink) throws {
        if end > 0 {
            if blockStart <= end {
                writer.writeBlock(
                    tokens: tokens, count: tokenCount,
                    input: UnsafeBufferPointer(start: window + blockStart, count: end - blockStart))
            } else {
                writer.writeBlock(tokens: tokens, count: tokenCount, input: nil)
            }
            blockStart = end
            try writer.bits.flush(into: sink)
        }
        tokenCount = 0
    }
}
