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
/// It reads content up to ``ZlibNGWindowFollower/readAhead`` bytes ahead of a query.
final class ZlibNGMediumEmulation {
    private typealias M = ZlibNGMatchFinder

    /// zlib-ng's window and matcher, moved along the content.
    private let window: ZlibNGWindowFollower
    /// Whether `deflate_medium` looks one match ahead at this level (not below level 5 from
    /// zlib-ng 2.1 on: its `early_exit`).
    private let looksAhead: Bool
    /// The look-ahead match (window positions), length 0 when none.
    private var next = ZlibNGMediumMatch()
    /// Where the next token starts when the last prediction holds.
    private var expected = 0

    /// The emulation of `level` (3 to 6; a level `deflate_medium` does not run is taken as 6)
    /// of `generation` over content of `contentSize` bytes.
    init(generation: ZlibNGGeneration, level: Int, contentSize: Int) {
        let level = generation.strategy(level: level) == .medium ? level : 6
        window = ZlibNGWindowFollower(generation: generation, level: level, contentSize: contentSize)
        looksAhead = !(level < 5 && generation.mediumSkipsLookAheadBelowLevel5)
    }

    /// The level of `generation` whose chain length is `chainLimit` and which runs
    /// `deflate_medium`, if any: payloads record the level as its chain length.
    static func level(chainLimit: Int, generation: ZlibNGGeneration) -> Int? {
        (3...6).first {
            generation.strategy(level: $0) == .medium && generation.configuration(level: $0).chain == chainLimit
        }
    }

    /// The predictor settings of zlib-ng's `level` in `mode` (a medium mode, whose generation
    /// gives the level's chain length).
    static func settings(level: Int, mode: MatchPredictor.Settings.Mode) -> MatchPredictor.Settings {
        let generation = mode.zlibNGMediumGeneration ?? .zlibNG22
        return MatchPredictor.Settings(
            chainLimit: generation.configuration(level: level).chain, lazyLimit: 0, mode: mode)
    }

    /// What `deflate_medium` writes at `position`: a match (length, distance) or length 0 for
    /// a literal.
    func match(at position: Int, _ content: MatchPredictor) -> (length: Int, distance: Int) {
        if position != expected {
            // Not the predicted token (a call's edge, most likely): forget the look-ahead
            // match as a new call would, and hash what a longer token covered.
            next.matchLength = 0
            if position > expected { window.hashSkipped(from: expected, to: position, content) }
        }
        if window.move(to: position, content) { next.matchLength = 0 }
        let f = window.finder
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
}
