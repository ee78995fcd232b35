import DeltaCore
import Synchronization

/// Times a rebuild's stages from its progress events, so that the fetcher can remember this
/// machine's apply and recompression speeds (``ThroughputMemory``). Thread-safe: the events
/// arrive on the rebuild's threads.
///
/// A pipelined rebuild (the default) starts every stage at once, so its apply figure is only
/// the moment before recompression starts and its recompression figure is the whole rebuild:
/// the planner's sum (decompress + apply + recompress) then adds up to what the overlapping
/// stages really take, instead of counting the overlapped ones twice.
final class RebuildTiming: Sendable {
    private struct Marks {
        var start = ContinuousClock.now
        var recompressionStart: ContinuousClock.Instant?
        var format: CompressionFormat?
        /// Content recompressed so far, by the last progress event.
        var recompressed: UInt64 = 0
    }

    private let marks = Mutex(Marks())

    /// Notes the time a stage begins, and recompression's progress.
    func note(_ stage: RebuildStage) {
        switch stage {
        case .recompressing(let format):
            marks.withLock { marks in
                marks.recompressionStart = .now
                marks.format = format
            }
        case .recompressed(let done, _):
            marks.withLock { $0.recompressed = done }
        default:
            break
        }
    }

    /// The speeds measured: decompressing the base and applying the chain (as one apply
    /// figure), and recompressing into the target's format (apart for recipes that could not
    /// share the work out), both per content byte, as free-core figures: the seconds are
    /// scaled by `cpuShare`, the share of the cores the rebuild was expected to get. A recipe
    /// `costFactor` times slower than the format's usual recompression
    /// (``RecompressionRecipe/recompressionCostFactor``) counts its seconds divided by it, so
    /// that the figure remembered stays the usual recompression's.
    func samples(
        contentBytes: UInt64, parallel: Bool, cpuShare: CPUShare = .free, costFactor: Double = 1
    ) -> [ThroughputMemory.Sample] {
        let end = ContinuousClock.now
        return marks.withLock { marks in
            guard let middle = marks.recompressionStart,
                let recompressed = Self.recompression(
                    marks, bytes: contentBytes, parallel: parallel, until: end, costFactor: costFactor)
            else { return [] }
            return [
                ThroughputMemory.Sample(.apply, bytes: contentBytes, seconds: (middle - marks.start).inSeconds),
                recompressed,
            ]
            .map { $0.onFreeCores(cpuShare) }
        }
    }

    /// What a rebuild given up before its end measured: recompression's pace up to its last
    /// progress event (the stage that sets a rebuild's pace), as a free-core figure; none
    /// before recompression started.
    func samplesOfUnfinishedRebuild(
        parallel: Bool, cpuShare: CPUShare, costFactor: Double = 1
    ) -> [ThroughputMemory.Sample] {
        let end = ContinuousClock.now
        return marks.withLock { marks in
            guard marks.recompressed > 0,
                let recompressed = Self.recompression(
                    marks, bytes: marks.recompressed, parallel: parallel, until: end, costFactor: costFactor)
            else { return [] }
            return [recompressed.onFreeCores(cpuShare)]
        }
    }

    /// The recompression sample of `bytes` from recompression's start to `end`, its seconds
    /// divided by `costFactor`; nil before it started.
    private static func recompression(
        _ marks: Marks, bytes: UInt64, parallel: Bool, until end: ContinuousClock.Instant, costFactor: Double
    ) -> ThroughputMemory.Sample? {
        guard let start = marks.recompressionStart, let format = marks.format else { return nil }
        return ThroughputMemory.Sample(
            parallel ? .recompress(format) : .serialRecompress(format), bytes: bytes,
            seconds: (end - start).inSeconds / max(costFactor, 1))
    }
}
