/// Shared pieces of libdeflate's match finders: its multiplicative hash, 32 KiB window of
/// 16-bit positions counted from a base that moves a window at a time, and match extension.
enum LibdeflateMatching {
    /// Positions further back than this are out of the window (libdeflate's largest offset
    /// is 32767).
    static let windowSize = 32768
    /// A table entry that is never in the window (`MATCHFINDER_INITVAL`).
    static let empty = Int16.min

    /// libdeflate's `lz_hash`.
    @inline(__always)
    static func hash(_ sequence: UInt32, bits: UInt32) -> Int {
        Int((sequence &* 0x1E35_A7BD) >> (32 - bits))
    }

    @inline(__always)
    static func load32(_ data: UnsafePointer<UInt8>, _ position: Int) -> UInt32 {
        UInt32(littleEndian: UnsafeRawPointer(data + position).loadUnaligned(as: UInt32.self))
    }

    /// How far the bytes at `position` and `match` agree, counting from `start` and stopping
    /// at `maximum` (`lz_extend`).
    @inline(__always)
    static func extend(_ data: UnsafePointer<UInt8>, _ position: Int, _ match: Int, from start: Int, maximum: Int)
        -> Int
    {
        var length = start
        while length + 8 <= maximum {
            let difference =
                UnsafeRawPointer(data + position + length).loadUnaligned(as: UInt64.self)
                ^ UnsafeRawPointer(data + match + length).loadUnaligned(as: UInt64.self)
            if difference != 0 { return length + UInt64(littleEndian: difference).trailingZeroBitCount >> 3 }
            length += 8
        }
        while length < maximum && data[position + length] == data[match + length] { length += 1 }
        return length
    }

    /// `matchfinder_rebase`: the base moved a window forward; entries in the old window move
    /// back by one, older ones become empty.
    static func slide(_ table: UnsafeMutablePointer<Int16>, count: Int) {
        // libdeflate's branchless form: 0x8000 | (v & ~(v >> 15)).
        for index in 0..<count {
            let value = table[index]
            table[index] = empty | (value & ~(value >> 15))
        }
    }
}

/// libdeflate's hash-chain match finder (`hc_matchfinder`, levels 2 to 9): a table of the
/// latest position for each 3-byte hash, chains of positions for each 4-byte hash, and the
/// hashes of the next position computed one step ahead (both 0 before the first position,
/// as libdeflate starts them). Entries are 16-bit positions counted from ``base`` (a buffer
/// index), which moves a window forward when a position reaches the end of the window.
final class LibdeflateHashChains {
    private static let hash3Bits: UInt32 = 15
    private static let hash4Bits: UInt32 = 16
    private static let tableCount = 1 << hash3Bits + 1 << hash4Bits + LibdeflateMatching.windowSize
    /// hash3, then hash4, then the chain links, in one allocation (slid together).
    private let tables: UnsafeMutablePointer<Int16>
    private let hash3: UnsafeMutablePointer<Int16>
    private let hash4: UnsafeMutablePointer<Int16>
    private let next: UnsafeMutablePointer<Int16>
    /// The buffer index positions count from (libdeflate's `in_base`).
    var base = 0
    private var nextHash3 = 0
    private var nextHash4 = 0

    init() {
        tables = .allocate(capacity: Self.tableCount)
        tables.initialize(repeating: LibdeflateMatching.empty, count: Self.tableCount)
        hash3 = tables
        hash4 = tables + 1 << Self.hash3Bits
        next = hash4 + 1 << Self.hash4Bits
    }

    deinit { tables.deallocate() }

    /// Moves the base a window forward (libdeflate slides when a position reaches the end of
    /// the window).
    private func slide() {
        LibdeflateMatching.slide(tables, count: Self.tableCount)
        base += LibdeflateMatching.windowSize
    }

    /// `hc_matchfinder_longest_match`: inserts `position` and returns the longest match
    /// longer than `bestLength` among at most `depth` chain entries (the first such wins;
    /// `niceLength` or longer ends the search), or `bestLength` and offset 0 when none is.
    /// With `maximumLength` under 5 it neither inserts nor searches.
    @inline(__always)
    func longestMatch(
        _ data: UnsafePointer<UInt8>, at position: Int, bestLength: Int, maximumLength: Int, niceLength: Int,
        depth: Int
    ) -> (length: Int, offset: Int) {
        var bestLength = bestLength
        var current = position - base
        if current == LibdeflateMatching.windowSize {
            slide()
            current = 0
        }
        guard maximumLength >= 5 else { return (bestLength, 0) }
        let base = self.base
        let window = data + base
        var bestMatch = current
        let cutoff = current - LibdeflateMatching.windowSize
        let node3 = Int(hash3[nextHash3])
        var node4 = Int(hash4[nextHash4])
        hash3[nextHash3] = Int16(truncatingIfNeeded: current)
        hash4[nextHash4] = Int16(truncatingIfNeeded: current)
        next[current & (LibdeflateMatching.windowSize - 1)] = Int16(truncatingIfNeeded: node4)
        let following = LibdeflateMatching.load32(data, position + 1)
        nextHash3 = LibdeflateMatching.hash(following & 0xFF_FFFF, bits: Self.hash3Bits)
        nextHash4 = LibdeflateMatching.hash(following, bits: Self.hash4Bits)
        var depthLeft = depth
        search: do {
            if bestLength < 4 {
                if node3 <= cutoff { break search }
                let first4 = LibdeflateMatching.load32(data, position)
                if bestLength < 3 && LibdeflateMatching.load32(window, node3) & 0xFF_FFFF == first4 & 0xFF_FFFF {
                    bestLength = 3
                    bestMatch = node3
                }
                if node4 <= cutoff { break search }
                while LibdeflateMatching.load32(window, node4) != first4 {
                    node4 = Int(next[node4 & (LibdeflateMatching.windowSize - 1)])
                    depthLeft -= 1
                    if node4 <= cutoff || depthLeft == 0 { break search }
                }
                bestMatch = node4
                bestLength = LibdeflateMatching.extend(data, position, base + node4, from: 4, maximum: maximumLength)
                if bestLength >= niceLength { break search }
                node4 = Int(next[node4 & (LibdeflateMatching.windowSize - 1)])
                depthLeft -= 1
                if node4 <= cutoff || depthLeft == 0 { break search }
            } else if node4 <= cutoff || bestLength >= niceLength {
                break search
            }
            let first4 = LibdeflateMatching.load32(data, position)
            while true {
                if window[node4 + bestLength] == data[position + bestLength]
                    && LibdeflateMatching.load32(window, node4) == first4
                {
                    let length = LibdeflateMatching.extend(
                        data, position, base + node4, from: 4, maximum: maximumLength)
                    if length > bestLength {
                        bestLength = length
                        bestMatch = node4
                        if bestLength >= niceLength { break search }
                    }
                }
                node4 = Int(next[node4 & (LibdeflateMatching.windowSize - 1)])
                depthLeft -= 1
                if node4 <= cutoff || depthLeft == 0 { break search }
            }
        }
        return (bestLength, current - bestMatch)
    }

    /// `hc_matchfinder_skip_bytes`: inserts `count` positions from `position` without
    /// searching; nothing at all when fewer than `count + 5` bytes remain before `end`.
    @inline(__always)
    func skip(_ data: UnsafePointer<UInt8>, from position: Int, end: Int, count: Int) {
        guard count + 5 <= end - position else { return }
        var h3 = nextHash3
        var h4 = nextHash4
        var current = position - base
        for index in position..<(position + count) {
            if current == LibdeflateMatching.windowSize {
                slide()
                current = 0
            }
            hash3[h3] = Int16(truncatingIfNeeded: current)
            next[current & (LibdeflateMatching.windowSize - 1)] = hash4[h4]
            hash4[h4] = Int16(truncatingIfNeeded: current)
            let following = LibdeflateMatching.load32(data, index + 1)
            h3 = LibdeflateMatching.hash(following & 0xFF_FFFF, bits: Self.hash3Bits)
            h4 = LibdeflateMatching.hash(following, bits: Self.hash4Bits)
            current += 1
        }
        nextHash3 = h3
        nextHash4 = h4
    }
}

/// libdeflate's hash-table match finder for level 1 (`ht_matchfinder`): two positions per
/// 4-byte hash, no chains, the next position's hash computed one step ahead (0 first).
/// Entries are 16-bit positions counted from ``base``, as in ``LibdeflateHashChains`` (but
/// skipping slides as soon as a skip would cross the window's end, as libdeflate's does).
final class LibdeflateHashTable {
    private static let hashBits: UInt32 = 15
    private static let tableCount = 2 << hashBits
    /// Bucket `h` is entries `2h` (newest) and `2h + 1`.
    private let buckets: UnsafeMutablePointer<Int16>
    /// The buffer index positions count from (libdeflate's `in_base`).
    var base = 0
    private var nextHash = 0

    init() {
        buckets = .allocate(capacity: Self.tableCount)
        buckets.initialize(repeating: LibdeflateMatching.empty, count: Self.tableCount)
    }

    deinit { buckets.deallocate() }

    private func slide() {
        LibdeflateMatching.slide(buckets, count: Self.tableCount)
        base += LibdeflateMatching.windowSize
    }

    /// `ht_matchfinder_longest_match`: a match of 4 or more bytes from the bucket (the newer
    /// entry first; the older only when the newer matched and a longer match may be there),
    /// inserting `position`; length 0 when there is none. `maximumLength` is at least 5.
    @inline(__always)
    func longestMatch(_ data: UnsafePointer<UInt8>, at position: Int, maximumLength: Int, niceLength: Int) -> (
        length: Int, offset: Int
    ) {
        var current = position - base
        if current == LibdeflateMatching.windowSize {
            slide()
            current = 0
        }
        let base = self.base
        let window = data + base
        let cutoff = current - LibdeflateMatching.windowSize
        let bucket = buckets + 2 * nextHash
        nextHash = LibdeflateMatching.hash(LibdeflateMatching.load32(data, position + 1), bits: Self.hashBits)
        let first4 = LibdeflateMatching.load32(data, position)
        let newer = Int(bucket[0])
        bucket[0] = Int16(truncatingIfNeeded: current)
        if newer <= cutoff { return (0, 0) }
        let older = Int(bucket[1])
        bucket[1] = Int16(truncatingIfNeeded: newer)
        if LibdeflateMatching.load32(window, newer) == first4 {
            var bestLength = LibdeflateMatching.extend(data, position, base + newer, from: 4, maximum: maximumLength)
            var bestMatch = newer
            if older <= cutoff || bestLength >= niceLength { return (bestLength, current - bestMatch) }
            if LibdeflateMatching.load32(window, older) == first4
                && LibdeflateMatching.load32(window, older + bestLength - 3)
                    == LibdeflateMatching.load32(data, position + bestLength - 3)
            {
                let length = LibdeflateMatching.extend(data, position, base + older, from: 4, maximum: maximumLength)
                if length > bestLength {
                    bestLength = length
                    bestMatch = older
                }
            }
            return (bestLength, current - bestMatch)
        }
        if older <= cutoff { return (0, 0) }
        if LibdeflateMatching.load32(window, older) == first4 {
            return (
                LibdeflateMatching.extend(data, position, base + older, from: 4, maximum: maximumLength),
                current - older
            )
        }
        return (0, 0)
    }

    /// `ht_matchfinder_skip_bytes`: inserts `count` positions from `position`; nothing when
    /// fewer than `count + 5` bytes remain before `end`.
    @inline(__always)
    func skip(_ data: UnsafePointer<UInt8>, from position: Int, end: Int, count: Int) {
        guard count + 5 <= end - position else { return }
        var current = position - base
        if current + count - 1 >= LibdeflateMatching.windowSize {
            slide()
            current -= LibdeflateMatching.windowSize
        }
        var hash = nextHash
        for index in position..<(position + count) {
            let bucket = buckets + 2 * hash
            bucket[1] = bucket[0]
            bucket[0] = Int16(truncatingIfNeeded: current)
            hash = LibdeflateMatching.hash(LibdeflateMatching.load32(data, index + 1), bits: Self.hashBits)
            current += 1
        }
        nextHash = hash
    }
}
