/// A suffix array over one stretch of the old file (of every position, or a sparse one of
/// the even positions), with a table of where each two-byte prefix's suffixes start (to skip
/// most of the binary search).
///
/// The differ may index the old file as two halves built on two threads; a match is then
/// the better of the two halves' answers.
struct SuffixIndex {
    /// The first byte of the indexed stretch.
    let old: UnsafePointer<UInt8>
    let oldCount: Int
    /// Where the stretch starts in the old file.
    let base: Int
    let index: SuffixArray
    /// Where each two-byte prefix's run of suffixes starts (65,537 entries).
    let prefixStarts: UnsafeMutablePointer<Int32>
    /// How many suffix-array neighbours of a longest match to compare for nearness.
    var tieSearch = 32

    init(old: UnsafeRawBufferPointer, base: Int, index: SuffixArray) {
        self.old = old.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        self.oldCount = old.count
        self.base = base
        self.index = index
        prefixStarts = .allocate(capacity: 65_537)
        // Keys never decrease along the array, so each key's run starts after all smaller keys:
        // counting keys in text order gives the table without touching the array (whose
        // random-order reads of the text cost a cache miss each). Entry 0 is the empty suffix;
        // a one-byte suffix sorts with key (byte, 0), before the longer ones sharing it.
        prefixStarts.initialize(repeating: 0, count: 65_537)
        for position in stride(from: 0, to: oldCount, by: index.step) {
            prefixStarts[Self.key(at: position, old: self.old, count: oldCount) + 1] += 1
        }
        prefixStarts[0] = 1
        for key in 0..<65_536 { prefixStarts[key + 1] += prefixStarts[key] }
    }

    func free() { prefixStarts.deallocate() }

    /// The length of the common prefix of `a` and `b`, at most `limit`, known equal up to `start`.
    @inline(__always)
    static func commonPrefix(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, from start: Int, limit: Int) -> Int {
        var length = start
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        while length + 8 <= limit {
            let x = rawA.loadUnaligned(fromByteOffset: length, as: UInt64.self)
            let y = rawB.loadUnaligned(fromByteOffset: length, as: UInt64.self)
            if x != y { return length + ((x ^ y).littleEndian.trailingZeroBitCount >> 3) }
            length += 8
        }
        while length < limit && a[length] == b[length] { length += 1 }
        return length
    }

    @inline(__always)
    static func key(at position: Int, old: UnsafePointer<UInt8>, count: Int) -> Int {
        let high = Int(old[position]) << 8
        return position + 1 < count ? high | Int(old[position + 1]) : high
    }

    /// The longest match in the old file for `pattern[0..<count]`: (old position, length).
    ///
    /// Among the old positions with that longest match, the one nearest `near` wins (looking at
    /// up to ``tieSearch`` neighbours in the suffix array each way): a short move costs fewer
    /// command bytes than a far one, and often continues a run of nearby matches. Only with
    /// `refine`: the differ asks for it only for a match it is about to take.
    func longestMatch(_ pattern: UnsafePointer<UInt8>, count: Int, near absoluteNear: Int, refine: Bool) -> (
        position: Int, length: Int
    ) {
        let near = absoluteNear - base
        guard oldCount > 0, count > 0 else { return (base, 0) }
        var low: Int, high: Int
        if count >= 2 {
            let key = Int(pattern[0]) << 8 | Int(pattern[1])
            low = Int(prefixStarts[key])
            high = Int(prefixStarts[key + 1]) - 1
            if low > high {
                // No two-byte match: settle for a one-byte one, which is never worth a cover.
                return (base, 0)
            }
        } else {
            low = 1
            high = index.count
        }
        let positions = index.positions
        var lowLength = Self.commonPrefix(
            old + Int(positions[low]), pattern, from: 0, limit: min(count, oldCount - Int(positions[low])))
        var highLength = Self.commonPrefix(
            old + Int(positions[high]), pattern, from: 0, limit: min(count, oldCount - Int(positions[high])))
        while high - low >= 2 {
            let middle = low + (high - low) / 2
            let position = Int(positions[middle])
            let available = oldCount - position
            let limit = min(count, available)
            let known = min(lowLength, highLength)
            let length = Self.commonPrefix(old + position, pattern, from: known, limit: limit)
            // The suffix sorts before the pattern if it is a proper prefix of it or smaller at the first difference.
            let suffixIsSmaller = length < limit ? old[position + length] < pattern[length] : available < count
            if suffixIsSmaller {
                low = middle
                lowLength = length
            } else {
                high = middle
                highLength = length
            }
        }
        let (bestSlot, bestLength) = lowLength > highLength ? (low, lowLength) : (high, highLength)
        var bestPosition = Int(positions[bestSlot])
        // Long matches are rare to tie and costly to compare; nearness matters for short ones.
        guard refine, tieSearch > 0, bestLength >= 4, bestLength <= 256 else {
            return (base + bestPosition, bestLength)
        }
        var bestDistance = (bestPosition - near).magnitude
        // Suffixes sharing the longest match sit next to each other in the array.
        for direction in [-1, 1] {
            var slot = bestSlot + direction
            var looked = 0
            while slot >= 1 && slot <= index.count && looked < tieSearch {
                let position = Int(positions[slot])
                let limit = min(bestLength, oldCount - position)
                guard limit == bestLength,
                    Self.commonPrefix(old + position, pattern, from: 0, limit: limit) == bestLength
                else { break }
                let distance = (position - near).magnitude
                if distance < bestDistance {
                    bestDistance = distance
                    bestPosition = position
                }
                slot += direction
                looked += 1
            }
        }
        return (base + bestPosition, bestLength)
    }
}
