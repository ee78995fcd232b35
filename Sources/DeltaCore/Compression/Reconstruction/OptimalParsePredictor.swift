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
/// window starts at the next queried position. Match candidates per position: for each
/// length, the nearest distance that reaches it, from a hash chain walked at most `chain`
/// links (the Pareto frontier of length against distance, at most ``maximumCandidates``
/// entries), computed once per position in order. Among choices of equal cost the literal
/// wins, then the shorter match (the order of libdeflate's backward pass; measured better than
/// the longer for 7-Zip and zopfli too).
///
/// Work is bounded per position: one chain walk of at most `chain` links, and per window
/// position at most 256 match lengths, each window position visited at most
/// `horizon / settled` times; memory is fixed (about 1.5 MiB). It reads ``readAhead`` content
/// bytes from a queried position on, and 32 KiB back.
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
    private static let hashBits = 16
    private static let window = 1 << 15
    /// A cost no path takes: a symbol without a code.
    private static let unusable: Int32 = 1 << 24

    private var data: UnsafePointer<UInt8>
    private var origin = 0
    private let count: Int
    private let chainLimit: Int
    private let head: UnsafeMutablePointer<Int32>
    private let previous: UnsafeMutablePointer<Int32>
    private var inserted = 0

    /// Per position (modulo ``horizon``): the candidates' count, lengths and distances.
    private let candidateCount: UnsafeMutablePointer<UInt8>
    private let candidateLength: UnsafeMutablePointer<UInt16>
    private let candidateDistance: UnsafeMutablePointer<UInt16>
    /// Positions whose candidates are computed: `[computedStart, computedEnd)`.
    private var computedStart = 0
    private var computedEnd = 0

    /// The window: its choices for `[windowStart, windowStart + settled)` (or to the block's end).
    private var windowStart = 0
    private var windowUsable = 0
    private let pathCost: UnsafeMutablePointer<Int32>
    private let choiceLength: UnsafeMutablePointer<UInt16>
    private let choiceDistance: UnsafeMutablePointer<UInt16>

    /// The block: its content range and its costs.
    private var blockStart = 0
    private var blockEnd = 0
    /// Bits per literal byte (256), per match length (index 3-258) and per distance code (30).
    private let literalCost: UnsafeMutablePointer<Int32>
    private let lengthCost: UnsafeMutablePointer<Int32>
    private let distanceCost: UnsafeMutablePointer<Int32>

    /// A parser over content of `contentSize` bytes, walking at most `chainLimit` links per
    /// position.
    init(contentSize: Int, chainLimit: Int) {
        data = UnsafePointer(bitPattern: 1)!
        count = contentSize
        self.chainLimit = chainLimit
        head = .allocate(capacity: 1 << Self.hashBits)
        head.initialize(repeating: -1, count: 1 << Self.hashBits)
        previous = .allocate(capacity: Self.window)
        previous.initialize(repeating: -1, count: Self.window)
        candidateCount = .allocate(capacity: Self.horizon)
        candidateCount.initialize(repeating: 0, count: Self.horizon)
        candidateLength = .allocate(capacity: Self.horizon * Self.maximumCandidates)
        candidateDistance = .allocate(capacity: Self.horizon * Self.maximumCandidates)
        pathCost = .allocate(capacity: Self.horizon + 1)
        choiceLength = .allocate(capacity: Self.horizon)
        choiceDistance = .allocate(capacity: Self.horizon)
        literalCost = .allocate(capacity: 256)
        literalCost.initialize(repeating: 8, count: 256)
        lengthCost = .allocate(capacity: 259)
        lengthCost.initialize(repeating: 8, count: 259)
        distanceCost = .allocate(capacity: 30)
        distanceCost.initialize(repeating: 5, count: 30)
    }

    deinit {
        head.deallocate()
        previous.deallocate()
        candidateCount.deallocate()
        candidateLength.deallocate()
        candidateDistance.deallocate()
        pathCost.deallocate()
        choiceLength.deallocate()
        choiceDistance.deallocate()
        literalCost.deallocate()
        lengthCost.deallocate()
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
        for byte in 0..<256 {
            literalCost[byte] = literalLengths[byte] == 0 ? Self.unusable : Int32(literalLengths[byte])
        }
        for length in 3...258 {
            let code = Int(DeflateCodes.lengthCode[length])
            let symbol = 257 + code
            let bits = symbol < literalLengths.count ? literalLengths[symbol] : 0
            lengthCost[length] = bits == 0 ? Self.unusable : Int32(bits) + Int32(DeflateCodes.lengthExtra[code])
        }
        for code in 0..<30 {
            let bits = code < distanceLengths.count ? distanceLengths[code] : 0
            distanceCost[code] = bits == 0 ? Self.unusable : Int32(bits) + Int32(DeflateCodes.distanceExtra[code])
        }
        computedStart = start
        computedEnd = start
        windowStart = start
        windowUsable = 0
    }

    @inline(__always)
    private func byte(_ position: Int) -> UInt8 { data[position - origin] }

    @inline(__always)
    private func hash(_ position: Int) -> Int {
        let value = UInt32(byte(position)) << 16 | UInt32(byte(position + 1)) << 8 | UInt32(byte(position + 2))
        return Int((value &* 0x9E37_79B1) >> UInt32(32 - Self.hashBits))
    }

    /// Inserts every position before `end` into the hash chains (the replay catches up before
    /// sliding its buffer, as ``MatchPredictor/insert(upTo:)``).
    func insert(upTo end: Int) {
        let limit = min(end, count - 2)
        while inserted < limit {
            let h = hash(inserted)
            previous[inserted & (Self.window - 1)] = head[h]
            head[h] = Int32(inserted)
            inserted += 1
        }
    }

    @inline(__always)
    private func matchLength(_ position: Int, _ candidate: Int, _ limit: Int) -> Int {
        var length = 0
        let a = data + (position - origin)
        let b = data + (candidate - origin)
        while length + 8 <= limit {
            let x = UnsafeRawPointer(a + length).loadUnaligned(as: UInt64.self)
            let y = UnsafeRawPointer(b + length).loadUnaligned(as: UInt64.self)
            if x != y { return length + (x ^ y).trailingZeroBitCount >> 3 }
            length += 8
        }
        while length < limit && a[length] == b[length] { length += 1 }
        return length
    }

    /// Computes the candidates at `position` (the next one not computed).
    private func computeCandidates(at position: Int) {
        let slot = position % Self.horizon
        insert(upTo: position)
        var found = 0
        let limit = min(258, blockEnd - position)
        if limit >= 3 && position + 2 < count {
            var best = 2
            var candidate = Int(head[hash(position)])
            var steps = chainLimit
            let base = slot * Self.maximumCandidates
            while candidate >= 0 && candidate < position && position - candidate <= Self.window && steps > 0 {
                if byte(candidate + best) == byte(position + best) {
                    let length = matchLength(position, candidate, limit)
                    if length > best {
                        best = length
                        candidateLength[base + found] = UInt16(length)
                        candidateDistance[base + found] = UInt16(position - candidate)
                        found += 1
                        if length == limit || found == Self.maximumCandidates { break }
                    }
                }
                steps -= 1
                let next = Int(previous[candidate & (Self.window - 1)])
                guard next < candidate else { break }
                candidate = next
            }
        }
        candidateCount[slot] = UInt8(found)
    }

    /// The shortest path from every position of `[start, end)` to `end` (costs to `end` 0).
    private func solve(from start: Int) {
        let end = min(start + Self.horizon, blockEnd)
        if computedStart < start { computedStart = start }
        if computedEnd < start { computedEnd = start }
        while computedEnd < end {
            computeCandidates(at: computedEnd)
            computedEnd += 1
        }
        let span = end - start
        pathCost[span] = 0
        var index = span - 1
        let fast = Self.exhaustiveLengths
        while index >= 0 {
            let position = start + index
            var best = literalCost[Int(byte(position))] + pathCost[index + 1]
            var bestLength: UInt16 = 1
            var bestDistance: UInt16 = 0
            let slot = position % Self.horizon
            let found = Int(candidateCount[slot])
            var shorter = 3
            let reach = span - index
            for entry in 0..<found {
                let length = min(Int(candidateLength[slot * Self.maximumCandidates + entry]), reach)
                let distance = candidateDistance[slot * Self.maximumCandidates + entry]
                let distanceBits = distanceCost[DeflateCodes.distanceCode(Int(distance))]
                if length >= shorter {
                    var tried = shorter
                    while tried <= length {
                        if tried > fast && tried < length { tried = length }
                        let cost = lengthCost[tried] + distanceBits + pathCost[index + tried]
                        if cost < best {
                            best = cost
                            bestLength = UInt16(tried)
                            bestDistance = distance
                        }
                        tried += 1
                    }
                    shorter = length + 1
                }
            }
            pathCost[index] = min(best, Self.unusable)
            choiceLength[index] = bestLength
            choiceDistance[index] = bestDistance
            index -= 1
        }
        windowStart = start
        windowUsable = end == blockEnd ? span : min(span, Self.settled)
    }

    /// The optimal parse's token at `position` (inside the block begun last, positions
    /// asked in increasing order), and the longest match found there.
    func predict(at position: Int) -> TokenPrediction {
        guard position >= blockStart && position < blockEnd else {
            return TokenPrediction(token: 0, bestLength: 0, kind: 0)
        }
        if position < windowStart || position >= windowStart + windowUsable { solve(from: position) }
        let index = position - windowStart
        let slot = position % Self.horizon
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
    /// Mode 6's settings the analysis tries: a chain of 256 links (the lazy limit is unused).
    static let candidateSettings: [MatchPredictor.Settings] = [
        MatchPredictor.Settings(chainLimit: 256, lazyLimit: 0, mode: .optimalParse)
    ]

    /// Reconstruction data, as a share of the compressed sample, above which mode 6 is
    /// tried: the hash-chain modes predict zlib-like encoders to within a few percent, and
    /// there the optimal parse's analysis time is not spent.
    static let tryAboveShare = 0.04

    /// Whether the analysis tries mode 6 at all. Off: on the Django 5.1 tar it halves 7-Zip's
    /// reconstruction data (9.7 % to 5.9 % at -mx9, 8.6 % to 4.6 % at -mx5) but its replay takes
    /// 6.9 × a zlib -9 compression (the limit is 2 ×) and its analysis 15 ×, nearly all in the
    /// per-position chain walks (docs/recipes.md). Every mode-6 payload replays either way.
    static let triedByAnalysis = false
}

extension DeflateReconstruction {
    /// Whether the sample's best coding so far (`sampleSize` bytes for `sampleBlocks`) leaves
    /// enough mispredicted that the optimal parse is worth trying on the sample.
    static func optimalParseMayPay(
        sampleSize: Int, sampleBlocks: ArraySlice<DeflateBlockRecord>, deflate: UnsafeRawBufferPointer,
        content: UnsafeRawBufferPointer
    ) -> Bool {
        guard OptimalParsePredictor.triedByAnalysis, let last = sampleBlocks.last, content.count > 0 else {
            return false
        }
        let sampledContent = min(last.contentStart + last.contentLength, sampleLimit)
        let sampledStream = Double(sampledContent) * Double(deflate.count) / Double(content.count)
        return Double(sampleSize) > OptimalParsePredictor.tryAboveShare * sampledStream
    }
}
