/// zlib-ng's levels 3 to 6 (`deflate_medium`) as the reference deflate for reconstruction
/// (modes 10-12, by encoder generation): the exact emulation's match finder
/// (``ZlibNGMatchFinder``: zlib-ng's window, hash, chains and `longest_match` with the level's
/// chain, lazy, good and nice parameters) and its medium steps (``ZlibNGMatchFinder/mediumSearch(_:)``,
/// ``ZlibNGMatchFinder/insertMedium(_:)``, ``ZlibNGMatchFinder/fizzle(_:_:)``), run as if
/// zlib-ng had all the content in one `deflate` call: the window is filled as far as it
/// goes and slid where zlib-ng's would be, and the look-ahead match is kept between tokens.
///
/// What it does not know is where the producer's calls began: each call refills the window
/// (hashing the position before `strstart`) and forgets the look-ahead match, so a file
/// written in uneven pieces costs a correction near each piece's edge. When the actual token
/// is not the predicted one, the emulation forgets its look-ahead match as such a call would,
/// and hashes the positions a longer actual token covered that it had not hashed.
///
/// The answers depend on the tokens before the queried position, so it must be asked at
/// every token's start in order (``MatchPredictor`` is, by the analysis and the replay alike).
/// It reads content up to ``readAhead`` bytes ahead of a query (a window fill).
final class ZlibNGMediumEmulation {
    /// Content bytes from a queried position on that a query may read: a fill brings the
    /// window's end at most its whole size past `strstart`, and reads run 266 bytes beyond.
    static let readAhead = ZlibNGMatchFinder.windowSize + 512
    /// Positions skipped at most (a stored block) before the emulation starts afresh
    /// rather than hashing each: the content before a query is readable only one window back.
    static let largestGap = ZlibNGMatchFinder.wSize / 2

    private typealias M = ZlibNGMatchFinder

    let generation: ZlibNGGeneration
    let level: Int
    private var finder: ZlibNGMatchFinder
    /// Whether `deflate_medium` looks one match ahead at this level (not below level 5 from
    /// zlib-ng 2.1 on: its `early_exit`).
    private let looksAhead: Bool
    /// The content position of `window[0]`.
    private var windowStart = 0
    /// Content read into the window: every position before this one.
    private var readEnd = 0
    /// The content's size.
    private let count: Int
    /// The look-ahead match (window positions), length 0 when none.
    private var next = ZlibNGMediumMatch()
    /// Where the next token starts when the last prediction holds.
    private var expected = 0

    /// The emulation of `level` (3 to 6; a level `deflate_medium` does not run is taken as 6)
    /// of `generation` over content of `contentSize` bytes.
    init(generation: ZlibNGGeneration, level: Int, contentSize: Int) {
        self.generation = generation
        self.level = generation.strategy(level: level) == .medium ? level : 6
        count = contentSize
        finder = ZlibNGMatchFinder(level: self.level, generation: generation)
        looksAhead = !(self.level < 5 && generation.mediumSkipsLookAheadBelowLevel5)
    }

    /// The level of `generation` whose chain length is `chainLimit` and which runs
    /// `deflate_medium`, if any: payloads record the level as its chain length.
    static func level(chainLimit: Int, generation: ZlibNGGeneration) -> Int? {
        (3...6).first {
            generation.strategy(level: $0) == .medium && generation.configuration(level: $0).chain == chainLimit
        }
    }

    /// The predictor settings of `level` of `generation` in `mode`.
    static func settings(level: Int, mode: MatchPredictor.Settings.Mode) -> MatchPredictor.Settings {
        let generation = mode.zlibNGMediumGeneration ?? .zlibNG22
        return MatchPredictor.Settings(
            chainLimit: generation.configuration(level: level).chain, lazyLimit: 0, mode: mode)
    }

    /// What `deflate_medium` writes at `position`: a match (length, distance) or length 0 for
    /// a literal.
    func match(at position: Int, _ content: MatchPredictor) -> (length: Int, distance: Int) {
        if position != expected { resynchronize(at: position, content) }
        move(to: position, content)
        let f = finder
        var current: ZlibNGMediumMatch
        if looksAhead && next.matchLength > 0 && next.strstart == f.strstart {
            current = next
        } else {
            current = f.mediumSearch(f.lookahead >= f.minimumMatch ? f.quickInsert(f.strstart) : 0)
        }
        next.matchLength = 0
        while true {
            f.insertMedium(current)
            if looksAhead && f.lookahead > M.minLookahead
                && current.strstart + current.matchLength < M.windowSize - M.minLookahead
            {
                f.strstart = current.strstart + current.matchLength
                next = f.mediumSearch(f.quickInsert(f.strstart))
                if next.matchLength >= f.minimumMatch { f.fizzle(&current, &next) }
                f.strstart = current.strstart
            }
            // A fizzle that moved the next match all the way back leaves nothing here.
            guard current.matchLength == 0 else { break }
            current = next
            next.matchLength = 0
        }
        if current.matchLength < f.minimumMatch {
            expected = position + 1
            return (0, 0)
        }
        expected = position + current.matchLength
        return (current.matchLength, current.strstart - current.matchStart)
    }

    /// Follows an actual token that was not the predicted one (or a stored block): forgets
    /// the look-ahead match and hashes the positions skipped past `expected`, or starts afresh
    /// one window before `position` when they are too many.
    private func resynchronize(at position: Int, _ content: MatchPredictor) {
        next.matchLength = 0
        guard position > expected else { return }
        guard position - expected <= Self.largestGap else {
            finder = ZlibNGMatchFinder(level: level, generation: generation)
            windowStart = max(0, position - M.wSize)
            readEnd = windowStart
            expected = windowStart
            move(to: windowStart, content)
            if position > windowStart { finder.insertStrings(0, min(position - windowStart, readEnd - windowStart - 3)) }
            return
        }
        var skipped = expected + 1
        while skipped < position {
            move(to: skipped, content)
            if finder.lookahead >= finder.minimumMatch { finder.quickInsert(finder.strstart) }
            skipped += 1
        }
    }

    /// Puts `strstart` at `position`, filling (and sliding) the window first when the
    /// look-ahead there is short, as the top of zlib-ng's loop does.
    private func move(to position: Int, _ content: MatchPredictor) {
        let f = finder
        f.strstart = position - windowStart
        f.lookahead = readEnd - position
        guard f.lookahead < M.minLookahead else { return }
        next.matchLength = 0
        let available = min(count - readEnd, position + Self.readAhead - M.maxMatch - 8 - readEnd)
        var input = ZlibNGInput(bytes: content.contentBytes(from: readEnd, count: max(0, available)))
        let before = f.strstart
        f.fillWindow(&input)
        readEnd += input.position
        windowStart += before - f.strstart
    }
}
