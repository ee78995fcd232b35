/// Level 1 (BestSpeed) of Go's compress/flate since Go 1.7 (`deflatefast.go`): a Snappy-style
/// matcher over blocks of 65535 bytes, with a 16384-entry table of (4 bytes, position) and
/// matches into the previous block (cross-block matching since Go 1.8).
///
/// Positions are kept as Go keeps them, in a 32-bit counter that advances by each block's
/// size (and by 32768 on a reset) and is shifted down before it could overflow, since which
/// old table entries still look in reach depends on it.
struct GoFastCompressor {
    static let tableBits = 14
    static let tableSize = 1 << tableBits
    static let maxMatchOffset = 1 << 15
    static let maxStoreBlockSize = 65535
    static let bufferReset = Int(Int32.max) - maxStoreBlockSize * 2
    static let inputMargin = 16 - 1
    static let minNonLiteralBlockSize = 1 + 1 + inputMargin

    private let tableValues: UnsafeMutablePointer<UInt32>
    private let tableOffsets: UnsafeMutablePointer<Int32>
    /// The previous block, for matches that reach back into it.
    private let previous: UnsafeMutablePointer<UInt8>
    private var previousCount = 0
    private var current = maxStoreBlockSize

    init() {
        tableValues = .allocate(capacity: Self.tableSize)
        tableValues.initialize(repeating: 0, count: Self.tableSize)
        tableOffsets = .allocate(capacity: Self.tableSize)
        tableOffsets.initialize(repeating: 0, count: Self.tableSize)
        previous = .allocate(capacity: Self.maxStoreBlockSize)
    }

    func deallocate() {
        tableValues.deallocate(); tableOffsets.deallocate(); previous.deallocate()
    }

    @inline(__always)
    private static func load32(_ p: UnsafePointer<UInt8>, _ i: Int) -> UInt32 {
        UInt32(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt32.self))
    }

    @inline(__always)
    private static func hash(_ value: UInt32) -> Int {
        Int((value &* 0x1e35_a7bd) >> UInt32(32 - tableBits))
    }

    @inline(__always)
    private func entry(_ slot: Int) -> (value: UInt32, offset: Int) {
        (tableValues[slot], Int(tableOffsets[slot]))
    }

    @inline(__always)
    private func setEntry(_ slot: Int, value: UInt32, offset: Int) {
        tableValues[slot] = value
        tableOffsets[slot] = Int32(truncatingIfNeeded: offset)
    }

    /// Tokens for one block `source` (at most 65535 bytes) into `tokens`; returns their count.
    mutating func encode(_ source: UnsafeBufferPointer<UInt8>, into tokens: UnsafeMutablePointer<UInt32>) -> Int {
        if current >= Self.bufferReset { shiftOffsets() }
        let src = source.baseAddress!
        let count = source.count
        var emitted = 0
        func literals(_ from: Int, _ to: Int) {
            for position in from..<to {
                tokens[emitted] = GoFlateToken.literal(src[position])
                emitted += 1
            }
        }
        if count < Self.minNonLiteralBlockSize {
            current += Self.maxStoreBlockSize
            previousCount = 0
            literals(0, count)
            return emitted
        }
        let sLimit = count - Self.inputMargin
        var nextEmit = 0
        var s = 0
        var cv = Self.load32(src, s)
        var nextHash = Self.hash(cv)
        outer: while true {
            var skip = 32
            var nextS = s
            var candidate: (value: UInt32, offset: Int) = (0, 0)
            while true {
                s = nextS
                let step = skip >> 5
                nextS = s + step
                skip += step
                if nextS > sLimit { break outer }
                candidate = entry(nextHash)
                let now = Self.load32(src, nextS)
                setEntry(nextHash, value: cv, offset: s + current)
                nextHash = Self.hash(now)
                if s - (candidate.offset - current) > Self.maxMatchOffset || cv != candidate.value {
                    cv = now
                    continue
                }
                break
            }
            literals(nextEmit, s)
            while true {
                // A 4-byte match at s: extend it, emit it, and see whether another follows.
                s += 4
                let t = candidate.offset - current + 4
                let extra = matchLength(s, t, src, count)
                tokens[emitted] = GoFlateToken.match(length: extra + 4, distance: s - t)
                emitted += 1
                s += extra
                nextEmit = s
                if s >= sLimit { break outer }
                let word = UInt64(littleEndian: UnsafeRawPointer(src + s - 1).loadUnaligned(as: UInt64.self))
                setEntry(
                    Self.hash(UInt32(truncatingIfNeeded: word)), value: UInt32(truncatingIfNeeded: word),
                    offset: current + s - 1)
                let atS = UInt32(truncatingIfNeeded: word >> 8)
                let slot = Self.hash(atS)
                candidate = entry(slot)
                setEntry(slot, value: atS, offset: current + s)
                if s - (candidate.offset - current) > Self.maxMatchOffset || atS != candidate.value {
                    cv = UInt32(truncatingIfNeeded: word >> 16)
                    nextHash = Self.hash(cv)
                    s += 1
                    break
                }
            }
        }
        if nextEmit < count { literals(nextEmit, count) }
        current += count
        previousCount = count
        previous.update(from: src, count: count)
        return emitted
    }

    /// How far the match at `s` (in the block) against `t` (in the block, or before it in
    /// the previous block when negative) goes on, at most to 258 in all.
    private func matchLength(_ s: Int, _ t: Int, _ src: UnsafePointer<UInt8>, _ count: Int) -> Int {
        let end = min(s + GoHashChainCompressor.maxMatch - 4, count)
        if t >= 0 {
            var n = 0
            while s + n < end && src[s + n] == src[t + n] { n += 1 }
            return n
        }
        let start = previousCount + t
        if start < 0 { return 0 }
        let available = min(previousCount - start, end - s)
        var n = 0
        while n < available {
            if src[s + n] != previous[start + n] { return n }
            n += 1
        }
        if s + n == end { return n }
        // The match ran to the end of the previous block: it goes on at the block's start.
        var more = 0
        while s + n + more < end && src[s + n + more] == src[more] { more += 1 }
        return n + more
    }

    /// Forgets the history so that no match reaches before the next block.
    mutating func reset() {
        previousCount = 0
        current += Self.maxMatchOffset
        if current >= Self.bufferReset { shiftOffsets() }
    }

    /// Moves every position down so that the counter restarts at 32769, keeping what is still
    /// in reach (Go's fix for its 2 GiB wrap-around, Go 1.15.3 and later).
    private mutating func shiftOffsets() {
        if previousCount == 0 {
            tableValues.update(repeating: 0, count: Self.tableSize)
            tableOffsets.update(repeating: 0, count: Self.tableSize)
        } else {
            for slot in 0..<Self.tableSize {
                tableOffsets[slot] = Int32(max(0, Int(tableOffsets[slot]) - current + Self.maxMatchOffset + 1))
            }
        }
        current = Self.maxMatchOffset + 1
    }
}
