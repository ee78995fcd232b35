/// ISA-L's (igzip's) match finding as the reference deflate for reconstruction: its levels
/// keep one position per hash value and take whatever that one candidate gives, so no
/// longest-match search predicts them; this asks the same single candidate.
///
/// Learnt from ISA-L 2.32 (the `isal` 1.9 PyPI module) as it runs on x86 with AVX-512:
/// - levels 0-2 (`isal_deflate_body`, `isal_deflate_icf_body_hash_hist`): a 4-byte hash
///   (CRC-32C of the little-endian word, masked to 13 bits at levels 0-1, 15 at level 2)
///   over a table of the newest position per hash; positions are looked up two at a time
///   (both inserted before either is used); a match at the first whose 8 bytes all match
///   is taken, else one at the second so long (after a literal), else one of 4 or more at
///   the first, else at the second; after a match the next two (three after a
///   literal and a match) positions are inserted, the rest of it skipped; matches of 264
///   bytes or more go out as 258s at the same distance; at levels 1-2, two literals more
///   than 2048 bytes after the last match's end start a run of 32 or more literals written
///   without lookups, and the next such run comes sooner (2048 >> runs so far, the count
///   lowered by every matched byte);
/// - level 3: ``IsalMatchMap``.
/// Both turn a stored 16-bit position into a distance of 1 to 32768 (`((p - stored - 1) &
/// 32767) + 1`), checked by comparing the bytes. What it does not follow (ISA-L's work
/// buffer edges, its skipping over long literal runs, its code for the last bytes, its other
/// CPUs' code) costs corrections only.
///
/// The answers depend on the tokens before the queried position, so it must be asked at
/// every token's start in order (``MatchPredictor`` is, by the analysis and the replay alike).
struct IsalMatchEmulation {
    enum Kind: Equatable {
        /// Levels 0-2: lookups in pairs, greedy, the table `tableBits` wide, literal runs
        /// skipped over or not.
        case pairwise(tableBits: Int, skipsLiteralRuns: Bool)
        /// Level 3: a match for every position, long ones handed on.
        case map
    }

    let kind: Kind
    private let mask: Int
    /// The newest position inserted per hash value (all zero at first, as ISA-L's).
    private let table: UnsafeMutablePointer<Int32>

    // Pairwise state.
    /// Where the next pair of lookups starts.
    private var pairStart = 0
    /// The second lookup of the pair at ``pairStart`` (its length up to 259).
    private var secondOfPair: (length: Int, distance: Int) = (0, 0)
    /// The last query and what the lookups found there (length up to 259).
    private var lastQuery = -1
    /// The content's 8 bytes from ``lastQuery`` (fewer at the content's end, zeros after):
    /// the positions inserted after that token are read from here, not from the content, since
    /// a stored block may come between it and the next query and a streaming replay no longer
    /// holds content that far back (the analysis reads the same bytes, so both agree).
    private var lastQueryBytes: UInt64 = 0
    private var lastFound: (length: Int, distance: Int) = (0, 0)
    /// The distance of the 258-byte match going out in pieces (0: none).
    private var emitDistance = 0
    private var lastWasEmitPiece = false
    /// Literal runs (levels 1-2): two literals past `skipCheck` start one, `skipLevel` sets
    /// its length; positions before `skipEnd` are in one.
    private var skipsLiteralRuns = false
    private var skipCheck = 2048
    private var skipLevel = 0
    private var skipEnd = 0

    /// Level 3's map.
    private var map: IsalMatchMap?

    init(kind: Kind) {
        self.kind = kind
        switch kind {
        case let .pairwise(tableBits, skips):
            mask = (1 << tableBits) - 1
            skipsLiteralRuns = skips
        case .map:
            mask = 0
            map = IsalMatchMap()
        }
        table = .allocate(capacity: mask + 1)
        table.initialize(repeating: 0, count: mask + 1)
    }

    /// Frees the tables; the owner calls it once.
    func deallocate() {
        table.deallocate()
        map?.deallocate()
    }

    /// What ISA-L writes at `position`: a match (length, distance) or length 0 for a literal.
    mutating func match(at position: Int, _ content: MatchPredictor) -> (length: Int, distance: Int) {
        switch kind {
        case .pairwise: pairwiseMatch(at: position, content)
        case .map: map!.entry(at: position, content)
        }
    }

    /// Inserts `position` before a segment's first query (``MatchPredictor/warm(upTo:)``):
    /// levels 0-2 take it into their table; level 3's map starts empty.
    func warm(_ position: Int, _ content: MatchPredictor) {
        if case .pairwise = kind { insert(position, content) }
    }

    // MARK: Levels 0-2

    private mutating func pairwiseMatch(at position: Int, _ content: MatchPredictor) -> (length: Int, distance: Int) {
        let previous = lastQuery
        if previous >= 0 { account(tokenFrom: previous, to: position, content) }
        lastQuery = position
        lastQueryBytes = content.bytesUpTo8(at: position)
        // A match of 264 or more goes out in 258-byte pieces at one distance with no lookups
        // between them (the last piece at least 6 bytes).
        if emitDistance > 0 {
            let length = content.matchLength(
                position, position - emitDistance, min(MatchPredictor.lookahead, content.count - position))
            if length >= 6 {
                lastWasEmitPiece = true
                return (min(length, 258), emitDistance)
            }
            emitDistance = 0
        }
        lastWasEmitPiece = false
        if position < skipEnd { return (0, 0) }
        if position == pairStart + 1 {
            lastFound = secondOfPair
        } else {
            pairStart = position
            lastFound = lookup(position, content)
            secondOfPair = lookup(position + 1, content)
            // Matched on all 8 bytes first compared, the second beats a shorter first.
            if lastFound.length < 8 && secondOfPair.length >= 8 { lastFound = (0, 0) }
        }
        return (min(lastFound.length, 258), lastFound.distance)
    }

    /// Moves the state past the token written from `start` to `end` (a literal when one byte).
    private mutating func account(tokenFrom start: Int, to end: Int, _ content: MatchPredictor) {
        if lastWasEmitPiece || start < skipEnd {
            pairStart = end
            return
        }
        guard start == pairStart || start == pairStart + 1 else {
            pairStart = end  // a stored block or a correction: start afresh
            return
        }
        if end == start + 1 {
            // A literal: the second of the pair is asked next, or a new pair starts.
            if start == pairStart + 1 {
                pairStart = end
                if skipsLiteralRuns && end > skipCheck { startLiteralRun(at: end, content) }
            }
            return
        }
        for inserted in (start + (start == pairStart ? 2 : 1))..<(start + 4) where inserted + 4 <= content.count {
            let word = UInt32(truncatingIfNeeded: lastQueryBytes >> UInt64(8 * (inserted - start)))
            table[Int(Self.crc32c(word)) & mask] = Int32(truncatingIfNeeded: inserted)
        }
        pairStart = end
        skipCheck = end + 2048
        skipLevel -= end - start
        // Longer than 258: pieces follow if 6 or more bytes are left (checked at the next query).
        if end - start == 258 && lastFound.length > 258 { emitDistance = lastFound.distance }
    }

    /// Levels 1-2 after two literals past ``skipCheck``: a run of literals from `position`
    /// with no lookups.
    private mutating func startLiteralRun(at position: Int, _ content: MatchPredictor) {
        skipLevel = skipLevel + 1 < 0 ? 0 : min(skipLevel + 1, 560)
        let length = (2 * max(0, skipLevel - 512) + 32) & ~31
        skipEnd = min(position + length, content.count)
        skipCheck = skipEnd + 2048 >> (skipLevel & 63)
        pairStart = skipEnd
    }

    @inline(__always)
    private func insert(_ position: Int, _ content: MatchPredictor) {
        guard position + 4 <= content.count else { return }
        table[Int(Self.crc32c(content.word(at: position))) & mask] = Int32(truncatingIfNeeded: position)
    }

    /// Looks `position` up and inserts it: the match's length up to 259 (0: none of 4 or
    /// more), reading at most ``MatchPredictor/lookahead`` bytes from the query before it.
    private func lookup(_ position: Int, _ content: MatchPredictor) -> (length: Int, distance: Int) {
        guard position + 4 <= content.count else { return (0, 0) }
        let slot = Int(Self.crc32c(content.word(at: position))) & mask
        let distance = ((position - Int(table[slot]) - 1) & 0x7fff) + 1
        table[slot] = Int32(truncatingIfNeeded: position)
        guard distance <= position else { return (0, 0) }
        let length = content.matchLength(position, position - distance, min(259, content.count - position))
        return length >= 4 ? (length, distance) : (0, 0)
    }

    // MARK: Hashes

    /// The SSE 4.2 `crc32` instruction on a 32-bit word from 0: CRC-32C, no inversions.
    @inline(__always)
    static func crc32c(_ word: UInt32) -> UInt32 {
        crc32cTables[3 << 8 | Int(word & 0xff)] ^ crc32cTables[2 << 8 | Int((word >> 8) & 0xff)]
            ^ crc32cTables[1 << 8 | Int((word >> 16) & 0xff)] ^ crc32cTables[Int(word >> 24)]
    }

    /// Slicing-by-4 tables of the reflected CRC-32C polynomial: entry `k << 8 | b` is byte
    /// `b` followed by `k` zero bytes.
    private static let crc32cTables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 4 << 8)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? crc >> 1 ^ 0x82F6_3B78 : crc >> 1 }
            tables[byte] = crc
        }
        for slice in 1..<4 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) << 8 | byte]
                tables[slice << 8 | byte] = previous >> 8 ^ tables[Int(previous & 0xff)]
            }
        }
        return tables
    }()

    /// ISA-L's `compute_hash_mad` (two rounds of `vpmaddwd` with -6069 and -26703).
    @inline(__always)
    static func multiplyAddHash(_ word: UInt32) -> UInt32 {
        var value = word
        for _ in 0..<2 {
            let low = Int32(Int16(truncatingIfNeeded: value))
            let high = Int32(Int16(truncatingIfNeeded: value >> 16))
            value = UInt32(bitPattern: low &* -6069 &+ high &* -26703)
        }
        return value
    }
}
