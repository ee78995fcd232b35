/// Raw deflate (RFC 1951) that produces exactly what GNU gzip 1.x writes at levels 1 to 9.
///
/// zlib descends from the same code but differs in its hash, window handling and block
/// decisions, so no zlib setting reproduces `gzip -6` or `gzip -9`. This encoder follows GNU
/// gzip's `deflate.c` (a 64 KiB window slid by 32 KiB, 15-bit hash chains, the level's
/// good/lazy/nice/chain table, lazy matching from level 4) and its `trees.c`
/// (``GNUDeflateTrees``). Input is consumed as gzip reads a regular file: the window is
/// filled completely whenever gzip would fill it, which this type emulates by holding input
/// back until a full read is possible or the input ends.
///
/// With `rsyncable` it also ends blocks at `gzip --rsyncable`'s sequence points
/// (``GNURsyncableChunking``).
///
/// Wrap it in ``GzipMemberEncoder`` for a `.gz` file.
public final class GNUDeflateEncoder: StreamEncoder {
    /// Names the gzip release whose output this encoder reproduces; recorded in recipes.
    public static let compatibilityVersion = "gzip-1.12/1"

    private var core: GNUDeflateCore
    private var finished = false

    /// Creates an encoder for `gzip -level`, or `gzip -level --rsyncable` (gzip 1.7 and later).
    /// - Throws: ``CompressionError/invalidSettings(_:detail:)`` unless `level` is 1 to 9.
    public convenience init(level: Int, rsyncable: Bool = false) throws(CompressionError) {
        try self.init(level: level, rsyncable: rsyncable, variant: .gzip112)
    }

    /// An encoder for `gzip -level` as built with `variant`'s compile-time choices.
    init(level: Int, rsyncable: Bool = false, variant: GNUDeflateVariant) throws(CompressionError) {
        guard (1...9).contains(level) else { throw .invalidSettings(.gzip, detail: "GNU gzip level \(level)") }
        core = GNUDeflateCore(level: level, variant: variant)
        if rsyncable { core.rsync = GNURsyncableChunking() }
    }

    deinit { core.deallocate() }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.gzip) }
        guard input.count > 0 else { return }
        core.input.append(input)
        try core.run(finishing: false, sink)
    }

    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        finished = true
        try core.run(finishing: true, sink)
    }
}

/// Compile-time choices in gzip's sources that forks and later releases have changed
/// (a 2023 tree has LIT_BUFSIZE 0x4000, no early block-end guess, and the nice-match clamp);
/// the values here are gzip 1.12's, checked against its binary.
struct GNUDeflateVariant: Hashable, Sendable {
    /// `LIT_BUFSIZE`: symbols per block at most.
    var litBufferSize: Int
    /// Whether `ct_tally` guesses early block ends every 4096 symbols (levels 3 and up).
    var guessesBlockEnd: Bool
    /// Whether `longest_match` clamps `nice_match` to the lookahead.
    var clampsNiceMatch: Bool
    /// Whether `fill_window` zeroes the two window bytes past the input's end ("don't let
    /// garbage pollute the dictionary", gzip 1.5). Without it they keep what the window held
    /// there: zeros before the first slide, else the content 32 KiB earlier.
    var zeroesPastEnd = true

    static let gzip112 = GNUDeflateVariant(litBufferSize: 0x8000, guessesBlockEnd: true, clampsNiceMatch: false)
    /// gzip 1.4 and earlier, and busybox's `gzip` (its `deflate.c` is gzip's of that time).
    static let unzeroedEnd = GNUDeflateVariant(
        litBufferSize: 0x8000, guessesBlockEnd: true, clampsNiceMatch: false, zeroesPastEnd: false)
}

/// Input waiting to enter the window: bytes copied in as a stream arrives, or a whole
/// segment's content borrowed in place (parallel recompression, where copying 2 MiB into a
/// growing buffer per segment cost more than the bookkeeping).
struct PendingInput {
    private(set) var storage: UnsafeMutablePointer<UInt8> = .allocate(capacity: 1 << 17)
    private(set) var capacity = 1 << 17
    private(set) var start = 0
    private(set) var end = 0
    /// Whether ``storage`` is this buffer's own (else it is borrowed, and never written).
    private var owned = true

    var count: Int { end - start }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if end + bytes.count > capacity || !owned {
            let live = count
            if live + bytes.count > capacity || !owned {
                let newCapacity = max(capacity * 2, live + bytes.count)
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
                bigger.update(from: storage + start, count: live)
                if owned { storage.deallocate() }
                storage = bigger
                capacity = newCapacity
                owned = true
            } else {
                storage.update(from: storage + start, count: live)
            }
            start = 0
            end = live
        }
        (storage + end).update(from: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        end += bytes.count
    }

    /// Takes `bytes` as the whole input without copying them; they must stay valid and
    /// unchanged while this input is read. Only when nothing is pending.
    mutating func borrow(_ bytes: UnsafeRawBufferPointer) {
        precondition(count == 0, "borrowing while input is pending")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        if owned { storage.deallocate() }
        storage = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self))
        capacity = bytes.count
        start = 0
        end = bytes.count
        owned = false
    }

    /// Moves up to `count` bytes into `destination`; returns how many.
    mutating func read(into destination: UnsafeMutablePointer<UInt8>, count wanted: Int) -> Int {
        let n = min(wanted, count)
        destination.update(from: storage + start, count: n)
        start += n
        if start == end { start = 0; end = 0 }
        return n
    }

    func deallocate() { if owned { storage.deallocate() } }
}

/// GNU gzip's `deflate.c` state and loops.
struct GNUDeflateCore {
    static let wSize = 0x8000
    static let wMask = wSize - 1
    static let windowSize = 2 * wSize
    static let hashBits = 15
    static let hashSize = 1 << hashBits
    static let hashMask = hashSize - 1
    static let hShift = (hashBits + 3 - 1) / 3
    static let minMatch = 3
    static let maxMatch = 258
    static let minLookahead = maxMatch + minMatch + 1
    static let maxDist = wSize - minLookahead
    static let tooFar = 4096

    /// good, lazy, nice, chain per level (gzip's `configuration_table`).
    static let configuration: [(good: Int, lazy: Int, nice: Int, chain: Int)] = [
        (0, 0, 0, 0), (4, 4, 8, 4), (4, 5, 16, 8), (4, 6, 32, 32), (4, 4, 16, 16),
        (8, 16, 32, 32), (8, 16, 128, 128), (8, 32, 128, 256), (32, 128, 258, 1024), (32, 258, 258, 4096),
    ]

    private enum Phase { case start, initializing, running, done }

    let level: Int
    let goodMatch: Int
    let maxLazy: Int
    let niceMatch: Int
    let maxChain: Int
    let clampsNiceMatch: Bool
    let zeroesPastEnd: Bool

    let window: UnsafeMutablePointer<UInt8>
    let prev: UnsafeMutablePointer<UInt16>
    let head: UnsafeMutablePointer<UInt16>
    var input = PendingInput()
    var trees: GNUDeflateTrees
    var out = DeflateBitWriter()
    /// `--rsyncable`'s sequence points; nil without it.
    var rsync: GNURsyncableChunking?

    private var phase = Phase.start
    private var strstart = 0
    private var blockStart = 0
    private var lookahead = 0
    private var insH = 0
    private var matchStart = 0
    private var prevLength = 0
    private var eofile = false
    // Lazy evaluation state, kept between steps.
    private var matchAvailable = false
    private var matchLength = minMatch - 1
    private var prevMatch = 0
    // Restart points (parallel recompression, see DeflateSegment): where the run stands.
    /// The content offset of `window[0]`.
    private(set) var windowBase = 0
    /// Told of each block boundary of the lazy levels (4 to 9), where a segment could start.
    var boundaryObserver: ((GNUDeflateBoundary) -> Void)?
    /// A content offset where a block starts: the run stops there, the block before it written.
    var stopOffset: Int?
    /// The boundary the run stopped at (``stopOffset``).
    private(set) var stoppedAt: GNUDeflateBoundary?

    init(level: Int, variant: GNUDeflateVariant) {
        self.level = level
        let config = Self.configuration[level]
        goodMatch = config.good
        maxLazy = config.lazy
        niceMatch = config.nice
        maxChain = config.chain
        clampsNiceMatch = variant.clampsNiceMatch
        zeroesPastEnd = variant.zeroesPastEnd
        window = .allocate(capacity: Self.windowSize + Self.maxMatch)
        window.initialize(repeating: 0, count: Self.windowSize + Self.maxMatch)
        prev = .allocate(capacity: Self.wSize)
        prev.initialize(repeating: 0, count: Self.wSize)
        head = .allocate(capacity: Self.hashSize)
        head.initialize(repeating: 0, count: Self.hashSize)
        trees = GNUDeflateTrees(
            level: level, litBufferSize: variant.litBufferSize, guessesBlockEnd: variant.guessesBlockEnd)
        if level <= 3 { matchLength = 0 }
    }

    func deallocate() {
        window.deallocate(); prev.deallocate(); head.deallocate()
        input.deallocate(); trees.deallocate(); out.deallocate()
    }

    /// Runs as far as the input allows. Without `finishing`, stops where gzip would read
    /// more input than has arrived, so every read is as full as a read of a regular file.
    mutating func run(finishing: Bool, _ sink: ChunkSink) throws {
        if phase == .start {
            guard finishing || input.count >= Self.windowSize else { return }
            lookahead = input.read(into: window, count: Self.windowSize)
            if lookahead == 0 {
                eofile = true
                phase = .running
            } else {
                phase = .initializing
            }
        }
        if phase == .initializing {
            while lookahead < Self.minLookahead && !eofile {
                guard fillWindow(finishing: finishing) else { return }
            }
            insH = 0
            for j in 0..<(Self.minMatch - 1) { insH = ((insH << Self.hShift) ^ Int(window[j])) & Self.hashMask }
            phase = .running
        }
        guard phase == .running else { return }
        if level <= 3 {
            try runFast(finishing: finishing, sink)
        } else {
            try runLazy(finishing: finishing, sink)
        }
    }

    /// gzip's `fill_window`; returns false (having changed nothing) when it would need input
    /// that has not arrived yet.
    private mutating func fillWindow(finishing: Bool) -> Bool {
        var more = Self.windowSize - lookahead - strstart
        let slides = strstart >= Self.wSize + Self.maxDist
        if !eofile && !finishing && input.count < more + (slides ? Self.wSize : 0) { return false }
        if slides {
            window.update(from: window + Self.wSize, count: Self.wSize)
            matchStart -= Self.wSize
            strstart -= Self.wSize
            blockStart -= Self.wSize
            windowBase += Self.wSize
            rsync?.slide(by: Self.wSize)
            Self.slide(head, count: Self.hashSize)
            Self.slide(prev, count: Self.wSize)
            more += Self.wSize
        }
        if !eofile {
            let n = input.read(into: window + strstart + lookahead, count: more)
            if n == 0 {
                eofile = true
                if zeroesPastEnd { (window + strstart + lookahead).update(repeating: 0, count: Self.minMatch - 1) }
            } else {
                lookahead += n
            }
        }
        return true
    }

    /// Moves hash links down by `wSize`; links that fall off the window become 0 (NIL).
    /// Branch-free so that it vectorises: wSize is 0x8000, the top bit of a UInt16.
    private static func slide(_ links: UnsafeMutablePointer<UInt16>, count: Int) {
        for n in 0..<count {
            let m = links[n]
            links[n] = (m & 0x7fff) & (0 &- (m >> 15))
        }
    }

    @inline(__always)
    private mutating func insertString(_ s: Int) -> Int {
        insH = ((insH << Self.hShift) ^ Int(window[s + Self.minMatch - 1])) & Self.hashMask
        let matchHead = Int(head[insH])
        prev[s & Self.wMask] = UInt16(truncatingIfNeeded: matchHead)
        head[insH] = UInt16(truncatingIfNeeded: s)
        return matchHead
    }

    /// gzip's `longest_match`: the longest match for `strstart` along the hash chain from
    /// `start`, if longer than `prevLength`; sets `matchStart`.
    @inline(__always)
    private mutating func longestMatch(_ start: Int) -> Int {
        var chainLength = maxChain
        let scanStart = window + strstart
        var bestLength = prevLength
        var nice = niceMatch
        let limit = strstart > Self.maxDist ? strstart - Self.maxDist : 0
        var scanEnd1 = scanStart[bestLength - 1]
        var scanEnd = scanStart[bestLength]
        if prevLength >= goodMatch { chainLength >>= 2 }
        if clampsNiceMatch && nice > lookahead { nice = lookahead }
        var current = start
        repeat {
            let match = window + current
            if match[bestLength] == scanEnd && match[bestLength - 1] == scanEnd1 && match[0] == scanStart[0]
                && match[1] == scanStart[1]
            {
                // gzip compares bytes 3...258 one at a time (0 and 1 were checked, 2 follows from
                // the hash); comparing eight at a time finds the same first difference.
                var offset = 3
                while offset <= Self.maxMatch {
                    let difference =
                        UInt64(littleEndian: UnsafeRawPointer(scanStart + offset).loadUnaligned(as: UInt64.self))
                        ^ UInt64(littleEndian: UnsafeRawPointer(match + offset).loadUnaligned(as: UInt64.self))
                    if difference != 0 {
                        offset += difference.trailingZeroBitCount >> 3
                        break
                    }
                    offset += 8
                }
                let length = min(offset, Self.maxMatch)
                if length > bestLength {
                    matchStart = current
                    bestLength = length
                    if length >= nice { break }
                    scanEnd1 = scanStart[bestLength - 1]
                    scanEnd = scanStart[bestLength]
                }
            }
            current = Int(prev[current & Self.wMask])
            if current <= limit { break }
            chainLength -= 1
        } while chainLength != 0
        return bestLength
    }

    @inline(__always)
    private mutating func flushBlock(isLast: Bool, pad: Bool = false) {
        let stored: UnsafePointer<UInt8>? = blockStart >= 0 ? UnsafePointer(window + blockStart) : nil
        trees.flushBlock(stored: stored, storedLength: strstart - blockStart, isLast: isLast, pad: pad, &out)
    }

    /// Rolls `--rsyncable`'s sum over the `count` bytes at `start` (gzip's `RSYNC_ROLL`).
    @inline(__always)
    private mutating func rsyncRoll(_ start: Int, _ count: Int) {
        rsync?.roll(window, start: start, count: count)
    }

    /// Whether `--rsyncable` ends the block here (gzip's `rsync && strstart > rsync_chunk_end`).
    @inline(__always)
    private mutating func rsyncPointReached() -> Bool {
        rsync?.takePoint(at: strstart) ?? false
    }

    /// gzip's `deflate_fast` (levels 1 to 3): no lazy matching; strings inside long matches
    /// are not hashed.
    private mutating func runFast(finishing: Bool, _ sink: ChunkSink) throws {
        prevLength = Self.minMatch - 1
        while true {
            while lookahead < Self.minLookahead && !eofile {
                guard fillWindow(finishing: finishing) else { return }
            }
            if lookahead == 0 { break }
            let hashHead = insertString(strstart)
            if hashHead != 0 && strstart - hashHead <= Self.maxDist && strstart <= Self.windowSize - Self.minLookahead {
                matchLength = longestMatch(hashHead)
                if matchLength > lookahead { matchLength = lookahead }
            }
            var flush: Bool
            if matchLength >= Self.minMatch {
                flush = trees.tallyMatch(
                    distance: strstart - matchStart, length: matchLength, bytesInBlock: strstart - blockStart)
                lookahead -= matchLength
                rsyncRoll(strstart, matchLength)
                if matchLength <= maxLazy {
                    matchLength -= 1
                    repeat {
                        strstart += 1
                        _ = insertString(strstart)
                        matchLength -= 1
                    } while matchLength != 0
                    strstart += 1
                } else {
                    strstart += matchLength
                    matchLength = 0
                    insH = Int(window[strstart])
                    insH = ((insH << Self.hShift) ^ Int(window[strstart + 1])) & Self.hashMask
                }
            } else {
                flush = trees.tallyLiteral(window[strstart], bytesInBlock: strstart - blockStart)
                rsyncRoll(strstart, 1)
                lookahead -= 1
                strstart += 1
            }
            let pad = rsyncPointReached()
            flush = flush || pad
            if flush {
                flushBlock(isLast: false, pad: pad)
                blockStart = strstart
                try out.flush(into: sink)
            }
        }
        guard finishing else { return }
        flushBlock(isLast: true)
        phase = .done
        try out.flush(into: sink, force: true)
    }

    /// gzip's `deflate` with lazy evaluation (levels 4 to 9): a match is taken only if the
    /// next position does not start a longer one.
    private mutating func runLazy(finishing: Bool, _ sink: ChunkSink) throws {
        while true {
            while lookahead < Self.minLookahead && !eofile {
                guard fillWindow(finishing: finishing) else { return }
            }
            if lookahead == 0 { break }
            let hashHead = insertString(strstart)
            prevLength = matchLength
            prevMatch = matchStart
            matchLength = Self.minMatch - 1
            if hashHead != 0 && prevLength < maxLazy && strstart - hashHead <= Self.maxDist
                && strstart <= Self.windowSize - Self.minLookahead
            {
                matchLength = longestMatch(hashHead)
                if matchLength > lookahead { matchLength = lookahead }
                if matchLength == Self.minMatch && strstart - matchStart > Self.tooFar { matchLength -= 1 }
            }
            if prevLength >= Self.minMatch && matchLength <= prevLength {
                // bytesInBlock is gzip's strstart - block_start at ct_tally time.
                let flush = trees.tallyMatch(
                    distance: strstart - 1 - prevMatch, length: prevLength, bytesInBlock: strstart - blockStart)
                lookahead -= prevLength - 1
                prevLength -= 2
                rsyncRoll(strstart, prevLength + 1)
                repeat {
                    strstart += 1
                    _ = insertString(strstart)
                    prevLength -= 1
                } while prevLength != 0
                matchAvailable = false
                matchLength = Self.minMatch - 1
                strstart += 1
                let pad = rsyncPointReached()
                if flush || pad, try endLazyBlock(pending: false, pad: pad, sink) { return }
            } else if matchAvailable {
                let flush = trees.tallyLiteral(window[strstart - 1], bytesInBlock: strstart - blockStart)
                let pad = rsyncPointReached()
                if flush || pad, try endLazyBlock(pending: true, pad: pad, sink) { return }
                rsyncRoll(strstart, 1)
                strstart += 1
                lookahead -= 1
            } else {
                if rsyncPointReached() {
                    flushBlock(isLast: false, pad: true)
                    blockStart = strstart
                    try out.flush(into: sink)
                }
                matchAvailable = true
                rsyncRoll(strstart, 1)
                strstart += 1
                lookahead -= 1
            }
        }
        guard finishing else { return }
        if matchAvailable { _ = trees.tallyLiteral(window[strstart - 1], bytesInBlock: strstart - blockStart) }
        flushBlock(isLast: true)
        phase = .done
        try out.flush(into: sink, force: true)
    }

    // MARK: Restart points

    /// Ends a block of the lazy loop: tells ``boundaryObserver``, and returns true when the
    /// run must stop at ``stopOffset``. `pending` says the block ended on a literal, the match
    /// found at `strstart` not yet emitted; `pad` that `--rsyncable` ended it (with gzip's
    /// empty stored block).
    private mutating func endLazyBlock(pending: Bool, pad: Bool = false, _ sink: ChunkSink) throws -> Bool {
        flushBlock(isLast: false, pad: pad)
        blockStart = strstart
        try out.flush(into: sink)
        guard boundaryObserver != nil || stopOffset != nil else { return false }
        let match =
            pending
            ? DeflateRestartPoint.PendingMatch(
                length: matchLength, distance: matchLength >= Self.minMatch ? strstart - matchStart : 0) : nil
        let boundary = GNUDeflateBoundary(
            contentOffset: windowBase + strstart, bitOffset: out.bitPosition,
            windowOffset: windowBase, pendingMatch: match)
        boundaryObserver?(boundary)
        guard boundary.contentOffset == stopOffset else { return false }
        stoppedAt = boundary
        phase = .done
        return true
    }

    /// Puts a new core (levels 4 to 9) where the serial run stood at `boundary`: `content` is
    /// the 64 KiB of content from the boundary's window offset (the window was full there).
    /// Every position before the run's is hashed, in order, as the lazy loop hashes each
    /// once; positions before the window are links gzip has cut already.
    mutating func resume(at boundary: GNUDeflateBoundary, window content: UnsafeRawBufferPointer) {
        precondition(level >= 4 && content.count == Self.windowSize && phase == .start)
        window.update(from: content.baseAddress!.assumingMemoryBound(to: UInt8.self), count: Self.windowSize)
        windowBase = boundary.windowOffset
        blockStart = boundary.contentOffset - windowBase
        strstart = blockStart + (boundary.pendingMatch == nil ? 0 : 1)
        lookahead = Self.windowSize - strstart
        insH = ((Int(window[0]) << Self.hShift) ^ Int(window[1])) & Self.hashMask
        for position in 0..<strstart { _ = insertString(position) }
        if let pending = boundary.pendingMatch {
            matchAvailable = true
            matchLength = pending.length
            matchStart = pending.length >= Self.minMatch ? blockStart - pending.distance : 0
        }
        phase = .running
    }
}
