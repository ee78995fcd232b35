/// Estimates how long fetching and rebuilding takes, for ``PlanPreference/time(_:)``.
///
/// A chain's time is its patch bytes over the link's bandwidth, plus, for each patch,
/// applying it (output bytes over ``applyThroughput``), plus decompressing the base once and
/// recompressing the target once at the throughputs of their formats (guessed from their
/// names). Recompression dominates: GNU gzip -9 and xz -6 run at a few to tens of MB/s.
/// A full download is its size over the bandwidth. All throughputs are bytes per second of
/// uncompressed data, and settings; the defaults are rough figures for one core of a
/// current x86-64 machine (see docs/planner.md).
public struct RebuildCostModel: Hashable, Sendable {
    /// The link's speed in bytes per second (measured while downloading, or given).
    public var bandwidth: Double
    /// How fast a patch is applied, in output bytes per second.
    public var applyThroughput: Double
    /// Decompression speed per format, in uncompressed bytes per second.
    public var decompressThroughput: [CompressionFormat: Double]
    /// Recompression speed per format, in uncompressed bytes per second, for recipes that
    /// share the work out over the cores (the usual case, and what a plan assumes).
    public var recompressThroughput: [CompressionFormat: Double]
    /// Recompression speed per format for recipes rebuilt serially; used once the patch is in
    /// hand and its recipe turns out serial. Defaults to ``recompressThroughput``'s figures
    /// (the built-in ones are one core's).
    public var serialRecompressThroughput: [CompressionFormat: Double]

    /// A model for a link of `bandwidth` bytes per second, with default rebuild speeds.
    public init(
        bandwidth: Double,
        applyThroughput: Double = 300e6,
        decompressThroughput: [CompressionFormat: Double] = [.none: 2e9, .gzip: 300e6, .bzip2: 40e6, .xz: 100e6],
        recompressThroughput: [CompressionFormat: Double] = [.none: 2e9, .gzip: 25e6, .bzip2: 12e6, .xz: 3e6]
    ) {
        self.bandwidth = bandwidth
        self.applyThroughput = applyThroughput
        self.decompressThroughput = decompressThroughput
        self.recompressThroughput = recompressThroughput
        self.serialRecompressThroughput = recompressThroughput
    }

    /// The link's speed assumed before any measurement: 4 MB/s (32 Mbit/s), a middling
    /// broadband line. The first real transfer replaces it.
    public static let builtInBandwidth = 4e6

    /// Takes this machine's measured rebuild speeds from `memory` where it has them.
    /// - Returns: whether the memory held any rebuild figure.
    @discardableResult
    public mutating func adopt(_ memory: ThroughputMemory) -> Bool {
        var adopted = false
        for (quantity, figure) in memory.figures {
            switch quantity {
            case .recompress(let format): recompressThroughput[format] = figure.bytesPerSecond
            case .serialRecompress(let format): serialRecompressThroughput[format] = figure.bytesPerSecond
            case .decompress(let format): decompressThroughput[format] = figure.bytesPerSecond
            case .apply: applyThroughput = figure.bytesPerSecond
            case .link: continue
            }
            adopted = true
        }
        return adopted
    }

    /// These speeds with every CPU-bound one (apply, decompress, recompress) scaled by `share`:
    /// the free-core figures as they hold when the cores are that busy.
    public func sharing(_ share: CPUShare) -> RebuildCostModel {
        var scaled = self
        scaled.applyThroughput *= share.value
        scaled.decompressThroughput = decompressThroughput.mapValues { $0 * share.value }
        scaled.recompressThroughput = recompressThroughput.mapValues { $0 * share.value }
        scaled.serialRecompressThroughput = serialRecompressThroughput.mapValues { $0 * share.value }
        return scaled
    }

    /// These speeds with recompression into `format` (shared out or serial) `factor` times
    /// slower: for a recipe whose rebuild costs more than the format's usual recompression
    /// (``RecompressionRecipe/recompressionCostFactor``).
    public func recompressing(_ format: CompressionFormat, slowerBy factor: Double) -> RebuildCostModel {
        var scaled = self
        let factor = max(factor, 1)
        scaled.recompressThroughput[format] =
            (recompressThroughput[format] ?? Self.unknownRecompressThroughput) / factor
        scaled.serialRecompressThroughput[format] =
            (serialRecompressThroughput[format] ?? Self.unknownRecompressThroughput) / factor
        return scaled
    }

    /// Seconds to download `bytes`.
    public func downloadSeconds(_ bytes: UInt64) -> Double {
        Double(bytes) / max(bandwidth, 1)
    }

    /// Seconds to fetch one patch and apply it, producing `outputBytes` of uncompressed content.
    public func patchSeconds(patchBytes: UInt64, outputBytes: UInt64) -> Double {
        downloadSeconds(patchBytes) + Double(outputBytes) / max(applyThroughput, 1)
    }

    /// Seconds to decompress a base of about `uncompressedBytes` named `name`.
    public func decompressSeconds(name: String, uncompressedBytes: UInt64) -> Double {
        Double(uncompressedBytes) / max(decompressThroughput[Self.format(ofName: name)] ?? 100e6, 1)
    }

    /// The recompression speed assumed for a format the model has no figure for.
    private static let unknownRecompressThroughput = 10e6

    /// Seconds to recompress a target of `uncompressedBytes` named `name`, with a recipe that
    /// shares the work out (`parallel`, what plans assume) or not.
    public func recompressSeconds(name: String, uncompressedBytes: UInt64, parallel: Bool = true) -> Double {
        let format = Self.format(ofName: name)
        let throughput = parallel ? recompressThroughput[format] : serialRecompressThroughput[format]
        return Double(uncompressedBytes) / max(throughput ?? Self.unknownRecompressThroughput, 1)
    }

    /// The format a distfile's name suggests. Only for estimates: real work detects the
    /// format from the bytes.
    public static func format(ofName name: String) -> CompressionFormat {
        let lower = name.lowercased()
        if lower.hasSuffix(".gz") || lower.hasSuffix(".tgz") { return .gzip }
        if lower.hasSuffix(".bz2") || lower.hasSuffix(".tbz2") || lower.hasSuffix(".tbz") { return .bzip2 }
        if lower.hasSuffix(".xz") || lower.hasSuffix(".txz") { return .xz }
        return .none
    }
}
