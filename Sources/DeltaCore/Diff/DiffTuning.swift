/// The differ's knobs, measured on the corpus (docs/benchmarks.md) and fixed in the defaults.
struct DiffTuning: Sendable {
    /// How much longer than the current alignment's agreement a new match must be.
    var switchMargin = 8
    /// The margin inside tar metadata (see ``MatchFinder/metadataMargin``).
    var metadataMargin = 1000
    /// Extra margin, in eighths of a byte per bit of a jump's length.
    var jumpWeight = 8
    /// Suffix-array neighbours compared to find the nearest of equally long matches.
    var tieSearch = 32
    /// Extensions keep stretching while `agreeWeight * agreeing > stepWeight * length`: 4 and 3
    /// (three quarters agree) beat bsdiff's half on source text, where a disagreeing residual
    /// compresses worse than the literal it replaces.
    var agreeWeight = 4
    var stepWeight = 3
    /// Zero runs shorter than this stay inside a raw residual run.
    var zeroRunBreak = 4
    /// The same for metadata residuals, whose changes (mtimes, sizes) come in short clusters.
    var metadataZeroRunBreak = 8
    /// (lc, lp, pb) for the commands, residuals, metadata residuals and literals streams:
    /// varints and residuals have no useful literal context; literals are mostly text, and so
    /// are the replacement digits of run-coded metadata residuals.
    var model: [(UInt32, UInt32, UInt32)] = [(0, 0, 0), (0, 0, 0), (3, 0, 0), (3, 0, 0)]

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

extension MatchFinder {
    mutating func apply(_ tuning: DiffTuning) {
        switchMargin = tuning.switchMargin
        agreeWeight = tuning.agreeWeight
        stepWeight = tuning.stepWeight
        metadataMargin = tuning.metadataMargin
        jumpWeight = tuning.jumpWeight
        for index in segments.indices { segments[index].tieSearch = tuning.tieSearch }
    }
}
