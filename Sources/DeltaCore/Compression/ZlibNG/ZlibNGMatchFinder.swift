/// The string-matching half of zlib-ng's deflate (2.3.3's `deflate.c`, `insert_string*.c` and
/// `match_tpl.h`), with zlib-ng's own data structures so that every read it makes, even past
/// the valid input, sees the same bytes: a 64 KiB window slid by 32 KiB, 16-bit `head` and
/// `prev` tables, and the two hashes zlib-ng picks by level.
///
/// - Levels 1 to 8: a 16-bit hash of 4 bytes, by generation (``Hash``): multiplicative
///   (`val * 2654435761 >> 16`) or 2.1's CRC32-C on x86-64.
/// - Level 9 (chain > 1024), 2.1 and later: zlib's rolling 15-bit hash of 3 bytes, and
///   `longest_match_slow`, which jumps to the rarest hash chain of the strings inside the match
///   in hand (2.0: the 4-byte hash and `longest_match`).
///
/// zlib-ng has CPU-specific versions of `compare256` and `longest_match` (SSE2, AVX2, AVX-512,
/// NEON…) that all compute the same lengths; the hash has only the portable form in 2.2 and 2.3.
final class ZlibNGMatchFinder {
    /// How levels 1 to 8 hash the 4 bytes at a position into 16 bits.
    enum Hash {
        /// `insert_string.c`: the low 16 bits dropped from `val * 2654435761`.
        case multiplicative
        /// 2.1's `insert_string_sse42.c`: the SSE4.2 `crc32` instruction (CRC32-C, no
        /// pre- or post-inversion) of the little-endian `val` from 0, low 16 bits.
        case crc32c

        /// The CRC32-C (Castagnoli, reflected polynomial 0x82F63B78) table, one byte a step.
        private static let crc32cTable: [UInt32] = (0..<256).map { byte in
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            return crc
        }

        /// The 16-bit hash of the 4 bytes `value` holds (little-endian, as zlib-ng loads them).
        @inline(__always)
        func bucket(_ value: UInt32) -> Int {
            switch self {
            case .multiplicative:
                return Int((value &* 2_654_435_761) >> 16)
            case .crc32c:
                var crc: UInt32 = 0
                Self.crc32cTable.withUnsafeBufferPointer { table in
                    var remaining = value
                    for _ in 0..<4 {
                        crc = table[Int((crc ^ remaining) & 0xff)] ^ (crc >> 8)
                        remaining >>= 8
                    }
                }
                return Int(crc & 0xffff)
            }
        }
    }

    static let wSize = 1 << 15
    static let wMask = wSize - 1
    static let windowSize = 2 * wSize
    static let minMatch = 3
    static let maxMatch = 258
    static let minLookahead = maxMatch + minMatch + 1
    static let maxDist = wSize - minLookahead
    static let hashSize = 1 << 16
    /// Room after the window for 8-byte reads past its end (zlib-ng pads the window too).
    static let windowPadding = 512

    let level: Int
    let goodMatch: Int
    let maxLazyMatch: Int
    let niceMatch: Int
    let maxChainLength: Int
    /// Level 9's rolling hash and `longest_match_slow`.
    let rolling: Bool
    /// The hash of levels 1 to 8.
    let hashing: Hash
    /// The shortest match the strategies emit (except `deflate_slow`'s): `WANT_MIN_MATCH`.
    let minimumMatch: Int
    /// The length `longest_match` must beat when there is no previous match.
    let matchSearchFloor: Int
    /// Whether `longest_match` returns at a match that just reaches the end of the input.
    let stopsAtMatchReachingInputEnd: Bool

    let window: UnsafeMutablePointer<UInt8>
    let prev: UnsafeMutablePointer<UInt16>
    let head: UnsafeMutablePointer<UInt16>

    @exclusivity(unchecked) var strstart = 0
    @exclusivity(unchecked) var blockStart = 0
    @exclusivity(unchecked) var lookahead = 0
    @exclusivity(unchecked) var insert = 0
    @exclusivity(unchecked) var prevLength = 0
    @exclusivity(unchecked) var matchStart = 0
    @exclusivity(unchecked) var insH: UInt32 = 0
    @exclusivity(unchecked) var highWater = 0

    init(level: Int, generation: ZlibNGGeneration) {
        self.level = level
        hashing = generation.hash
        minimumMatch = generation.minimumMatch
        matchSearchFloor = generation.matchSearchFloor
        stopsAtMatchReachingInputEnd = generation.stopsAtMatchReachingInputEnd
        prevLength = generation.initialPreviousLength
        (goodMatch, maxLazyMatch, niceMatch, maxChainLength) = generation.configuration(level: level)
        rolling = generation.hasRollingHash && maxChainLength > 1024
        let windowBytes = Self.windowSize + Self.windowPadding
        window = .allocate(capacity: windowBytes)
        window.initialize(repeating: 0, count: windowBytes)
        prev = .allocate(capacity: Self.wSize)
        prev.initialize(repeating: 0, count: Self.wSize)
        head = .allocate(capacity: Self.hashSize)
        head.initialize(repeating: 0, count: Self.hashSize)
    }

    deinit {
        window.deallocate(); prev.deallocate(); head.deallocate()
    }

    // MARK: Hashing

    /// `update_hash_roll`: one step of the rolling hash.
    @inline(__always)
    static func rollHash(_ h: UInt32, _ byte: UInt8) -> UInt32 { ((h << 5) ^ UInt32(byte)) & 0x7fff }

    /// The 4-byte hash of levels 1 to 8.
    @inline(__always)
    private func fourByteHash(_ position: Int) -> Int {
        hashing.bucket(UInt32(littleEndian: UnsafeRawPointer(window + position).loadUnaligned(as: UInt32.self)))
    }

    @inline(__always)
    private func hash(_ position: Int) -> Int {
        if rolling {
            insH = Self.rollHash(insH, window[position + 2])
            return Int(insH)
        }
        return fourByteHash(position)
    }

    /// `quick_insert_string`: inserts one position and returns the chain head it replaced.
    @inline(__always)
    @discardableResult
    func quickInsert(_ position: Int) -> Int {
        let h = hash(position)
        let previous = head[h]
        if Int(previous) != position {
            prev[position & Self.wMask] = previous
            head[h] = UInt16(truncatingIfNeeded: position)
        }
        return Int(previous)
    }

    /// `insert_string`: inserts `count` consecutive positions.
    @inline(__always)
    func insertStrings(_ position: Int, _ count: Int) {
        var index = position
        let end = position + count
        while index < end {
            let h = hash(index)
            let previous = head[h]
            if Int(previous) != index & 0xffff {
                prev[index & Self.wMask] = previous
                head[h] = UInt16(truncatingIfNeeded: index)
            }
            index += 1
        }
    }

    // MARK: fill_window

    /// zlib-ng's `fill_window`: slides the window when `strstart` reaches `wSize + maxDist`,
    /// reads what input there is (at most the free room), and hashes the positions it owes.
    func fillWindow(_ input: inout ZlibNGInput) {
        repeat {
            var more = Self.windowSize - lookahead - strstart
            if strstart >= Self.wSize + Self.maxDist {
                (window).update(from: window + Self.wSize, count: Self.wSize)
                if matchStart >= Self.wSize {
                    matchStart -= Self.wSize
                } else {
                    matchStart = 0
                    prevLength = 0
                }
                strstart -= Self.wSize
                blockStart -= Self.wSize
                if insert > strstart { insert = strstart }
                slideHash()
                more += Self.wSize
            }
            if input.available == 0 { break }
            let n = input.read(into: window + strstart + lookahead, max: more)
            lookahead += n
            if lookahead + insert >= Self.minMatch {
                let str = strstart - insert
                if rolling {
                    insH = Self.rollHash(UInt32(window[str]), window[str + 1])
                } else if str >= 1 {
                    quickInsert(str + 2 - Self.minMatch)
                }
                var count = insert
                if lookahead == 1 { count -= 1 }
                if count > 0 {
                    insertStrings(str, count)
                    insert -= count
                }
            }
        } while lookahead < Self.minLookahead && input.available != 0
        // zlib-ng zeroes the bytes after the data it has never written (WIN_INIT): reads
        // past the input see zeros there and stale window bytes elsewhere, as here.
        if highWater < Self.windowSize {
            let current = strstart + lookahead
            if highWater < current {
                let count = min(Self.windowSize - current, Self.maxMatch)
                (window + current).update(repeating: 0, count: count)
                highWater = current + count
            } else if highWater < current + Self.maxMatch {
                let count = min(current + Self.maxMatch - highWater, Self.windowSize - highWater)
                (window + highWater).update(repeating: 0, count: count)
                highWater += count
            }
        }
    }

    private func slideHash() {
        let w = UInt16(Self.wSize)
        for index in 0..<Self.hashSize {
            let m = head[index]
            head[index] = m >= w ? m - w : 0
        }
        for index in 0..<Self.wSize {
            let m = prev[index]
            prev[index] = m >= w ? m - w : 0
        }
    }

    // MARK: longest_match

    @inline(__always)
    private func compare256(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>) -> Int {
        var length = 0
        while length < 256 {
            let x = UnsafeRawPointer(a + length).loadUnaligned(as: UInt64.self)
            let y = UnsafeRawPointer(b + length).loadUnaligned(as: UInt64.self)
            let difference = x ^ y
            if difference != 0 {
                return min(256, length + UInt64(littleEndian: difference).trailingZeroBitCount >> 3)
            }
            length += 8
        }
        return 256
    }

    @inline(__always)
    private func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        switch count {
        case 2:
            UnsafeRawPointer(a).loadUnaligned(as: UInt16.self) == UnsafeRawPointer(b).loadUnaligned(as: UInt16.self)
        case 4:
            UnsafeRawPointer(a).loadUnaligned(as: UInt32.self) == UnsafeRawPointer(b).loadUnaligned(as: UInt32.self)
        default:
            UnsafeRawPointer(a).loadUnaligned(as: UInt64.self) == UnsafeRawPointer(b).loadUnaligned(as: UInt64.self)
        }
    }

    @inline(__always)
    private static func readOffset(_ bestLength: Int) -> (offset: Int, width: Int) {
        if bestLength >= 8 { return (bestLength - 7, 8) }
        if bestLength >= 4 { return (bestLength - 3, 4) }
        return (bestLength - 1, 2)
    }

    /// zlib-ng's `longest_match` (levels 2 to 8) or `longest_match_slow` (level 9): the
    /// longest match at `strstart` longer than `prevLength` (2 when none), setting
    /// ``matchStart``; returns its length, or the best length so far when nothing beats it.
    func longestMatch(_ firstCandidate: Int) -> Int {
        let scan = UnsafePointer(window + strstart)
        var curMatch = firstCandidate
        var bestLength = prevLength != 0 ? prevLength : matchSearchFloor
        var (offset, width) = Self.readOffset(bestLength)
        var chainLength = maxChainLength
        if bestLength >= goodMatch { chainLength >>= 2 }
        let limitBase = strstart > Self.maxDist ? strstart - Self.maxDist : 0
        var limit = limitBase
        var matchOffset = 0
        let earlyExit = !rolling && level < 5
        if rolling && bestLength >= Self.minMatch {
            var h = Self.rollHash(0, scan[1])
            h = Self.rollHash(h, scan[2])
            for i in 3...bestLength {
                h = Self.rollHash(h, scan[i])
                let position = Int(head[Int(h)])
                if position < curMatch {
                    matchOffset = i - 2
                    curMatch = position
                }
            }
            limit = limitBase + matchOffset
            if curMatch <= limit { return min(bestLength, lookahead) }
        }
        // Candidates are compared at `window - matchOffset + curMatch`.
        outer: while true {
            if curMatch >= strstart { break }
            while true {
                let base = UnsafePointer(window + curMatch - matchOffset)
                if equal(base + offset, scan + offset, width) && equal(base, scan, width) { break }
                chainLength -= 1
                if chainLength == 0 { return bestLength }
                curMatch = Int(prev[curMatch & Self.wMask])
                if curMatch <= limit { return bestLength }
            }
            let base = UnsafePointer(window + curMatch - matchOffset)
            let length = compare256(scan + 2, base + 2) + 2
            if length > bestLength {
                let start = curMatch - matchOffset
                matchStart = start
                if length > lookahead || (stopsAtMatchReachingInputEnd && length == lookahead) { return lookahead }
                bestLength = length
                if bestLength >= niceMatch { return bestLength }
                (offset, width) = Self.readOffset(bestLength)
                if rolling && length > Self.minMatch && start + length < strstart {
                    // Look for a rarer chain among the strings inside the match.
                    curMatch -= matchOffset
                    matchOffset = 0
                    var nextPosition = curMatch
                    for i in 0...(length - Self.minMatch) {
                        let position = Int(prev[(curMatch + i) & Self.wMask])
                        if position < nextPosition {
                            if position <= limitBase + i { return min(bestLength, lookahead) }
                            nextPosition = position
                            matchOffset = i
                        }
                    }
                    curMatch = nextPosition
                    let end = scan + length - (Self.minMatch + 1)
                    var h = Self.rollHash(0, end[0])
                    h = Self.rollHash(h, end[1])
                    h = Self.rollHash(h, end[2])
                    let position = Int(head[Int(h)])
                    if position < curMatch {
                        matchOffset = length - (Self.minMatch + 1)
                        if position <= limitBase + matchOffset { return min(bestLength, lookahead) }
                        curMatch = position
                    }
                    limit = limitBase + matchOffset
                    continue outer
                }
            } else if earlyExit {
                break
            }
            chainLength -= 1
            if chainLength == 0 { return bestLength }
            curMatch = Int(prev[curMatch & Self.wMask])
            if curMatch <= limit { return bestLength }
        }
        return bestLength
    }

    /// `deflate_quick`'s choice at a position, given the one candidate its hash table held
    /// there, `distance` back: the length of the match it writes, or nil for a literal.
    /// `measure` gives the match length against the candidate, nil when the first two bytes
    /// differ (``quickMatchLength(at:candidate:)``); `lookahead` is the input left from the
    /// position. The emulation and the reconstruction's predictor (`ZlibNGQuickEmulation`)
    /// both decide through this.
    @inline(__always)
    static func quickChoice(distance: Int, lookahead: Int, minimumMatch: Int, measure: () -> Int?) -> Int? {
        guard distance <= maxDist && distance > 0, let length = measure(), length >= minimumMatch else { return nil }
        return min(length, lookahead, maxMatch)
    }

    /// The match length at `position` against `candidate` as zlib-ng's `deflate_quick`
    /// measures it (the first two bytes, then `compare256`), nil when the first two differ.
    func quickMatchLength(at position: Int, candidate: Int) -> Int? {
        let a = UnsafePointer(window + position), b = UnsafePointer(window + candidate)
        guard equal(a, b, 2) else { return nil }
        return compare256(a + 2, b + 2) + 2
    }
}

/// The input a deflate call has: zlib's `next_in`/`avail_in`.
struct ZlibNGInput {
    var bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var available: Int { bytes.count - position }

    /// Copies at most `max` bytes to `destination` and returns how many.
    mutating func read(into destination: UnsafeMutablePointer<UInt8>, max: Int) -> Int {
        let count = min(max, available)
        guard count > 0 else { return 0 }
        destination.update(from: bytes.baseAddress! + position, count: count)
        position += count
        return count
    }
}
