/// The differ's knobs, measured on the corpus (docs/benchmarks.md) and fixed in the defaults:
/// its one settings type, which ``MatchFinder`` and the stream encoders read.
struct DiffTuning: Sendable {
    /// How much longer than the current alignment's agreement a new match must be.
    var switchMargin = 8
    /// The margin inside tar metadata, where headers all look alike (so a longer match is often
    /// another file's header) and the aligned header's differences are cheap residuals.
    var metadataMargin = 1000
    /// Eighths of a byte of extra margin per bit of the jump a new match makes from the current
    /// alignment: a far jump costs a longer move in the commands stream.
    var jumpWeight = 8
    /// After `2^strideShift` fruitless searches in a row, the next searches step two bytes,
    /// then three, up to `maximumStride` (1 searches every byte, as bsdiff does).
    var strideShift = 3
    var maximumStride = 8
    /// Suffix-array neighbours compared to find the nearest of equally long matches.
    var tieSearch = 32
    /// Extensions keep stretching while `agreeWeight * agreeing > stepWeight * length`: 4 and 3
    /// (three quarters agree) beat bsdiff's half on source text, where a disagreeing residual
    /// compresses worse than the literal it replaces.
    var agreeWeight = 4
    var stepWeight = 3
    /// The farthest ``CoverSliding`` moves a boundary between abutting covers.
    var maximumSlide = 64
    /// Zero runs shorter than this stay inside a raw residual run.
    var zeroRunBreak = 4
    /// The same for metadata residuals, whose changes (mtimes, sizes) come in short clusters.
    var metadataZeroRunBreak = 8
    /// The (lc, lp, pb) models tried for the commands, residuals, metadata residuals and
    /// literals streams; each stream keeps whichever of its models codes it smallest.
    /// Residuals have no useful literal context; literals are mostly text, and so are the
    /// replacement digits of run-coded metadata residuals. Commands get both: the previous
    /// byte tells a varint's continuation bytes from its last, which saves 2 % of Django
    /// 5.0.7 → 5.1's commands (64,069 → 62,689 bytes) but nothing on six's.
    var models: [[(UInt32, UInt32, UInt32)]] = [[(0, 0, 0), (3, 0, 0)], [(0, 0, 0)], [(3, 0, 0)], [(3, 0, 0)]]

    /// The tuning for a new file of `count` bytes. Small files take every match they can: with
    /// little text to learn from, LZMA codes literals expensively and short copies pay; on large
    /// ones, far jumps for short matches cost more in commands than they save.
    static func forNewFile(of count: Int) -> DiffTuning {
        var tuning = DiffTuning()
        if count < 4 << 20 {
            tuning.switchMargin = 4
            tuning.jumpWeight = 0
        }
        return tuning
    }
}
