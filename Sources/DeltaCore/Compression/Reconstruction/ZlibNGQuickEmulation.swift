/// zlib-ng's level 1 (`deflate_quick`) as the reference deflate for reconstruction: one
/// hash table entry per 4-byte hash (``ZlibNGMatchFinder/Hash``, by generation), the
/// position looked up there is put in its place, a match of the generation's shortest
/// length or more at that one candidate is taken (``ZlibNGMatchFinder/quickChoice(distance:lookahead:minimumMatch:measure:)``),
/// and the positions inside a match are never inserted. The hash and the choice are the
/// exact emulation's (``ZlibNGDeflateEncoder``), so the predictor agrees with zlib-ng
/// wherever zlib-ng's table holds what this one does.
///
/// What it does not follow is where zlib-ng's `deflate` calls begin: every window fill
/// (one per call, one per 32 KiB slide) inserts the position before `strstart`, which may
/// lie inside the last match. The emulation knows the calls (``ZlibNGDeflateEncoder``'s
/// write size); a file written in uneven pieces costs a correction near each piece's edge.
/// Positions are absolute; a table entry never written is position 0 (zlib-ng's `head`
/// starts zeroed, and its window's position 0 is the content's until the first slide; after
/// it such a candidate lies beyond zlib-ng's reach here as there).
///
/// The answers depend on the tokens before the queried position, so it must be asked at
/// every token's start in order (``MatchPredictor`` is, by the analysis and the replay alike).
struct ZlibNGQuickEmulation {
    let generation: ZlibNGGeneration
    private let hash: ZlibNGMatchFinder.Hash
    private let minimumMatch: Int
    /// The newest position looked up per hash value.
    private let table: UnsafeMutablePointer<Int>

    init(generation: ZlibNGGeneration) {
        self.generation = generation
        hash = generation.hash
        minimumMatch = generation.minimumMatch
        table = .allocate(capacity: ZlibNGMatchFinder.hashSize)
        table.initialize(repeating: 0, count: ZlibNGMatchFinder.hashSize)
    }

    /// Frees the table; the owner calls it once.
    func deallocate() { table.deallocate() }

    /// What `deflate_quick` writes at `position`: a match (length, distance) or length 0 for a
    /// literal. Records the position in the table, as zlib-ng does before it compares.
    func match(at position: Int, _ content: MatchPredictor) -> (length: Int, distance: Int) {
        let lookahead = content.count - position
        guard lookahead >= minimumMatch else { return (0, 0) }
        let bucket = hash.bucket(word(at: position, content))
        let candidate = table[bucket]
        table[bucket] = position
        let distance = position - candidate
        let length = ZlibNGMatchFinder.quickChoice(
            distance: distance, lookahead: lookahead, minimumMatch: minimumMatch,
            measure: {
                let length = content.matchLength(position, candidate, min(ZlibNGMatchFinder.maxMatch, lookahead))
                return length >= 2 ? length : nil
            })
        guard let length else { return (0, 0) }
        return (length, distance)
    }

    /// Records `position` in the table before a segment's first query
    /// (``MatchPredictor/warm(upTo:)``), as a lookup there would.
    func warm(_ position: Int, _ content: MatchPredictor) {
        guard content.count - position >= minimumMatch else { return }
        table[hash.bucket(word(at: position, content))] = position
    }

    /// The 4 bytes zlib-ng hashes at `position`; past the content's end, zeros (zlib-ng zeroes
    /// the window there; only 2.0's 3-byte matches hash so close to the end).
    @inline(__always)
    private func word(at position: Int, _ content: MatchPredictor) -> UInt32 {
        if position + 4 <= content.count { return content.word(at: position) }
        var value: UInt32 = 0
        for index in 0..<(content.count - position) {
            value |= UInt32(content.byte(at: position + index)) << (8 * index)
        }
        return value
    }
}
