/// A hash-chain match finder over the whole content, queried at the positions the actual
/// stream visits: the reference deflate both the analysis and the replay run, so that each
/// token can be coded as "what the reference would do" or a small correction to it.
///
/// Every position is inserted in order (3-byte hash, chains within deflate's 32 KiB window),
/// whatever the actual tokens are, so the candidates at a position depend on the content
/// alone. Work per query is bounded by ``Settings/chainLimit`` and ``indexLimit``.
final class MatchPredictor {
    /// How the reference searches; recorded in the payload so the analysis can choose.
    struct Settings: Equatable {
        /// Chain links followed per search.
        var chainLimit: Int
        /// A match at least this long is not checked against the next position (zlib's
        /// `max_lazy`); 0 turns the lazy check off.
        var lazyLimit: Int
        /// Take the newest candidate that matches at least 4 bytes rather than the longest
        /// (single-entry hash tables over 4 bytes: ISA-L, fast levels).
        var newestOfFour = false
    }

    static let window = 1 << 15
    private static let hashBits = 16
    /// Candidates walked at most when looking a distance up by index.
    static let indexLimit = 4096

    private let content: UnsafePointer<UInt8>
    private let count: Int
    private var head: [Int32]
    private var previous: [Int32]
    private var inserted = 0
    let settings: Settings

    init(content: UnsafeRawBufferPointer, settings: Settings) {
        self.content =
            content.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? UnsafePointer(bitPattern: 1)!
        count = content.count
        self.settings = settings
        head = [Int32](repeating: -1, count: 1 << Self.hashBits)
        previous = [Int32](repeating: -1, count: Self.window)
    }

    @inline(__always)
    private func hash(_ position: Int) -> Int {
        let value = UInt32(content[position]) << 16 | UInt32(content[position + 1]) << 8 | UInt32(content[position + 2])
        return Int((value &* 0x9E37_79B1) >> UInt32(32 - Self.hashBits))
    }

    /// Inserts every position before `end` not yet inserted.
    @inline(__always)
    func insert(upTo end: Int) {
        let limit = min(end, count - 2)
        guard inserted < limit else { return }
        head.withUnsafeMutableBufferPointer { head in
            previous.withUnsafeMutableBufferPointer { previous in
                var position = inserted
                while position < limit {
                    let h = hash(position)
                    previous[position & (Self.window - 1)] = head[h]
                    head[h] = Int32(position)
                    position += 1
                }
            }
        }
        inserted = max(inserted, limit)
    }

    /// How many bytes at `position` equal those `distance` back, up to `limit`.
    @inline(__always)
    private func matchLength(_ position: Int, _ candidate: Int, _ limit: Int) -> Int {
        var length = 0
        while length + 8 <= limit {
            let a = UnsafeRawPointer(content + position + length).loadUnaligned(as: UInt64.self)
            let b = UnsafeRawPointer(content + candidate + length).loadUnaligned(as: UInt64.self)
            if a != b { return length + (a ^ b).trailingZeroBitCount >> 3 }
            length += 8
        }
        while length < limit && content[position + length] == content[candidate + length] { length += 1 }
        return length
    }

    /// The newest inserted position before `position` with its hash (-1 when none): the
    /// lazy check may already have inserted `position` itself.
    @inline(__always)
    private func firstCandidate(_ position: Int) -> Int {
        var candidate = Int(head[hash(position)])
        while candidate >= position {
            let next = Int(previous[candidate & (Self.window - 1)])
            guard next < candidate else { return -1 }
            candidate = next
        }
        return candidate
    }

    /// The longest match at `position` (length 0 when none of 3 or more): the first found,
    /// newest first, of the longest length. Inserts the positions before it.
    func longestMatch(at position: Int) -> (length: Int, distance: Int) {
        insert(upTo: position)
        let limit = min(258, count - position)
        guard limit >= 3 else { return (0, 0) }
        var best = 2
        var bestDistance = 0
        var candidate = firstCandidate(position)
        var steps = settings.chainLimit
        while candidate >= 0 && position - candidate <= Self.window && steps > 0 {
            if settings.newestOfFour {
                let length = matchLength(position, candidate, limit)
                if length >= 4 { return (length, position - candidate) }
            } else if content[candidate + best] == content[position + best] {
                let length = matchLength(position, candidate, limit)
                if length > best {
                    best = length
                    bestDistance = position - candidate
                    if length == limit { break }
                }
            }
            steps -= 1
            let next = Int(previous[candidate & (Self.window - 1)])
            guard next < candidate else { break }
            candidate = next
        }
        return best >= 3 ? (best, bestDistance) : (0, 0)
    }

    /// The index of `distance` among the candidates at `position` that match at least
    /// `length` bytes, newest first; nil when it is not within ``indexLimit`` links.
    func index(ofDistance distance: Int, length: Int, at position: Int) -> Int? {
        insert(upTo: position)
        guard length >= 3, length <= count - position else { return nil }
        var candidate = firstCandidate(position)
        var steps = Self.indexLimit
        var index = 0
        while candidate >= 0 && position - candidate <= Self.window && steps > 0 {
            if position - candidate == distance { return index }
            if matchLength(position, candidate, length) == length { index += 1 }
            steps -= 1
            let next = Int(previous[candidate & (Self.window - 1)])
            guard next < candidate else { break }
            candidate = next
        }
        return nil
    }

    /// The distance of the `index`th candidate at `position` that matches at least `length`
    /// bytes, newest first; nil when there is none within ``indexLimit`` links.
    func distance(atIndex target: Int, length: Int, at position: Int) -> Int? {
        insert(upTo: position)
        guard length >= 3, length <= count - position else { return nil }
        var candidate = firstCandidate(position)
        var steps = Self.indexLimit
        var index = 0
        while candidate >= 0 && position - candidate <= Self.window && steps > 0 {
            if matchLength(position, candidate, length) == length {
                if index == target { return position - candidate }
                index += 1
            }
            steps -= 1
            let next = Int(previous[candidate & (Self.window - 1)])
            guard next < candidate else { break }
            candidate = next
        }
        return nil
    }
}
