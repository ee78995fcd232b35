/// zlib-ng's window and match finder (``ZlibNGMatchFinder``) moved along the content as if
/// zlib-ng had all of it in one `deflate` call, for the reconstruction's zlib-ng medium
/// predictor (``ZlibNGMediumEmulation``): the window is filled as far as it
/// goes and slid where zlib-ng's would be (``move(to:_:)``), through the exact emulation's own
/// `fill_window`. It reads content up to ``readAhead`` bytes ahead of a position.
final class ZlibNGWindowFollower {
    /// Content bytes from a position on that a move may read: a fill brings the window's end
    /// at most its whole size past `strstart`, and reads run 266 bytes beyond.
    static let readAhead = ZlibNGMatchFinder.windowSize + 512
    /// Positions skipped at most (a stored block) before ``hashSkipped(from:to:_:)`` starts
    /// afresh rather than hashing each: the content before a query is readable only one
    /// window back.
    static let largestGap = ZlibNGMatchFinder.wSize / 2

    private typealias M = ZlibNGMatchFinder

    let generation: ZlibNGGeneration
    let level: Int
    /// zlib-ng's matcher at `level`, replaced when the emulation starts afresh.
    private(set) var finder: ZlibNGMatchFinder
    /// The content position of `window[0]`.
    private var windowStart = 0
    /// Content read into the window: every position before this one.
    private var readEnd = 0
    /// The content's size.
    private let count: Int

    init(generation: ZlibNGGeneration, level: Int, contentSize: Int) {
        self.generation = generation
        self.level = level
        count = contentSize
        finder = ZlibNGMatchFinder(level: level, generation: generation)
    }

    /// The content position of window position `index`.
    @inline(__always)
    func position(of index: Int) -> Int { windowStart + index }

    /// Puts `strstart` at `position`, filling (and sliding) the window first when the
    /// look-ahead there is short, as the top of zlib-ng's loops does.
    /// - Returns: whether it filled (zlib-ng's `deflate_medium` then forgets its look-ahead).
    @discardableResult
    func move(to position: Int, _ content: MatchPredictor) -> Bool {
        let f = finder
        f.strstart = position - windowStart
        f.lookahead = readEnd - position
        guard f.lookahead < M.minLookahead else { return false }
        let available = min(count - readEnd, position + Self.readAhead - M.maxMatch - 8 - readEnd)
        var input = ZlibNGInput(bytes: content.contentBytes(from: readEnd, count: max(0, available)))
        let before = f.strstart
        f.fillWindow(&input)
        readEnd += input.position
        windowStart += before - f.strstart
        return true
    }

    /// Follows a stretch of content no token of which was seen (a stored block, or an actual
    /// token longer than predicted): hashes each position from `start` to before `end`, or
    /// starts afresh one window before `end` when they are more than ``largestGap``.
    func hashSkipped(from start: Int, to end: Int, _ content: MatchPredictor) {
        guard end - start <= Self.largestGap else {
            finder = ZlibNGMatchFinder(level: level, generation: generation)
            windowStart = max(0, end - M.wSize)
            readEnd = windowStart
            move(to: windowStart, content)
            finder.insertStrings(0, min(end - windowStart, readEnd - windowStart - 3))
            return
        }
        var skipped = start
        while skipped < end {
            move(to: skipped, content)
            if finder.lookahead >= finder.minimumMatch { finder.quickInsert(finder.strstart) }
            skipped += 1
        }
    }
}
