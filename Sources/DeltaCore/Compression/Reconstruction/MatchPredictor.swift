/// A hash-chain match finder over the whole content, queried at the positions the actual
/// stream visits: the reference deflate both the analysis and the replay run, so that each
/// token can be coded as "what the reference would do" or a small correction to it.
///
/// Every position is inserted in order (3-byte hash, chains within deflate's 32 KiB window),
/// whatever the actual tokens are, so the candidates at a position depend on the content
/// alone. Work per query is bounded by ``Settings/chainLimit`` and ``indexLimit``.
///
/// The content need not be in memory whole: a query at `position` reads from
/// `position - window` to `position + lookahead - 1` only (``history``, ``lookahead``), so the replay
/// streams it through a sliding buffer and moves the predictor along (``rebase(_:origin:)``).
final class MatchPredictor {
    /// How the reference searches; recorded in the payload so the analysis can choose.
    struct Settings: Equatable {
        /// Chain links followed per search.
        var chainLimit: Int
        /// A match at least this long is not checked against the next position (zlib's
        /// `max_lazy`); 0 turns the lazy check off.
        var lazyLimit: Int
        /// What a search takes; recorded in the payload as its raw value.
        var mode: Mode = .longest
        /// Mode 6 with a nice length only: 7-Zip's *fast bytes* rule
        /// (``OptimalParsePredictor``), recorded as ``DeflateReconstruction/Flags/niceMatchCuts``
        /// (payload version 6).
        var cutsAtNiceMatches = false
        /// Mode 6 only: each dynamic block's header is coded against the one a parse of the
        /// block under the previous header's lengths predicts, recorded as
        /// ``DeflateReconstruction/Flags/predictedHeaders`` (payload version 7).
        var predictsHeaders = false
        /// Mode 6 only, without ``predictsHeaders``: each dynamic block is parsed under the
        /// previous dynamic header's code lengths and its header coded after its tokens,
        /// recorded as ``DeflateReconstruction/Flags/previousBlockPrices`` (payload version 7).
        var pricesFromPreviousBlock = false
        /// Mode 6 only: each window of the parse ends where no candidate crosses and all its
        /// choices are used (``OptimalParsePredictor``), recorded as
        /// ``DeflateReconstruction/Flags/windowsEndWhereMatchesEnd`` (payload version 8).
        var endsWindowsWhereMatchesEnd = false

        /// How the reference picks a match.
        enum Mode: Int, CaseIterable {
            /// The longest within `chainLimit` links, newest first among equals.
            case longest = 0
            /// The newest candidate that matches at least 4 bytes (single-entry hash tables
            /// over 4 bytes, roughly).
            case newestOfFour = 1
            /// ISA-L's level 0 (``IsalMatchEmulation``); this and the next are payload version 2.
            case isalLevel0 = 2
            /// ISA-L's level 1.
            case isalLevel1 = 3
            /// ISA-L's level 2.
            case isalLevel2 = 4
            /// ISA-L's level 3.
            case isalLevel3 = 5
            /// The optimal parse of the block under its own code lengths
            /// (``OptimalParsePredictor``); payload version 3 with `headersFirst` only.
            case optimalParse = 6
            /// zlib-ng's level 1, `deflate_quick` (``ZlibNGQuickEmulation``), of encoder
            /// generation 1 (2.2 and later); this and the next two are payload version 3 too.
            case zlibNGQuick = 7
            /// zlib-ng's level 1 of generation 2 (2.1 with SSE4.2: a CRC32-C hash).
            case zlibNGQuickCRC32C = 8
            /// zlib-ng's level 1 of generation 3 (2.0.7 with SSE4.2: CRC32-C, 3-byte matches).
            case zlibNGQuick20 = 9
            /// zlib-ng's levels 3-6, `deflate_medium` (``ZlibNGMediumEmulation``), of encoder
            /// generation 1; this and the next two are payload version 4, their chain limit is
            /// the level's chain length (which names the level) and their lazy limit 0.
            case zlibNGMedium = 10
            /// zlib-ng's `deflate_medium` of generation 2 (2.1 with SSE4.2).
            case zlibNGMediumCRC32C = 11
            /// zlib-ng's `deflate_medium` of generation 3 (2.0.7 with SSE4.2).
            case zlibNGMedium20 = 12

            /// The zlib-ng generation whose `deflate_quick` this mode runs, if any.
            var zlibNGQuickGeneration: ZlibNGGeneration? {
                switch self {
                case .zlibNGQuick: .zlibNG22
                case .zlibNGQuickCRC32C: .zlibNG21SSE42
                case .zlibNGQuick20: .zlibNG20SSE42
                default: nil
                }
            }

            /// The zlib-ng generation whose `deflate_medium` this mode runs, if any.
            var zlibNGMediumGeneration: ZlibNGGeneration? {
                switch self {
                case .zlibNGMedium: .zlibNG22
                case .zlibNGMediumCRC32C: .zlibNG21SSE42
                case .zlibNGMedium20: .zlibNG20SSE42
                default: nil
                }
            }

            /// Whether this mode runs one of zlib-ng's compression loops (quick or medium).
            var emulatesZlibNG: Bool { zlibNGQuickGeneration != nil || zlibNGMediumGeneration != nil }

            /// The zlib-ng level a medium mode's payload names by its chain limit, nil for a
            /// chain that names none or another mode.
            func zlibNGLevel(chainLimit: Int) -> Int? {
                zlibNGMediumGeneration.flatMap { ZlibNGMediumEmulation.level(chainLimit: chainLimit, generation: $0) }
            }

            /// The ISA-L emulation this mode runs, if any.
            var isalKind: IsalMatchEmulation.Kind? {
                switch self {
                case .longest, .newestOfFour, .optimalParse, .zlibNGQuick, .zlibNGQuickCRC32C, .zlibNGQuick20,
                    .zlibNGMedium, .zlibNGMediumCRC32C, .zlibNGMedium20:
                    nil
                case .isalLevel0: .pairwise(tableBits: 13, skipsLiteralRuns: false)
                case .isalLevel1: .pairwise(tableBits: 13, skipsLiteralRuns: true)
                case .isalLevel2: .pairwise(tableBits: 15, skipsLiteralRuns: true)
                case .isalLevel3: .map
                }
            }
        }
    }

    static let window = 1 << 15
    /// Content bytes before a queried position that a query may read.
    static let history = window
    /// Content bytes from a queried position on that a query may read: 262 for a search with
    /// its lazy check at the next position, a chunk of ISA-L's level 3 map (``IsalMatchMap``),
    /// a window fill of zlib-ng's `deflate_medium` (``ZlibNGWindowFollower.readAhead``).
    static let lookahead = max(
        262, IsalMatchMap.readAhead, OptimalParsePredictor.readAhead, ZlibNGWindowFollower.readAhead)
    private static let hashBits = 16
    /// Candidates walked at most when looking a distance up by index.
    static let indexLimit = 4096

    /// The content byte at `origin`; positions are counted from the content's start.
    @exclusivity(unchecked) private var data: UnsafePointer<UInt8>
    @exclusivity(unchecked) private var origin = 0
    /// The content's whole size.
    let count: Int
    /// The newest inserted position per hash (-1: none); ``hashBits`` entries, owned.
    private let head: UnsafeMutablePointer<Int32>
    /// The inserted position before each one with its hash, per window slot; owned.
    private let previous: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private var inserted = 0
    let settings: Settings
    /// The last ``longestMatch(at:)`` answer: the lazy check at `position + 1` asks for the
    /// match the next token's prediction asks for again after a literal, and the answer
    /// depends on the content and the settings alone.
    @exclusivity(unchecked) private var lastLongest: (position: Int, length: Int, distance: Int) = (-1, 0, 0)
    /// The ISA-L matcher when the settings ask for one.
    @exclusivity(unchecked) private var isal: IsalMatchEmulation?
    /// zlib-ng's `deflate_quick` when the settings ask for it.
    private let zlibNGQuick: ZlibNGQuickEmulation?
    /// zlib-ng's `deflate_medium` when the settings ask for it.
    private let zlibNGMedium: ZlibNGMediumEmulation?
    /// The optimal parser in mode 6 (``Settings/Mode/optimalParse``).
    let optimal: OptimalParsePredictor?
    /// The code lengths of the block being coded when they are known before its tokens (a
    /// fixed-code block; a dynamic one when headers come first, ``HeadersFirstHeaderModel``),
    /// else nil: set by the analysis and the replay as each block starts, for a predictor that
    /// weighs matches by their cost.
    var blockCodeLengths: BlockCodeLengths?

    /// A predictor over `content`, whole in memory.
    convenience init(content: UnsafeRawBufferPointer, settings: Settings) {
        self.init(contentSize: content.count, settings: settings)
        rebase(content, origin: 0)
    }

    /// A predictor over content of `contentSize` bytes, which ``rebase(_:origin:)`` shows it.
    init(contentSize: Int, settings: Settings) {
        data = UnsafePointer(bitPattern: 1)!
        count = contentSize
        self.settings = settings
        head = .allocate(capacity: 1 << Self.hashBits)
        head.initialize(repeating: -1, count: 1 << Self.hashBits)
        previous = .allocate(capacity: Self.window)
        previous.initialize(repeating: -1, count: Self.window)
        isal = settings.mode.isalKind.map { IsalMatchEmulation(kind: $0) }
        zlibNGQuick = settings.mode.zlibNGQuickGeneration.map { ZlibNGQuickEmulation(generation: $0) }
        let level = settings.mode.zlibNGLevel(chainLimit: settings.chainLimit) ?? 0
        zlibNGMedium = settings.mode.zlibNGMediumGeneration.map {
            ZlibNGMediumEmulation(generation: $0, level: level, contentSize: contentSize)
        }
        optimal =
            settings.mode == .optimalParse
            ? OptimalParsePredictor(
                contentSize: contentSize, chainLimit: settings.chainLimit,
                niceLength: settings.optimalParseNiceLength, cutsAtNiceMatches: settings.cutsAtNiceMatches,
                predictsHeaders: settings.predictsHeaders,
                endsWindowsWhereMatchesEnd: settings.endsWindowsWhereMatchesEnd) : nil
    }

    deinit {
        head.deallocate()
        previous.deallocate()
        isal?.deallocate()
        zlibNGQuick?.deallocate()
    }

    /// Shows the predictor where the content is now: `bytes` holds the content from position
    /// `origin` on, at least ``history`` bytes before the next query and ``lookahead`` from it
    /// (or to the content's end).
    func rebase(_ bytes: UnsafeRawBufferPointer, origin: Int) {
        data = bytes.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? UnsafePointer(bitPattern: 1)!
        self.origin = origin
        optimal?.rebase(bytes, origin: origin)
    }

    /// The content byte at `position`.
    @inline(__always)
    private subscript(_ position: Int) -> UInt8 { data[position - origin] }

    /// The content byte at `position` (within ``history`` before the next query and
    /// ``lookahead`` from it).
    @inline(__always)
    func byte(at position: Int) -> UInt8 { self[position] }

    @inline(__always)
    private func hash(_ position: Int) -> Int {
        let value = UInt32(self[position]) << 16 | UInt32(self[position + 1]) << 8 | UInt32(self[position + 2])
        return Int((value &* 0x9E37_79B1) >> UInt32(32 - Self.hashBits))
    }

    /// Inserts every position before `end` not yet inserted.
    @inline(__always)
    func insert(upTo end: Int) {
        optimal?.insert(upTo: end)
        let limit = min(end, count - 2)
        guard inserted < limit else { return }
        var position = inserted
        while position < limit {
            let h = hash(position)
            previous[position & (Self.window - 1)] = head[h]
            head[h] = Int32(position)
            position += 1
        }
        inserted = limit
    }

    /// The `count` content bytes from `position` (within ``history`` before the next query
    /// and ``lookahead`` from it).
    func contentBytes(from position: Int, count: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: data + (position - origin), count: count)
    }

    /// Starts this fresh predictor at `start`, a segment's start
    /// (``DeflateReconstruction/Segment``): the ``history`` bytes before it are inserted as
    /// though the content began there (the hash chains; the single-candidate tables of the
    /// ISA-L levels 0-2 and zlib-ng's quick modes take every position; ISA-L's level 3 map
    /// starts empty; mode 6's binary trees take every position, ``OptimalParsePredictor/warm(from:upTo:)``).
    /// The analysis and the replay call it alike, with the content from
    /// `start - history` on shown; the first query follows at `start`.
    func warm(upTo start: Int) {
        precondition(settings.mode.supportsSegments && inserted == 0, "a fresh predictor in a segmentable mode")
        let from = max(0, start - Self.history)
        optimal?.warm(from: from, upTo: start)
        inserted = min(from, max(0, count - 2))
        insert(upTo: start)
        for position in from..<start {
            isal?.warm(position, self)
            zlibNGQuick?.warm(position, self)
        }
    }

    /// The four content bytes at `position`, little-endian.
    @inline(__always)
    func word(at position: Int) -> UInt32 {
        assert(position >= origin, "position \(position) before the content held from \(origin)")
        return UInt32(littleEndian: UnsafeRawPointer(data + (position - origin)).loadUnaligned(as: UInt32.self))
    }

    /// The content's bytes from `position`, little-endian, 8 or as many as are left before the
    /// content's end (zeros after them).
    func bytesUpTo8(at position: Int) -> UInt64 {
        assert(position >= origin, "position \(position) before the content held from \(origin)")
        if position + 8 <= count {
            return UInt64(littleEndian: UnsafeRawPointer(data + (position - origin)).loadUnaligned(as: UInt64.self))
        }
        var value: UInt64 = 0
        for index in 0..<max(0, count - position) { value |= UInt64(self[position + index]) << UInt64(8 * index) }
        return value
    }

    /// How many bytes at `position` equal those at `candidate`, up to `limit`.
    @inline(__always)
    func matchLength(_ position: Int, _ candidate: Int, _ limit: Int) -> Int {
        assert(min(position, candidate) >= origin, "position \(candidate) before the content held from \(origin)")
        var length = 0
        while length + 8 <= limit {
            let a = UnsafeRawPointer(data + (position - origin + length)).loadUnaligned(as: UInt64.self)
            let b = UnsafeRawPointer(data + (candidate - origin + length)).loadUnaligned(as: UInt64.self)
            if a != b { return length + (a ^ b).trailingZeroBitCount >> 3 }
            length += 8
        }
        while length < limit && self[position + length] == self[candidate + length] { length += 1 }
        return length
    }

    /// The two content bytes at `position`, for a quick check before a full comparison.
    @inline(__always)
    private func pair(_ position: Int) -> UInt16 {
        UnsafeRawPointer(data + (position - origin)).loadUnaligned(as: UInt16.self)
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
    /// newest first, of the longest length. Inserts the positions before it. In an ISA-L
    /// or zlib-ng quick mode, that encoder's match there instead (asked at every token's
    /// start, in order).
    func longestMatch(at position: Int) -> (length: Int, distance: Int) {
        if lastLongest.position == position { return (lastLongest.length, lastLongest.distance) }
        let found =
            if let zlibNGQuick { zlibNGQuick.match(at: position, self) } else if let zlibNGMedium {
                zlibNGMedium.match(at: position, self)
            } else if isal != nil {
                isal!.match(at: position, self)
            } else { searchLongestMatch(at: position) }
        lastLongest = (position, found.length, found.distance)
        return found
    }

    /// ``longestMatch(at:)`` itself, uncached.
    private func searchLongestMatch(at position: Int) -> (length: Int, distance: Int) {
        insert(upTo: position)
        let limit = min(258, count - position)
        guard limit >= 3 else { return (0, 0) }
        var best = 2
        var bestDistance = 0
        var candidate = firstCandidate(position)
        var steps = settings.chainLimit
        while candidate >= 0 && position - candidate <= Self.window && steps > 0 {
            if settings.mode == .newestOfFour {
                let length = matchLength(position, candidate, limit)
                if length >= 4 { return (length, position - candidate) }
            } else if pair(candidate + best - 1) == pair(position + best - 1) {
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
        var found: Int?
        walkCandidates(matching: length, at: position) { index, candidate in
            if candidate == distance { found = index }
            // Candidates come newest first: once past `distance`, it is not among them.
            return found != nil || candidate > distance
        }
        return found
    }

    /// The distance of the `index`th candidate at `position` that matches at least `length`
    /// bytes, newest first; nil when there is none within ``indexLimit`` links.
    func distance(atIndex target: Int, length: Int, at position: Int) -> Int? {
        var found: Int?
        walkCandidates(matching: length, at: position) { index, distance in
            if index == target { found = distance }
            return found != nil
        }
        return found
    }

    /// The one candidate walk behind ``index(ofDistance:length:at:)`` and
    /// ``distance(atIndex:length:at:)``, so that both number the candidates alike: calls
    /// `visit` with the index and distance of each candidate at `position` that matches at
    /// least `length` bytes, newest first, within ``indexLimit`` links, until it returns true.
    @inline(__always)
    private func walkCandidates(
        matching length: Int, at position: Int, _ visit: (_ index: Int, _ distance: Int) -> Bool
    ) {
        insert(upTo: position)
        guard length >= 3, length <= count - position else { return }
        var candidate = firstCandidate(position)
        var steps = Self.indexLimit
        var index = 0
        while candidate >= 0 && position - candidate <= Self.window && steps > 0 {
            if self[candidate + length - 1] == self[position + length - 1]
                && matchLength(position, candidate, length) == length
            {
                if visit(index, position - candidate) { return }
                index += 1
            }
            steps -= 1
            let next = Int(previous[candidate & (Self.window - 1)])
            guard next < candidate else { break }
            candidate = next
        }
    }
}
