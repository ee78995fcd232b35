internal import CCPUHints

/// Predictor mode 6: the token an *optimal parse* of the block takes at a position, for the
/// encoders that choose tokens as a shortest path under a bit-cost model (7-Zip's deflate,
/// zopfli, libdeflate -10 to -12) rather than by a hash-chain search.
///
/// The cost model is the block's own code lengths (which the replay knows before the block's
/// tokens: payload version 3's `headersFirst`, ``MatchPredictor/blockCodeLengths``): a literal costs its literal/length code's
/// length, a match its length code's length and extra bits plus its distance code's length
/// and extra bits; a symbol the block has no code for cannot be used. These encoders end on
/// a parse that is (close to) a shortest path under costs from statistics close to the
/// block's final ones, so the shortest path under the final lengths predicts most tokens.
///
/// The path is computed *backward* (cost from each position to a horizon), so that every
/// position has a choice and the prediction goes on after a misprediction wherever the
/// actual stream lands. A window covers ``horizon`` positions from the queried one (or up to
/// the block's end); its choices are used for the first ``settled`` positions, then a new
/// window starts at the next queried position. Since payload version 8 (7-Zip's settings,
/// ``MatchPredictor/Settings/endsWindowsWhereMatchesEnd``) a window ends instead where 7-Zip's
/// forward parse ends one: at the first position no candidate crosses, or a nice match, or
/// ``horizon`` positions on (``windowEnd(from:)``); its choices are then final and all used,
/// so each position is solved once per parse instead of about 4/3 times. Match candidates per position: for each
/// length, the nearest distance that reaches it (the Pareto frontier of length against
/// distance, at most ``maximumCandidates`` entries, a longer one cut at the block's end), met
/// while inserting the position into a *binary tree* of the earlier positions with its 3-byte
/// hash (payload version 4; version 3 walked a hash chain): the tree keeps each hash's
/// positions ordered by the strings that start there, the newest at the root, so one descent
/// of at most `chain` nodes (the settings' chain limit) meets the matches of increasing
/// length at increasing distance, and the same descent re-roots the tree at the new position.
/// With a *nice length* (payload version 5, ``niceLength``; 7-Zip's "fast bytes") strings that
/// agree on that many bytes are one string to the tree, as in 7-Zip's and libdeflate's
/// finders: the descent stops at the first node that long, which the new position replaces,
/// and the candidate found there is extended to its whole length. Repetitive content, where
/// most descents met long strings all the way down, costs far less.
/// Every position is inserted once, in order (``insert(upTo:)`` for positions no block
/// queries), from the content's start or, in a segment, from 32 KiB before it
/// (``warm(from:upTo:)``). Among choices of equal cost the literal wins, then the shorter match (the order
/// of libdeflate's backward pass; measured better than the longer for 7-Zip and zopfli too).
///
/// Work is bounded per position: one tree descent of at most `chain` nodes, and per window
/// position at most 256 match lengths, each window position visited at most
/// `horizon / settled` times; memory is fixed (about 1.2 MiB; 10.6 MiB with predicted headers,
/// whose parse of a block's first ``predictedHeaderSpan`` positions keeps their candidates for
/// the block's own parse, so each position still has one descent and at most two backward
/// passes more). It reads ``readAhead`` content bytes from a queried position on (``predictedHeaderReadAhead``
/// from a block's start with predicted headers), and 32 KiB back.
final class OptimalParsePredictor {
    /// Positions one backward pass covers.
    static let horizon = 4096
    /// Positions of a window whose choices are used: the rest only shape them.
    static let settled = 3072
    /// Candidates (length, nearest distance) kept per position.
    static let maximumCandidates = 32
    /// Match lengths up to this are all tried; a candidate longer than this only at its full
    /// length (bounds the work per position).
    static let exhaustiveLengths = 32
    /// Content bytes from a queried position on that the predictor may read.
    static let readAhead = horizon + 258 + 8
    /// Positions of a block whose parse predicts its header (``predictedFrequencies(start:end:previous:)``).
    static let predictedHeaderSpan = 1 << 15
    /// Positions whose candidates a parser that predicts headers keeps: the span and the
    /// horizon past it, so the block's own parse finds them computed.
    static let predictedHeaderRing = 1 << 16
    /// Content bytes from a block's start on that predicting its header may read.
    static let predictedHeaderReadAhead = predictedHeaderSpan + readAhead
    private static let hashBits = 16
    private static let window = 1 << 15
    /// A cost no path takes: a symbol without a code.
    private static let unusable: Int32 = 1 << 24

    private var data: UnsafePointer<UInt8>
    private var origin = 0
    private let count: Int
    private let chainLimit: Int
    /// Strings that agree on this many bytes are one string to the trees (``niceLength``).
    private let niceLength: Int
    /// 7-Zip's fast-bytes rule (payload version 6): see ``solve(from:)``.
    private let cutsAtNiceMatches: Bool
    /// Payload version 8's windows (``windowEnd(from:)``): each ends where no candidate
    /// crosses, and all its choices are used.
    private let endsWindowsWhereMatchesEnd: Bool
    /// Positions whose candidates are kept (a power of two): ``horizon``, or
    /// ``predictedHeaderRing`` when headers are predicted (``predictedFrequencies(start:end:previous:)``).
    private let ringSize: Int
    /// The newest inserted position per hash (-1: none): each hash's tree root.
    private let head: UnsafeMutablePointer<Int32>
    /// Per window slot, two entries: the smaller and the greater subtree of the position there.
    private let children: UnsafeMutablePointer<Int32>
    private var inserted = 0

    /// Per position (modulo ``horizon``): the candidates' count, lengths and distances, and
    /// the distances' codes (each position's are priced in every window and block parse that
    /// covers it: two to five times).
    private let candidateCount: UnsafeMutablePointer<UInt8>
    private let candidateLength: UnsafeMutablePointer<UInt16>
    private let candidateDistance: UnsafeMutablePointer<UInt16>
    private let candidateDistanceCode: UnsafeMutablePointer<UInt8>
    /// Positions whose candidates are computed: `[computedStart, computedEnd)`.
    private var computedStart = 0
    private var computedEnd = 0

    /// The window: its choices for `[windowStart, windowStart + settled)` (or to the block's end).
    private var windowStart = 0
    private var windowUsable = 0
    private let pathCost: UnsafeMutablePointer<Int32>
    private let choiceLength: UnsafeMutablePointer<UInt16>
    private let choiceDistance: UnsafeMutablePointer<UInt16>
    /// Per window position: 1 where the fast-bytes rule takes the longest match.
    private let forced: UnsafeMutablePointer<UInt8>

    /// The block: its content range and its costs.
    private var blockStart = 0
    private var blockEnd = 0
    /// Bits per literal byte (256), per match length (index 3-258) and per distance code (30).
    private let literalCost: UnsafeMutablePointer<Int32>
    private let lengthCost: UnsafeMutablePointer<Int32>
    /// ``lengthCost`` as the length scan's keys (``lengthKey(cost:length:)``), index 3-258.
    private let lengthKey: UnsafeMutablePointer<Int32>
    private let distanceCost: UnsafeMutablePointer<Int32>

    /// A parser over content of `contentSize` bytes, walking at most `chainLimit` links per
    /// position, comparing strings up to `niceLength` bytes (3-258; 258 is no cut), with
    /// 7-Zip's fast-bytes rule when `cutsAtNiceMatches` (``solve(from:)``), with windows that
    /// end where no candidate crosses when `endsWindowsWhereMatchesEnd` (``windowEnd(from:)``).
    init(
        contentSize: Int, chainLimit: Int, niceLength: Int = 258, cutsAtNiceMatches: Bool = false,
        predictsHeaders: Bool = false, endsWindowsWhereMatchesEnd: Bool = false
    ) {
        data = UnsafePointer(bitPattern: 1)!
        count = contentSize
        self.chainLimit = chainLimit
        self.niceLength = min(max(niceLength, 3), 258)
        self.cutsAtNiceMatches = cutsAtNiceMatches
        self.endsWindowsWhereMatchesEnd = endsWindowsWhereMatchesEnd
        ringSize = predictsHeaders ? Self.predictedHeaderRing : Self.horizon
        head = .allocate(capacity: 1 << Self.hashBits)
        head.initialize(repeating: -1, count: 1 << Self.hashBits)
        children = .allocate(capacity: 2 * Self.window)
        children.initialize(repeating: -1, count: 2 * Self.window)
        candidateCount = .allocate(capacity: ringSize)
        candidateCount.initialize(repeating: 0, count: ringSize)
        candidateLength = .allocate(capacity: ringSize * Self.maximumCandidates)
        candidateDistance = .allocate(capacity: ringSize * Self.maximumCandidates)
        candidateDistanceCode = .allocate(capacity: ringSize * Self.maximumCandidates)
        pathCost = .allocate(capacity: Self.horizon + 1)
        pathCost.initialize(repeating: 0, count: Self.horizon + 1)
        choiceLength = .allocate(capacity: Self.horizon)
        choiceDistance = .allocate(capacity: Self.horizon)
        forced = .allocate(capacity: Self.horizon)
        forced.initialize(repeating: 0, count: Self.horizon)
        literalCost = .allocate(capacity: 256)
        literalCost.initialize(repeating: 8, count: 256)
        lengthCost = .allocate(capacity: 259)
        lengthCost.initialize(repeating: Self.unusable, count: 259)
        lengthKey = .allocate(capacity: 259)
        for length in 3...258 { lengthKey[length] = Self.lengthKey(cost: Self.unusable, length: length) }
        distanceCost = .allocate(capacity: 30)
        distanceCost.initialize(repeating: 5, count: 30)
    }

    deinit {
        head.deallocate()
        children.deallocate()
        candidateCount.deallocate()
        candidateLength.deallocate()
        candidateDistance.deallocate()
        candidateDistanceCode.deallocate()
        pathCost.deallocate()
        choiceLength.deallocate()
        choiceDistance.deallocate()
        forced.deallocate()
        literalCost.deallocate()
        lengthCost.deallocate()
        lengthKey.deallocate()
        distanceCost.deallocate()
    }

    /// Shows the predictor where the content is (as ``MatchPredictor/rebase(_:origin:)``).
    func rebase(_ bytes: UnsafeRawBufferPointer, origin: Int) {
        data = bytes.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? UnsafePointer(bitPattern: 1)!
        self.origin = origin
    }

    /// Starts a fixed or dynamic block covering content `start..<end`, whose codes have
    /// these lengths (a length 0: no code).
    func beginBlock(start: Int, end: Int, literalLengths: [UInt8], distanceLengths: [UInt8]) {
        blockStart = start
        blockEnd = end
        computedStart = start
        computedEnd = start
        price(literalLengths: literalLengths, distanceLengths: distanceLengths, unused: nil)
    }

    /// Starts a dynamic block covering content `start..<end` parsed under the `previous`
    /// dynamic header's code lengths (286 literal/length, then 30 distance), a symbol without
    /// a code priced as 7-Zip prices one without statistics (payload version 7,
    /// ``DeflateReconstruction/Flags/previousBlockPrices``: 7-Zip's single pass, -mx5 and
    /// -mx6, parses a block under the previous block's lengths).
    func beginBlock(start: Int, end: Int, previous: [UInt8]) {
        blockStart = start
        blockEnd = end
        computedStart = start
        computedEnd = start
        price(previous: previous)
    }

    /// Sets the costs from a previous header's code lengths (286 + 30), a symbol without a
    /// code at 7-Zip's prices for no statistics: 11 bits, 6 for a distance code.
    private func price(previous: [UInt8]) {
        price(literalLengths: Array(previous[0..<286]), distanceLengths: Array(previous[286..<316]), unused: (11, 6))
    }

    /// Sets the block's costs from code lengths and starts its parse afresh (the candidates
    /// computed so far are kept): a length 0 is a symbol without a code, which `unused` prices
    /// when given (its code's bits, before the extra bits), else no path takes.
    private func price(literalLengths: [UInt8], distanceLengths: [UInt8], unused: (literal: Int32, distance: Int32)?) {
        let noLiteral = unused?.literal ?? Self.unusable
        for byte in 0..<256 {
            literalCost[byte] = literalLengths[byte] == 0 ? noLiteral : Int32(literalLengths[byte])
        }
        for length in 3...258 {
            let code = Int(DeflateCodes.lengthCode[length])
            let symbol = 257 + code
            let bits = symbol < literalLengths.count ? literalLengths[symbol] : 0
            let extra = Int32(DeflateCodes.lengthExtra[code])
            lengthCost[length] = bits != 0 ? Int32(bits) + extra : unused.map { $0.literal + extra } ?? Self.unusable
            lengthKey[length] = Self.lengthKey(cost: lengthCost[length], length: length)
        }
        for code in 0..<30 {
            let bits = code < distanceLengths.count ? distanceLengths[code] : 0
            let extra = Int32(DeflateCodes.distanceExtra[code])
            distanceCost[code] = bits != 0 ? Int32(bits) + extra : unused.map { $0.distance + extra } ?? Self.unusable
        }
        windowStart = blockStart
        windowUsable = 0
    }

    /// Starts a dynamic block covering content `start..<end` whose header is predicted
    /// (payload version 7, ``DeflateReconstruction/Flags/predictedHeaders``): the
    /// frequencies of the parse of its first ``predictedHeaderSpan`` positions (or all, when
    /// fewer) under the `previous` dynamic header's code lengths (286 literal/length, then 30
    /// distance; a symbol without a code priced as 7-Zip prices one without statistics: 11
    /// bits, 6 for a distance, before the extra bits), as 7-Zip's first pass over a block
    /// takes the previous block's lengths. Once the header is known, ``repriceBlock(literalLengths:distanceLengths:)``
    /// sets the block's own costs; the candidates computed here are kept for that parse.
    func predictedFrequencies(start: Int, end: Int, previous: [UInt8]) -> BlockFrequencies {
        precondition(ringSize == Self.predictedHeaderRing, "a parser made to predict headers")
        beginBlock(start: start, end: end, previous: previous)
        var frequencies = BlockFrequencies()
        var position = start
        let limit = min(end, start + Self.predictedHeaderSpan)
        while position < limit {
            let token = predict(at: position).token
            if token == 0 {
                frequencies.add(literal: byte(position))
                position += 1
            } else {
                frequencies.add(match: token)
                position += token.matchLength
            }
        }
        return frequencies
    }

    /// The block begun by ``predictedFrequencies(start:end:previous:)`` is parsed under its
    /// own code lengths from its start (as ``beginBlock(start:end:literalLengths:distanceLengths:)``
    /// would, without computing its candidates again).
    func repriceBlock(literalLengths: [UInt8], distanceLengths: [UInt8]) {
        price(literalLengths: literalLengths, distanceLengths: distanceLengths, unused: nil)
    }

    @inline(__always)
    private func byte(_ position: Int) -> UInt8 { data[position - origin] }

    @inline(__always)
    private func hash(_ position: Int) -> Int {
        let value = UInt32(byte(position)) << 16 | UInt32(byte(position + 1)) << 8 | UInt32(byte(position + 2))
        return Int((value &* 0x9E37_79B1) >> UInt32(32 - Self.hashBits))
    }

    /// Runs every position before `end` through the match finder (the replay catches up before
    /// sliding its buffer, as ``MatchPredictor/insert(upTo:)``).
    func insert(upTo end: Int) {
        let limit = min(end, count - 2)
        while inserted < limit { advanceTree(base: -1) }
    }

    /// Starts this fresh parser at `start`, a segment's start (``MatchPredictor/warm(upTo:)``):
    /// positions `[from, start)` go into the binary trees as though the content began at
    /// `from` (empty trees, each position inserted in order with its usual descent), and none
    /// before `from`. The analysis and the replay call it alike, with the content from `from`
    /// to at least 258 bytes past `start` shown, so both hold the same trees at `start`.
    func warm(from: Int, upTo start: Int) {
        precondition(inserted == 0, "a fresh parser")
        inserted = min(max(0, from), max(0, count - 2))
        insert(upTo: start)
    }

    /// Inserts the next position (`inserted`) into the binary tree of its hash (see
    /// ``OptimalParsePredictor``), descending at most `chainLimit` nodes; with `base` >= 0 it
    /// writes the (length, nearest distance) pairs met, in increasing length, from
    /// `base` in the candidate arrays and returns their count.
    @discardableResult
    private func advanceTree(base: Int) -> Int {
        let position = inserted
        inserted &+= 1
        let fullLimit = min(258, count &- position)
        let limit = min(niceLength, fullLimit)
        let h = hash(position)
        // The next position's root is read next: ask for its cache line while this descent runs
        // (the table is 256 KiB, read at random).
        if position &+ 3 < count { cpu_prefetch_read(head + hash(position &+ 1)) }
        var node = Int(head[h])
        head[h] = Int32(truncatingIfNeeded: position)
        // Local copies: this descent is the match finder's whole cost.
        let children = self.children, here = data + (position &- origin), start = data - origin
        let mask = Self.window &- 1
        let slot = (position & mask) &* 2
        // Where the next node found smaller (left) or greater (right) than `position` goes.
        var smallerSlot = slot
        var greaterSlot = slot &+ 1
        var smallerLength = 0
        var greaterLength = 0
        var best = 2
        var found = 0
        var depth = chainLimit
        while node >= 0 && position &- node < Self.window && depth > 0 {
            depth &-= 1
            let other = start + node
            var length = LibdeflateMatching.extend(
                start, position, node, from: min(smallerLength, greaterLength), maximum: limit)
            let nodeSlot = (node & mask) &* 2
            if length >= limit && base >= 0 {
                // A match of the nice length may go on: its candidate is its whole length.
                length = LibdeflateMatching.extend(start, position, node, from: length, maximum: fullLimit)
            }
            if length > best && base >= 0 {
                best = length
                if found < Self.maximumCandidates {
                    let distance = position &- node
                    candidateLength[base &+ found] = UInt16(truncatingIfNeeded: length)
                    candidateDistance[base &+ found] = UInt16(truncatingIfNeeded: distance)
                    let code = DeflateCodes.distanceCode(distance)
                    candidateDistanceCode[base &+ found] = UInt8(truncatingIfNeeded: code)
                    found &+= 1
                }
            }
            if length >= limit {
                // The same string: `position` takes the node's place and its subtrees.
                children[smallerSlot] = children[nodeSlot]
                children[greaterSlot] = children[nodeSlot &+ 1]
                return found
            }
            if other[length] < here[length] {
                children[smallerSlot] = Int32(truncatingIfNeeded: node)
                smallerSlot = nodeSlot &+ 1
                smallerLength = length
                node = Int(children[nodeSlot &+ 1])
            } else {
                children[greaterSlot] = Int32(truncatingIfNeeded: node)
                greaterSlot = nodeSlot
                greaterLength = length
                node = Int(children[nodeSlot])
            }
        }
        children[smallerSlot] = -1
        children[greaterSlot] = -1
        return found
    }

    /// Computes the candidates at `position` (the next one not computed): the tree catches up
    /// to it, then its insertion yields them; a candidate reaching past the block is cut at
    /// the block's end (and the longer ones dropped).
    private func computeCandidates(at position: Int) {
        let slot = position & (ringSize &- 1)
        insert(upTo: position)
        var found = 0
        if position + 2 < count && inserted == position {
            let base = slot * Self.maximumCandidates
            found = advanceTree(base: base)
            let blockLimit = blockEnd - position
            if blockLimit < 3 {
                found = 0
            } else {
                var index = 0
                while index < found {
                    if Int(candidateLength[base + index]) >= blockLimit {
                        candidateLength[base + index] = UInt16(blockLimit)
                        index += 1
                        break
                    }
                    index += 1
                }
                found = index
            }
        }
        candidateCount[slot] = UInt8(found)
    }

    /// The shortest path from every position of `[start, end)` to `end` (costs to `end` 0).
    ///
    /// With ``cutsAtNiceMatches`` (7-Zip's fast bytes: its parser stops its forward pass at a
    /// position whose longest match reaches the fast bytes, returns the path to it, then takes
    /// that match whole): walking forward from `start` (a token boundary), each position
    /// whose longest candidate reaches the nice length takes it and the walk goes on after
    /// it; the paths before such a position end there (no token crosses it); and every length
    /// of a candidate up to the nice length is tried (7-Zip tries them all), not only up to
    /// ``exhaustiveLengths``. On the 61 MB Django tar 7-Zip -mx5 takes 2.63 % of the file
    /// instead of 3.28 %, in a replay no slower; -mx9 3.43 % instead of 4.43 %, in a replay
    /// a quarter slower (its 128 fast bytes: 4.22 % and no slower when lengths above 32 were
    /// tried only whole; bench/results-2026-12-03-fast-bytes.txt).
    private func solve(from start: Int) {
        if computedStart < start { computedStart = start }
        if computedEnd < start { computedEnd = start }
        let end = endsWindowsWhereMatchesEnd ? windowEnd(from: start) : min(start + Self.horizon, blockEnd)
        while computedEnd < end {
            computeCandidates(at: computedEnd)
            computedEnd += 1
        }
        let span = end - start
        // Local copies: the loop below is the backward pass's whole cost.
        let pathCost = self.pathCost, lengthCost = self.lengthCost, distanceCost = self.distanceCost
        let candidateLength = self.candidateLength, candidateDistance = self.candidateDistance
        let candidateDistanceCode = self.candidateDistanceCode, lengthKey = self.lengthKey
        let literalCost = self.literalCost, text = data + (start - origin)
        pathCost[span] = 0
        markNiceMatches(from: start, span: span)
        // Where the paths of the positions below end: the next position the rule took, or `end`.
        var limit = span
        var index = span - 1
        // 7-Zip tries every length of a match below its fast bytes: so does the rule.
        let fast = cutsAtNiceMatches ? max(niceLength, Self.exhaustiveLengths) : Self.exhaustiveLengths
        while index >= 0 {
            let position = start &+ index
            let slot = position & (ringSize &- 1)
            let found = Int(candidateCount[slot])
            let base = slot &* Self.maximumCandidates
            if forced[index] != 0 {
                pathCost[index] = 0
                choiceLength[index] = candidateLength[base &+ found &- 1]
                choiceDistance[index] = candidateDistance[base &+ found &- 1]
                limit = index
                index &-= 1
                continue
            }
            var best = literalCost[Int(text[index])] &+ pathCost[index &+ 1]
            var bestLength = 1
            var bestDistance: UInt16 = 0
            var shorter = 3
            let reach = limit &- index
            var entry = 0
            while entry < found {
                let length = min(Int(candidateLength[base &+ entry]), reach)
                entry &+= 1
                guard length >= shorter else { continue }
                // The cheapest length of this candidate (the shortest among equals), then its
                // distance's cost: the same choice as trying every (candidate, length) in order.
                let top = min(length, fast)
                let scanned = pathCost + index
                var (cheapest, cheapestLength) =
                    top &- shorter >= Lanes.scalarCount
                    ? Self.cheapestLength(
                        from: shorter, through: top, lengthKey: lengthKey, lengthCost: lengthCost, pathCost: scanned)
                    : Self.cheapestLengthOneByOne(
                        from: shorter, through: top, lengthCost: lengthCost, pathCost: scanned)
                if length > top {
                    let cost = lengthCost[length] &+ pathCost[index &+ length]
                    if cost < cheapest {
                        cheapest = cost
                        cheapestLength = length
                    }
                }
                let distance = candidateDistance[base &+ entry &- 1]
                let total = cheapest &+ distanceCost[Int(candidateDistanceCode[base &+ entry &- 1])]
                if total < best {
                    best = total
                    bestLength = cheapestLength
                    bestDistance = distance
                }
                shorter = length &+ 1
            }
            pathCost[index] = min(best, Self.unusable)
            choiceLength[index] = UInt16(truncatingIfNeeded: bestLength)
            choiceDistance[index] = bestDistance
            index &-= 1
        }
        windowStart = start
        windowUsable = end == blockEnd || endsWindowsWhereMatchesEnd ? span : min(span, Self.settled)
    }

    /// Where payload version 8's window from `start` ends (computing the candidates up to
    /// there): at the first later position that no candidate from the window crosses (every
    /// path from `start` goes through it, so the shortest path to it is the start of any longer
    /// one, and every choice before it is final), at the first later position whose longest
    /// match the fast-bytes rule takes, after `start` itself when the rule takes its match, at
    /// ``horizon`` positions, or at the block's end. These are the windows of 7-Zip's forward
    /// parse (`GetOptimal`: its window ends where `cur` meets `lenEnd`, at a match longer than
    /// the fast bytes, or at 4,096 positions). Each position's backward pass is then one
    /// visit per parse, not the overlapping windows' 4/3.
    private func windowEnd(from start: Int) -> Int {
        let limit = min(start + Self.horizon, blockEnd)
        var reach = start
        var position = start
        while position < limit {
            if position > start && reach <= position { return position }
            if computedEnd == position {
                computeCandidates(at: position)
                computedEnd += 1
            }
            let slot = position & (ringSize &- 1)
            let found = Int(candidateCount[slot])
            let longest = found > 0 ? Int(candidateLength[slot &* Self.maximumCandidates &+ found &- 1]) : 1
            if cutsAtNiceMatches && longest >= niceLength {
                return position == start ? start + 1 : position
            }
            reach = max(reach, position + longest)
            position += 1
        }
        return limit
    }

    /// Lanes of the length scan (``cheapestLength(from:through:lengthKey:lengthCost:pathCost:)``).
    typealias Lanes = SIMD8<Int32>

    /// Costs below this are exact in a lane key (``lengthKey(cost:length:)``). A length
    /// without a code (priced ``unusable``) keys at this cost; a scan whose cheapest key has
    /// this cost or more, or that read a path cost this high (a path through such a length or
    /// literal), is scanned again one length at a time.
    static let keyedCostLimit: Int32 = 1 << 22

    /// A length's cost as a lane key: the cost (at most ``keyedCostLimit``) above 8 bits that
    /// hold `length - 3`, so that the smallest key is the cheapest length and, among equals,
    /// the shortest.
    @inline(__always)
    static func lengthKey(cost: Int32, length: Int) -> Int32 {
        min(cost, keyedCostLimit) &<< 8 | Int32(truncatingIfNeeded: length &- 3)
    }

    /// The cheapest of lengths `first...last` (at least eight of them) from a position
    /// (`lengthCost[length] + pathCost[length]`, `pathCost` based at the position) and the
    /// shortest length at that cost: the smallest of `lengthKey[length] + pathCost[length] << 8`
    /// (``lengthKey(cost:length:)``), eight lengths at a time, the last eight ending at
    /// `last`. Without a blend per lane this is under half the instructions of keeping each
    /// lane's cheapest cost and length apart (SSE2 has neither a 32-bit minimum nor a blend).
    /// Costs of ``keyedCostLimit`` or more, where keys are not exact, fall to
    /// ``cheapestLengthOneByOne(from:through:lengthCost:pathCost:)``, whose choice this is in
    /// every case (tests hold them equal). Reads nothing outside `first...last`.
    @inline(__always)
    static func cheapestLength(
        from first: Int, through last: Int, lengthKey: UnsafePointer<Int32>, lengthCost: UnsafePointer<Int32>,
        pathCost: UnsafePointer<Int32>
    ) -> (cost: Int32, length: Int) {
        let lastStart = last &- (Lanes.scalarCount &- 1)
        var smallest = Lanes(repeating: .max)
        var paths = Lanes(repeating: 0)
        var start = first
        while true {
            if start > lastStart { start = lastStart }
            let path = UnsafeRawPointer(pathCost + start).loadUnaligned(as: Lanes.self)
            paths |= path
            let keys = UnsafeRawPointer(lengthKey + start).loadUnaligned(as: Lanes.self) &+ (path &<< 8)
            smallest = pointwiseMin(smallest, keys)
            if start == lastStart { break }
            start &+= Lanes.scalarCount
        }
        let key = smallest.min()
        let cost = key &>> 8
        guard cost < keyedCostLimit, paths.max() < keyedCostLimit else {
            return cheapestLengthOneByOne(from: first, through: last, lengthCost: lengthCost, pathCost: pathCost)
        }
        return (cost, Int(key & 0xff) &+ 3)
    }

    /// ``cheapestLength(from:through:lengthKey:lengthCost:pathCost:)`` one length at a time (for
    /// short ranges, and costs too high for keys).
    @inline(__always)
    static func cheapestLengthOneByOne(
        from first: Int, through last: Int, lengthCost: UnsafePointer<Int32>, pathCost: UnsafePointer<Int32>
    ) -> (cost: Int32, length: Int) {
        var cheapest = Int32.max
        var cheapestLength = 0
        var tried = first
        while tried <= last {
            let cost = lengthCost[tried] &+ pathCost[tried]
            if cost < cheapest {
                cheapest = cost
                cheapestLength = tried
            }
            tried &+= 1
        }
        return (cheapest, cheapestLength)
    }

    /// Marks in ``forced`` the window positions (from `start`, `span` of them) where the
    /// fast-bytes rule takes the longest match: none without ``cutsAtNiceMatches`` (then
    /// ``forced`` stays all 0 from its start).
    private func markNiceMatches(from start: Int, span: Int) {
        guard cutsAtNiceMatches else { return }
        forced.update(repeating: 0, count: span)
        var index = 0
        while index < span {
            let slot = (start &+ index) & (ringSize &- 1)
            let found = Int(candidateCount[slot])
            let longest = found > 0 ? Int(candidateLength[slot &* Self.maximumCandidates &+ found &- 1]) : 0
            if longest >= niceLength {
                forced[index] = 1
                index &+= longest
            } else {
                index &+= 1
            }
        }
    }

    /// The optimal parse's token at `position` (inside the block begun last, positions
    /// asked in increasing order), and the longest match found there.
    func predict(at position: Int) -> TokenPrediction {
        guard position >= blockStart && position < blockEnd else {
            return TokenPrediction(token: 0, bestLength: 0, kind: 0)
        }
        if position < windowStart || position >= windowStart + windowUsable { solve(from: position) }
        let index = position - windowStart
        let slot = position & (ringSize &- 1)
        let found = Int(candidateCount[slot])
        let longest = found > 0 ? Int(candidateLength[slot * Self.maximumCandidates + found - 1]) : 0
        let length = Int(choiceLength[index])
        if length < 3 { return TokenPrediction(token: 0, bestLength: longest, kind: longest >= 3 ? 1 : 0) }
        let distance = Int(choiceDistance[index])
        let kind =
            switch length {
            case 3: distance > 4096 ? 3 : 2
            case 4..<8: 4
            default: 5
            }
        return TokenPrediction(token: .match(length: length, distance: distance), bestLength: longest, kind: kind)
    }
}

extension OptimalParsePredictor {
    /// Mode 6's settings the analysis tries on the sample, as (tree depth, nice length):
    /// 7-Zip's own match finder settings at -mx5/-mx6 (32, 32), -mx7/-mx8 (48, 64) and -mx9
    /// (80, 128) (its cut value 16 + fb / 2 and fast bytes fb), and (128, none) for zopfli and
    /// libdeflate -10 to -12 (which cut at 258 at level 12). On the 61 MB Django 5.1 tar,
    /// 7-Zip -mx9 takes 4.43 % of the file with (80, 128) against 4.61 % with (128, none) and
    /// replays in 7.05 s of CPU against 8.65 s; -mx5 3.28 % with (32, 32) against 3.78 % with
    /// (32, none), in 5.75 s against 6.44 s (bench/results-2026-12-02-nice-length.txt).
    /// The three with a nice length follow 7-Zip's fast-bytes rule too (payload version 6,
    /// ``MatchPredictor/Settings/cutsAtNiceMatches``): -mx5 2.63 %, -mx9 3.43 %.
    static let candidateSettings: [MatchPredictor.Settings] = [
        MatchPredictor.Settings(
            chainLimit: 32, lazyLimit: 32, mode: .optimalParse, cutsAtNiceMatches: true, pricesFromPreviousBlock: true,
            endsWindowsWhereMatchesEnd: true),
        MatchPredictor.Settings(
            chainLimit: 48, lazyLimit: 64, mode: .optimalParse, cutsAtNiceMatches: true, predictsHeaders: true,
            endsWindowsWhereMatchesEnd: true),
        MatchPredictor.Settings(
            chainLimit: 80, lazyLimit: 128, mode: .optimalParse, cutsAtNiceMatches: true, predictsHeaders: true,
            endsWindowsWhereMatchesEnd: true),
        MatchPredictor.Settings(chainLimit: 128, lazyLimit: 0, mode: .optimalParse, predictsHeaders: true),
    ]

    /// Reconstruction data, as a share of the compressed sample, above which mode 6 is
    /// tried: the hash-chain modes predict zlib-like encoders to within a few percent, and
    /// there the optimal parse's analysis time is not spent.
    static let tryAboveShare = 0.04
}

extension DeflateReconstruction {
    /// Whether the sample's best coding so far (`sampleSize` bytes for `sampleBlocks`) leaves
    /// enough mispredicted that the optimal parse is worth trying on the sample.
    static func optimalParseMayPay(
        sampleSize: Int, sampleBlocks: ArraySlice<DeflateBlockRecord>, deflate: UnsafeRawBufferPointer,
        content: UnsafeRawBufferPointer
    ) -> Bool {
        guard let last = sampleBlocks.last, content.count > 0 else {
            return false
        }
        let sampledContent = min(last.contentStart + last.contentLength, sampleLimit)
        let sampledStream = Double(sampledContent) * Double(deflate.count) / Double(content.count)
        return Double(sampleSize) > OptimalParsePredictor.tryAboveShare * sampledStream
    }
}
