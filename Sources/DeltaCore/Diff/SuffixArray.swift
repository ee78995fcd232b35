internal import CCPUHints

#if canImport(Glibc)
import Glibc
#endif

/// The sorted suffixes of a byte string, built by SA-IS (Nong, Zhang and Chan, 2009).
///
/// SA-IS runs in linear time and, apart from the array itself (4 bytes a position), needs only
/// a bit per position and a few bucket tables: the reduced problem of each recursion level
/// lives inside the array being built. Entry 0 is always the empty suffix (position
/// `textCount`), so the sorted suffixes are entries `1...count`, as bsdiff's `I` array has them.
///
/// A sparse array sorts only the suffixes at even positions: it is the suffix array of the
/// text read two bytes a character, so it costs half the time and memory. A search then
/// finds a match that starts at an odd position one byte later, which the differ's backward
/// extension recovers.
///
/// Positions are 32-bit, so the text must be shorter than 2 GiB.
///
/// `@unchecked Sendable`: the positions are written only while the initialiser sorts, then
/// only read (by the differ's match-finding threads) until the array is freed.
public final class SuffixArray: @unchecked Sendable {
    /// The largest text this type can index.
    public static let maximumCount = Int(Int32.max) - 2

    /// The number of sorted suffixes (the array has `count + 1` entries).
    public let count: Int
    /// The length of the indexed text.
    public let textCount: Int
    /// The distance between indexed positions: 1, or 2 for a sparse array.
    public let step: Int
    /// `count + 1` positions: the suffixes starting there, in lexicographic order.
    let positions: UnsafeMutablePointer<Int32>

    /// Builds the suffix array of `text`, of every position or, when `sparse`, of the even ones.
    /// - Throws: ``DiffError/inputTooLarge(size:limit:)`` for texts of 2 GiB or more.
    public init(_ text: UnsafeRawBufferPointer, sparse: Bool = false) throws(DiffError) {
        guard text.count <= Self.maximumCount else {
            throw .inputTooLarge(size: UInt64(text.count), limit: UInt64(Self.maximumCount))
        }
        textCount = text.count
        step = sparse ? 2 : 1
        count = (textCount + step - 1) / step
        positions = .allocate(capacity: count + 1)
        if count > 0 {
            let bytes = text.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if sparse {
                // Two bytes a character (alphabet 0...257 × 257), with a virtual sentinel 0.
                SAIS.build(
                    TwoByteText(bytes: bytes, byteCount: textCount, count: count), into: positions, count: count + 1,
                    alphabetMax: TwoByteText.alphabetMax)
                for slot in 1...count { positions[slot] &*= 2 }
            } else {
                // The text with a virtual sentinel 0 at its end, bytes shifted up by one (alphabet 0...256).
                SAIS.build(ByteText(bytes: bytes, count: count), into: positions, count: count + 1, alphabetMax: 256)
            }
        }
        // The sentinel's slot: the empty suffix, at the text's end in bytes.
        positions[0] = Int32(textCount)
    }

    deinit { positions.deallocate() }

    /// The suffix array as an array of positions (for tests and inspection; copies).
    public var array: [Int] { (0...count).map { Int(positions[$0]) } }
}

/// A text SA-IS can read: a character at each position, smaller than or equal to the alphabet's maximum.
protocol SuffixSortText {
    func character(at index: Int) -> Int
    /// Whether the `length` characters from `first` equal those from `second`.
    func equal(_ first: Int, _ second: Int, length: Int) -> Bool
    /// Asks for the character at `index` to be brought into the cache.
    func prefetch(_ index: Int)
}

/// Bytes shifted up by one, with a virtual sentinel 0 after the last.
struct ByteText: SuffixSortText {
    let bytes: UnsafePointer<UInt8>
    let count: Int
    @inline(__always) func character(at index: Int) -> Int {
        index == count ? 0 : Int(bytes[index]) &+ 1
    }
    @inline(__always) func equal(_ first: Int, _ second: Int, length: Int) -> Bool {
        // Only the last LMS substring reaches the sentinel, and it is never equal to another.
        guard max(first, second) + length <= count else { return false }
        return memcmp(bytes + first, bytes + second, length) == 0
    }
    @inline(__always) func prefetch(_ index: Int) { cpu_prefetch_read(bytes + index) }
}

/// Pairs of bytes as one character, `(first + 1) × 257 + second + 1` (`second + 1` is 0 for
/// the odd last byte, which makes a shorter suffix sort first), with a virtual sentinel 0.
/// Comparing these characters compares the bytes, so the suffixes of this text sort as the
/// even suffixes of the bytes.
struct TwoByteText: SuffixSortText {
    static let alphabetMax = 257 * 257
    let bytes: UnsafePointer<UInt8>
    let byteCount: Int
    let count: Int
    @inline(__always) func character(at index: Int) -> Int {
        if index == count { return 0 }
        let first = index &* 2
        let high = (Int(bytes[first]) &+ 1) &* 257
        return first &+ 1 < byteCount ? high &+ Int(bytes[first &+ 1]) &+ 1 : high
    }
    @inline(__always) func equal(_ first: Int, _ second: Int, length: Int) -> Bool {
        // Characters within the last two bytes may be short ones: compare them one by one.
        guard (max(first, second) + length) * 2 <= byteCount else {
            return (0..<length).allSatisfy { character(at: first + $0) == character(at: second + $0) }
        }
        return memcmp(bytes + first * 2, bytes + second * 2, length * 2) == 0
    }
    @inline(__always) func prefetch(_ index: Int) { cpu_prefetch_read(bytes + index &* 2) }
}

/// A reduced string of names, stored inside the suffix array being built.
struct NameText: SuffixSortText {
    let names: UnsafePointer<Int32>
    @inline(__always) func character(at index: Int) -> Int { Int(names[index]) }
    @inline(__always) func equal(_ first: Int, _ second: Int, length: Int) -> Bool {
        memcmp(names + first, names + second, length * MemoryLayout<Int32>.stride) == 0
    }
    @inline(__always) func prefetch(_ index: Int) { cpu_prefetch_read(names + index) }
}

/// The SA-IS recursion. Every text ends with a unique smallest character (the sentinel).
enum SAIS {
    /// L/S types, one bit a position: set for S-type.
    struct Types {
        let bits: UnsafeMutablePointer<UInt8>
        init(count: Int) {
            bits = .allocate(capacity: count / 8 + 1)
            bits.initialize(repeating: 0, count: count / 8 + 1)
        }
        func free() { bits.deallocate() }
        @inline(__always) func isS(_ index: Int) -> Bool { bits[index >> 3] & (0x80 >> UInt8(index & 7)) != 0 }
        @inline(__always) func setS(_ index: Int) { bits[index >> 3] |= (0x80 >> UInt8(index & 7)) }
        @inline(__always) func isLMS(_ index: Int) -> Bool { index > 0 && isS(index) && !isS(index - 1) }
    }

    /// Alphabets up to this size have their character counts kept for the level's four
    /// bucket fills; larger ones (names on deep levels, up to a third of the text) are
    /// counted again each time rather than held through the recursion.
    static let cachedCountsAlphabet = 1 << 20

    /// How many times each character occurs, counted once per level for small alphabets.
    static func countCharacters<T: SuffixSortText>(_ text: T, count: Int, alphabetMax: Int) -> UnsafeMutablePointer<
        Int32
    >? {
        guard alphabetMax < cachedCountsAlphabet else { return nil }
        let counts = UnsafeMutablePointer<Int32>.allocate(capacity: alphabetMax + 1)
        counts.initialize(repeating: 0, count: alphabetMax + 1)
        for index in 0..<count { counts[text.character(at: index)] &+= 1 }
        return counts
    }

    /// Each character's bucket start, or end (one past its last slot) with `ends`, from the
    /// kept counts or else from the text (counted into `buckets` first).
    static func fillBuckets<T: SuffixSortText>(
        _ text: T, counts: UnsafeMutablePointer<Int32>?, _ buckets: UnsafeMutablePointer<Int>,
        count: Int, alphabetMax: Int, ends: Bool
    ) {
        if counts == nil {
            buckets.update(repeating: 0, count: alphabetMax + 1)
            for index in 0..<count { buckets[text.character(at: index)] += 1 }
        }
        var sum = 0
        for symbol in 0...alphabetMax {
            let occurrences = counts.map { Int($0[symbol]) } ?? buckets[symbol]
            sum += occurrences
            buckets[symbol] = ends ? sum : sum - occurrences
        }
    }

    // The induction passes need each visited suffix's predecessor's type. Reading it from
    // the type bits costs a cache miss a step (the bits are too large for the cache on big
    // texts); it follows from the two characters instead, which share one cache line:
    // - in the L pass every visited suffix j is L-type or an LMS seed, so j - 1 is L-type
    //   exactly when text[j - 1] >= text[j];
    // - in the S pass, j - 1 is S-type when text[j - 1] < text[j], or when they are equal and
    //   j itself is S-type, which it is exactly when it sits in its bucket's S part, already
    //   filled down to the bucket's current head.
    // Those two characters are a cache miss each on a large text; the passes ask for them
    // this many steps ahead (what the array holds there may still change; a prefetch of a
    // stale position costs nothing but the bandwidth).
    static let prefetchDistance = 64

    static func induceL<T: SuffixSortText>(
        _ text: T, _ sa: UnsafeMutablePointer<Int32>, counts: UnsafeMutablePointer<Int32>?,
        _ buckets: UnsafeMutablePointer<Int>, count: Int, alphabetMax: Int
    ) {
        fillBuckets(text, counts: counts, buckets, count: count, alphabetMax: alphabetMax, ends: false)
        for index in 0..<count {
            if index + prefetchDistance < count {
                let ahead = Int(sa[index + prefetchDistance])
                if ahead > 0 { text.prefetch(ahead - 1) }
            }
            let position = Int(sa[index])
            guard position > 0 else { continue }
            let symbol = text.character(at: position - 1)
            if symbol >= text.character(at: position) {
                sa[buckets[symbol]] = Int32(truncatingIfNeeded: position - 1)
                buckets[symbol] += 1
            }
        }
    }

    static func induceS<T: SuffixSortText>(
        _ text: T, _ sa: UnsafeMutablePointer<Int32>, counts: UnsafeMutablePointer<Int32>?,
        _ buckets: UnsafeMutablePointer<Int>, count: Int, alphabetMax: Int
    ) {
        fillBuckets(text, counts: counts, buckets, count: count, alphabetMax: alphabetMax, ends: true)
        var index = count - 1
        while index >= 0 {
            if index >= prefetchDistance {
                let ahead = Int(sa[index - prefetchDistance])
                if ahead > 0 { text.prefetch(ahead - 1) }
            }
            let position = Int(sa[index])
            if position > 0 {
                let symbol = text.character(at: position - 1), next = text.character(at: position)
                if symbol < next || (symbol == next && index >= buckets[next]) {
                    buckets[symbol] -= 1
                    sa[buckets[symbol]] = Int32(truncatingIfNeeded: position - 1)
                }
            }
            index -= 1
        }
    }

    /// Sorts the suffixes of `text[0..<count]` into `sa`; `text[count - 1]` is the unique smallest.
    static func build<T: SuffixSortText>(_ text: T, into sa: UnsafeMutablePointer<Int32>, count: Int, alphabetMax: Int)
    {
        if count == 1 {
            sa[0] = 0
            return
        }
        let types = Types(count: count)
        defer { types.free() }
        // The sentinel is S; the character before it is L (it is larger than the sentinel).
        types.setS(count - 1)
        var index = count - 3
        while index >= 0 {
            let here = text.character(at: index), next = text.character(at: index + 1)
            if here < next || (here == next && types.isS(index + 1)) { types.setS(index) }
            index -= 1
        }
        let buckets = UnsafeMutablePointer<Int>.allocate(capacity: alphabetMax + 1)
        defer { buckets.deallocate() }
        let counts = countCharacters(text, count: count, alphabetMax: alphabetMax)
        defer { counts?.deallocate() }

        // Step 1: sort the LMS substrings by inducing from their bucket ends.
        fillBuckets(text, counts: counts, buckets, count: count, alphabetMax: alphabetMax, ends: true)
        sa.update(repeating: -1, count: count)
        for position in 1..<count where types.isLMS(position) {
            let symbol = text.character(at: position)
            buckets[symbol] -= 1
            sa[buckets[symbol]] = Int32(truncatingIfNeeded: position)
        }
        induceL(text, sa, counts: counts, buckets, count: count, alphabetMax: alphabetMax)
        induceS(text, sa, counts: counts, buckets, count: count, alphabetMax: alphabetMax)

        // Compact the sorted LMS substrings into the first lmsCount entries.
        var lmsCount = 0
        for slot in 0..<count {
            let position = Int(sa[slot])
            if types.isLMS(position) {
                sa[lmsCount] = Int32(truncatingIfNeeded: position)
                lmsCount += 1
            }
        }
        (sa + lmsCount).update(repeating: -1, count: count - lmsCount)

        // Name the LMS substrings; equal substrings share a name. Each substring's length
        // (to the next LMS position, inclusive) is noted first, in text order (a sequential
        // pass), in the slot its name will take: substrings of different lengths differ
        // without a look at the text, and equal characters over an equal length mean equal
        // types too (types follow from the characters and the LMS type at the end).
        // LMS positions are at least two apart, so position / 2 slots never collide.
        var nextLMS = count - 1
        sa[lmsCount + nextLMS / 2] = 1
        var scan = count - 2
        while scan >= 1 {
            if types.isLMS(scan) {
                sa[lmsCount + scan / 2] = Int32(truncatingIfNeeded: nextLMS - scan + 1)
                nextLMS = scan
            }
            scan -= 1
        }
        var name = 0
        var previous = -1, previousLength = 0
        for slot in 0..<lmsCount {
            let position = Int(sa[slot])
            let length = Int(sa[lmsCount + position / 2])
            var differs = previous == -1 || length != previousLength
            if !differs { differs = !text.equal(position, previous, length: length) }
            if differs {
                name += 1
                previous = position
                previousLength = length
            }
            sa[lmsCount + position / 2] = Int32(truncatingIfNeeded: name - 1)
        }
        var target = count - 1
        var source = count - 1
        while source >= lmsCount {
            if sa[source] >= 0 {
                sa[target] = sa[source]
                target -= 1
            }
            source -= 1
        }

        // Step 2: sort the reduced string, recursively if names repeat.
        let reduced = sa + (count - lmsCount)
        if name < lmsCount {
            build(NameText(names: reduced), into: sa, count: lmsCount, alphabetMax: name - 1)
        } else {
            for slot in 0..<lmsCount { sa[Int(reduced[slot])] = Int32(truncatingIfNeeded: slot) }
        }

        // Step 3: induce the full order from the sorted LMS suffixes.
        fillBuckets(text, counts: counts, buckets, count: count, alphabetMax: alphabetMax, ends: true)
        var lmsIndex = 0
        for position in 1..<count where types.isLMS(position) {
            reduced[lmsIndex] = Int32(truncatingIfNeeded: position)
            lmsIndex += 1
        }
        for slot in 0..<lmsCount { sa[slot] = reduced[Int(sa[slot])] }
        (sa + lmsCount).update(repeating: -1, count: count - lmsCount)
        var slot = lmsCount - 1
        while slot >= 0 {
            let position = Int(sa[slot])
            sa[slot] = -1
            let symbol = text.character(at: position)
            buckets[symbol] -= 1
            sa[buckets[symbol]] = Int32(truncatingIfNeeded: position)
            slot -= 1
        }
        induceL(text, sa, counts: counts, buckets, count: count, alphabetMax: alphabetMax)
        induceS(text, sa, counts: counts, buckets, count: count, alphabetMax: alphabetMax)
    }
}
