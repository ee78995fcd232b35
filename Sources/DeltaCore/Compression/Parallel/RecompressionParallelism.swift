/// How a recipe's rebuild uses several cores, for plans and reports.
public enum RecompressionParallelism: Hashable, Sendable, CustomStringConvertible {
    /// bzip2: the blocks are independent and compressed separately.
    case blocks
    /// xz made by `xz -T`: liblzma's multi-threaded encoder, block by block.
    case threadedBlocks
    /// gzip with restart points: this many segments compressed separately.
    case segments(Int)
    /// gzip by deflate reconstruction of a segmented payload: this many segments replayed
    /// separately (``DeflateSegmentedReplay``).
    case reconstructedSegments(Int)
    /// One compressor from start to end, for the reason given.
    case serial(String)

    /// Whether more than one core helps.
    public var isParallel: Bool {
        if case .serial = self { return false }
        return true
    }

    var usesRestartPoints: Bool {
        if case .segments = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .blocks: "parallel (bzip2 blocks)"
        case .threadedBlocks: "parallel (xz blocks)"
        case let .segments(count): "parallel (\(count) gzip segments)"
        case let .reconstructedSegments(count): "parallel (\(count) deflate reconstruction segments)"
        case let .serial(reason): "serial (\(reason))"
        }
    }
}

extension RecompressionRecipe {
    /// How this recipe's rebuild uses several cores. Recipes with extensions that change the
    /// compressed stream (other producers, several members) are rebuilt serially; trailing
    /// bytes are written after the stream whichever way it was made.
    public var parallelism: RecompressionParallelism {
        if let count = reconstructionSegmentCount { return .reconstructedSegments(count) }
        if let required = streamExtensions.first { return .serial("the recipe needs \(required.kind)") }
        switch format {
        case .bzip2:
            return .blocks
        case .xz:
            guard let xz, xz.blockSize != nil else { return .serial("a single-block xz stream") }
            return xz.threaded ? .threadedBlocks : .serial("xz blocks cut by single-threaded --block-size")
        case .gzip:
            guard let points = restartPoints else { return .serial("no restart points") }
            return .segments(points.points.count + 1)
        case .none:
            return .serial("not compressed")
        }
    }
}

extension RecompressionRecipe {
    /// The required extensions that change how the compressed stream is made: all but
    /// trailing bytes, which are written after the stream whichever way it was made.
    private var streamExtensions: [RecipeExtension] {
        extensions.filter { $0.isRequired && $0.kind != .trailingBytes }
    }

    /// The segments of a single gzip member rebuilt by deflate reconstruction whose payload is
    /// ``DeflateReconstruction/Flags/segmented``, when it needs no other extension; else nil.
    var reconstructionSegmentCount: Int? {
        guard format == .gzip, gzip != nil, let payload = extensionPayload(.deflateReconstruction),
            streamExtensions.allSatisfy({ $0.kind == .deflateReconstruction }),
            let sizes = try? DeflateReconstruction.Sizes(payload), sizes.flags.contains(.segmented)
        else { return nil }
        return sizes.segments.count
    }
}
