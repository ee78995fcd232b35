/// Raw deflate (RFC 1951) that produces exactly what zlib-ng 2.3.3 writes (Python's `zlib`
/// where it is linked against zlib-ng, as Fedora's zlib-ng-compat does, and PyPI's `zlib-ng`
/// module), at memLevel 8 with the default strategy, levels 1 to 9, or what an earlier
/// release wrote, by encoder generation (``ZlibNGGeneration``):
///
/// - level 1: `deflate_quick`, static codes, greedy 4-byte matches from one hash probe;
/// - level 2: `deflate_fast`, greedy;
/// - levels 3 to 6: `deflate_medium`, Intel's one-step look-ahead with "fizzled" matches;
/// - levels 7 to 9: `deflate_slow`, zlib's lazy evaluation; level 9 with the rolling hash
///   and `longest_match_slow`.
///
/// Blocks end when 16383 symbols are buffered (levels 2 to 9) and are written stored, static
/// or dynamic by zlib's `trees.c` rules (``GNUDeflateTrees``, whose construction zlib-ng
/// shares); level 1 writes one static block while input keeps coming and a final one for
/// what the last call finishes.
///
/// zlib-ng's output can depend on how the input was split into `deflate` calls (its
/// `fill_window` re-hashes a position on every call at levels 1 to 8, and `deflate_medium`
/// forgets its look-ahead match between calls). `writeSize` gives the split: every call gets
/// that many bytes (Python's `GzipFile.write` of fixed pieces), or 0 for all the input in one
/// call; either way the stream is finished by a separate `Z_FINISH` call with no input, as
/// Python's `flush()` does. Levels 2, 3 and 9 were seen to give the same bytes for any split.
/// ``oneFinishingCall`` is the one-shot form instead (`zlib_ng.compress`, `gzip_ng.compress`):
/// one `Z_FINISH` call with all the input, where level 1 writes a single final block.
///
/// Wrap it in ``GzipMemberEncoder`` with the file's header.
public final class ZlibNGDeflateEncoder: StreamEncoder {
    /// The newest encoder generation, the one tried first (recipes record the generation in
    /// ``DeflateProducer/zlibNG(generation:writeSize:)``).
    public static let generation = ZlibNGGeneration.zlibNG22.rawValue
    /// The generations this build reproduces.
    public static let generations = 1...ZlibNGGeneration.allCases.count
    /// The levels reproduced.
    public static let levels = 1...9
    /// The largest write size a recipe may give (0 is one write).
    public static let maximumWriteSize = 1 << 30
    /// The write size of a stream made by one `deflate` call that has all the input and
    /// finishes it (`compress2`, Python's `zlib_ng.compress`).
    public static let oneFinishingCall = -1

    /// What a strategy returned: zlib's `block_state`, as far as it matters here.
    enum BlockState { case needMore, blockDone, finishDone }
    enum Flush { case none, finish }

    let level: Int
    let writeSize: Int
    let generation: ZlibNGGeneration
    let finder: ZlibNGMatchFinder
    @exclusivity(unchecked) var trees: GNUDeflateTrees
    @exclusivity(unchecked) var bits = DeflateBitWriter()
    /// Input given but not yet passed to a deflate call.
    private var buffered: [UInt8] = []
    private var bufferedStart = 0
    private var finished = false

    // deflate_slow's state between calls.
    @exclusivity(unchecked) var matchAvailable = false
    @exclusivity(unchecked) var prevMatch = 0
    // deflate_medium's look-ahead match (reset at every call).
    @exclusivity(unchecked) var currentMatch = ZlibNGMediumMatch()
    @exclusivity(unchecked) var nextMatch = ZlibNGMediumMatch()
    // deflate_quick's open block: 0 none, 1 open, 2 the final one open.
    @exclusivity(unchecked) var blockOpen = 0
    /// Python's output buffer in the current `compress()`/`flush()` call: where the call's
    /// output began and how big the buffer has grown (16 KiB, doubled whenever full). When a
    /// block fills it, zlib-ng returns and is called again, and `deflate_medium` forgets its
    /// look-ahead match (``outputBufferFilled()``).
    private var outputCallStart = 0
    private var outputCapacity = 16 << 10

    /// Creates an encoder for zlib-ng at `level`, memLevel 8, default strategy.
    /// - Parameters:
    ///   - level: 1 to 9.
    ///   - writeSize: the input bytes each `deflate` call got, 0 for one call with everything
    ///     and a finishing call, ``oneFinishingCall`` for one call that also finishes.
    ///   - generation: the encoder generation (``ZlibNGGeneration``), 1 for zlib-ng 2.2-2.3.
    /// - Throws: ``CompressionError/invalidSettings(_:detail:)`` for a level, size or
    ///   generation out of range.
    public init(level: Int, writeSize: Int = 0, generation: Int = ZlibNGDeflateEncoder.generation)
        throws(CompressionError)
    {
        guard Self.levels.contains(level) else { throw .invalidSettings(.gzip, detail: "zlib-ng level \(level)") }
        guard (0...Self.maximumWriteSize).contains(writeSize) || writeSize == Self.oneFinishingCall else {
            throw .invalidSettings(.gzip, detail: "zlib-ng write size \(writeSize)")
        }
        guard let generation = ZlibNGGeneration(rawValue: generation) else {
            throw .invalidSettings(.gzip, detail: "zlib-ng encoder generation \(generation)")
        }
        // One finishing call is emulated for deflate_quick only, the level where it was seen
        // to change the bytes (one final block); elsewhere it was not checked.
        guard writeSize != Self.oneFinishingCall || generation.strategy(level: level) == .quick else {
            throw .invalidSettings(.gzip, detail: "zlib-ng level \(level) in one finishing call")
        }
        self.level = level
        self.writeSize = writeSize
        self.generation = generation
        finder = ZlibNGMatchFinder(level: level, generation: generation)
        trees = GNUDeflateTrees(level: level, litBufferSize: 1 << 14, guessesBlockEnd: false)
    }

    deinit {
        trees.deallocate()
        bits.deallocate()
    }

    /// The header Python's `gzip.GzipFile` (and zlib-ng's `gzip_ng`) writes: XFL 2 at level 9,
    /// 4 at level 1, 0 otherwise; OS 255.
    public static func pythonHeader(level: Int, modificationTime: UInt32 = 0, name: [UInt8]? = nil) -> GzipHeader {
        var header = GzipHeader(
            modificationTime: modificationTime, operatingSystem: 255, extraFlags: level == 9 ? 2 : level == 1 ? 4 : 0)
        header.name = name
        return header
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.gzip) }
        buffered.append(contentsOf: input)
        if writeSize > 0 {  // (oneFinishingCall, -1, holds input back as one call does)
            while buffered.count - bufferedStart >= writeSize {
                try call(count: writeSize, flush: .none, holdShortFills: false, newPythonCall: true, sink)
            }
        } else {
            try call(
                count: buffered.count - bufferedStart, flush: .none, holdShortFills: true, newPythonCall: false, sink)
        }
        if bufferedStart >= 1 << 20 {
            buffered.removeFirst(bufferedStart)
            bufferedStart = 0
        }
    }

    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        finished = true
        let rest = buffered.count - bufferedStart
        if writeSize == Self.oneFinishingCall {
            try call(count: rest, flush: .finish, holdShortFills: false, newPythonCall: false, sink)
            try bits.flush(into: sink, force: true)
            return
        }
        if rest > 0 {
            try call(count: rest, flush: .none, holdShortFills: false, newPythonCall: writeSize > 0, sink)
        }
        try call(count: 0, flush: .finish, holdShortFills: false, newPythonCall: true, sink)
        try bits.flush(into: sink, force: true)
    }

    /// One `deflate` call with `count` buffered bytes as its input. With `holdShortFills`
    /// the call stops where a window fill would find less input than it can take (the
    /// rest of the input is still to come in the same call), to be resumed there.
    private func call(count: Int, flush: Flush, holdShortFills: Bool, newPythonCall: Bool, _ sink: ChunkSink) throws {
        if newPythonCall {
            outputCallStart = bits.bitPosition >> 3
            outputCapacity = 16 << 10
        }
        try buffered.withUnsafeBufferPointer { all in
            var input = ZlibNGInput(bytes: UnsafeBufferPointer(rebasing: all[bufferedStart..<(bufferedStart + count)]))
            defer { bufferedStart += input.position }
            if !holdShortFills {
                currentMatch = ZlibNGMediumMatch()
                nextMatch = ZlibNGMediumMatch()
            }
            let hold = holdShortFills ? ZlibNGMatchFinder.windowSize : 0
            switch generation.strategy(level: level) {
            case .quick: _ = try deflateQuick(&input, flush: flush, hold: hold, sink)
            case .fast: _ = try deflateFast(&input, flush: flush, hold: hold, sink)
            case .medium: _ = try deflateMedium(&input, flush: flush, hold: hold, sink)
            case .slow: _ = try deflateSlow(&input, flush: flush, hold: hold, sink)
            }
        }
    }

    /// Whether the block just flushed filled Python's output buffer (zlib-ng's `FLUSH_BLOCK`
    /// then returns `need_more` and Python calls `deflate` again with a doubled buffer).
    func outputBufferFilled() -> Bool {
        let produced = (bits.bitPosition >> 3) - outputCallStart
        guard produced >= outputCapacity else { return false }
        while outputCapacity <= produced { outputCapacity <<= 1 }
        return true
    }

    /// zlib-ng's `FLUSH_BLOCK`: ends the block at `strstart`, stored from the window when it
    /// is still there, and passes the block's bytes on at once: a detection trial stops at its
    /// first differing byte, so a candidate that is not the file's costs about one block,
    /// however well the content compresses (with 64 KiB gathered first, a 1.4 MB
    /// repetitive tar was encoded whole by every failing zlib-ng candidate).
    func flushBlock(last: Bool, _ sink: ChunkSink) throws {
        let f = finder
        trees.flushBlock(
            stored: f.blockStart >= 0 ? UnsafePointer(f.window + f.blockStart) : nil,
            storedLength: f.strstart - f.blockStart, isLast: last, &bits)
        f.blockStart = f.strstart
        try bits.flush(into: sink, force: true)
    }
}
