/// Finds restart points for a gzip recipe and proves them, as `mkpatch create` and
/// `mkpatch inspect` do once they have the recipe: see ``DeflateRestartPoints``.
///
/// GNU gzip's points come from running ``GNUDeflateCore`` and noting its state at block
/// boundaries (levels 4 to 9: the lazy levels). zlib's come from the block boundaries in the
/// file itself, each checked by compressing the block after it from a primed zlib and
/// comparing bits, since only a boundary that follows a match can be resumed (levels 4 to 9,
/// not the RLE or Huffman-only strategies). Then all segments are compressed in parallel and
/// compared with the file bit for bit; a point whose segment differs is dropped.
public enum RestartPointRecorder {
    /// About this much content lies between two restart points.
    public static let defaultInterval: UInt64 = 2 << 20
    /// zlib block boundaries tried after each interval mark before giving up on it.
    static let zlibAttemptsPerMark = 8
    /// Rounds of proving and dropping before all points are given up.
    static let proofRounds = 3

    /// `recipe` with proven restart points, or unchanged when it is not a gzip recipe, its
    /// content is too small to be worth cutting, or no point holds.
    /// - Parameters:
    ///   - content: the uncompressed content.
    ///   - file: the compressed file the recipe rebuilds (trailing zero bytes included).
    ///   - interval: about how much content lies between points.
    ///   - jobs: threads for the proof.
    /// - Throws: ``CompressionError`` when the file's deflate data does not inflate.
    public static func addingRestartPoints(
        to recipe: RecompressionRecipe, content: [UInt8], file: [UInt8],
        interval: UInt64 = defaultInterval,
        jobs: Int = Recompressor.defaultJobs
    ) throws -> RecompressionRecipe {
        // Go's and miniz_oxide's blocks cannot be resumed by our segment compressors (yet):
        // their rebuilds are serial. Nor can gzip 1.4's end (its last segment would differ).
        guard recipe.format == .gzip, let gzip = recipe.gzip, !gzip.deflater.isProducerRecorded, interval > 0,
            (try? recipe.deflateProducer()) != .gnuUnzeroedEnd,
            UInt64(content.count) >= 2 * interval,
            file.count >= Int(recipe.trailer.count) + 18
        else { return recipe }
        let deflate = try deflateData(of: file, trailerLength: recipe.trailer.count)
        let source = MemoryContent(bytes: content)
        let candidates =
            switch gzip.deflater {
            case .gnuGzip: try gnuCandidates(level: gzip.level, content: content, interval: interval)
            case .zlib: try zlibCandidates(gzip, source: source, deflate: deflate, interval: interval)
            case .goFlate, .minizOxide, .zlibNG, .libdeflate: [DeflateRestartPoint]()
            }
        let proven = try prove(candidates, gzip: gzip, source: source, deflate: deflate, jobs: jobs)
        var result = recipe
        result.setExtension(
            .restartPoints,
            payload: proven.isEmpty
                ? nil
                : DeflateRestartPoints(deflater: gzip.deflater, points: proven).serialized())
        return result
    }

    /// Points at least `interval` apart, none in the last half interval.
    private static func spaced(_ offsets: some Sequence<DeflateRestartPoint>, size: UInt64, interval: UInt64)
        -> [DeflateRestartPoint]
    {
        var points: [DeflateRestartPoint] = []
        var mark = interval
        for point in offsets where point.contentOffset >= mark && point.contentOffset + interval / 2 <= size {
            points.append(point)
            mark = point.contentOffset + interval
        }
        return points
    }

    /// GNU gzip's state at its block boundaries, from a serial run over the content.
    static func gnuCandidates(level: Int, content: [UInt8], interval: UInt64) throws -> [DeflateRestartPoint] {
        guard level >= 4 else { return [] }
        var core = GNUDeflateCore(level: level, variant: .gzip112)
        defer { core.deallocate() }
        var boundaries: [DeflateRestartPoint] = []
        let size = content.count
        core.boundaryObserver = { boundary in
            guard size - boundary.windowOffset >= Int(DeflateSegment.gnuWindow) else { return }
            boundaries.append(
                DeflateRestartPoint(
                    contentOffset: UInt64(boundary.contentOffset), bitOffset: UInt64(boundary.bitOffset),
                    windowOffset: UInt64(boundary.windowOffset), pendingMatch: boundary.pendingMatch))
        }
        let discard: ChunkSink = { _ in }
        try content.withUnsafeBytes { bytes in
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + (1 << 20))
                core.input.append(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                try core.run(finishing: false, discard)
                start = end
            }
            try core.run(finishing: true, discard)
        }
        return spaced(boundaries, size: UInt64(size), interval: interval)
    }

    /// zlib block boundaries that a primed zlib resumes from exactly, about `interval` apart.
    static func zlibCandidates(
        _ gzip: GzipRecipe, source: MemoryContent, deflate: [UInt8],
        interval: UInt64
    ) throws -> [DeflateRestartPoint] {
        guard gzip.level >= 4, ![.huffmanOnly, .rle].contains(gzip.strategy ?? .default) else { return [] }
        let starts = try deflate.withUnsafeBytes { try DeflateBlockScanner.blockStarts(of: $0) }
        var points: [DeflateRestartPoint] = []
        var mark = interval
        var index = 0
        while mark + interval / 2 <= source.contentSize {
            while index < starts.count && starts[index].contentOffset < mark { index += 1 }
            var chosen: DeflateRestartPoint?
            for attempt in index..<max(index, min(index + zlibAttemptsPerMark, starts.count - 1))
            where try segmentHolds(
                start: starts[attempt], end: starts[attempt + 1], gzip: gzip, source: source, deflate: deflate)
            {
                chosen = starts[attempt]
                break
            }
            guard let chosen, chosen.contentOffset + interval / 2 <= source.contentSize else {
                mark += interval
                continue
            }
            points.append(chosen)
            mark = chosen.contentOffset + interval
        }
        return points
    }

    /// Whether the segment from `start` to `end`, compressed alone, gives the file's bits.
    static func segmentHolds(
        start: DeflateRestartPoint?, end: DeflateRestartPoint?, gzip: GzipRecipe,
        source: MemoryContent, deflate: [UInt8]
    ) throws -> Bool {
        var segment = try DeflateSegment.read(start: start, end: end, deflater: gzip.deflater, from: source)
        let bits: DeflateSegmentBits
        do {
            bits = try segment.compress(gzip)
        } catch is RestartPointError {
            return false
        }
        let from = Int(start?.bitOffset ?? 0)
        // The last segment ends where the stream's final block ends, before its last byte's padding.
        let to = end.map { Int($0.bitOffset) } ?? deflate.count * 8
        guard from + bits.bitCount <= to, from + bits.bitCount > to - (end == nil ? 8 : 1) else { return false }
        return deflate.withUnsafeBytes { file in
            bits.bytes.withUnsafeBytes { mine in
                BitJoiner.leastSignificantBits(of: file, from: from, count: bits.bitCount)
                    == BitJoiner.leastSignificantBits(of: mine, from: 0, count: bits.bitCount)
            }
        }
    }

    /// The restart points among `points` that hold for `recipe` (a gzip recipe) over
    /// `content`, whose compressed form is `file`: the check `mkpatch create` makes before it
    /// publishes points.
    public static func proven(
        _ points: DeflateRestartPoints, recipe: RecompressionRecipe, content: [UInt8], file: [UInt8],
        jobs: Int = Recompressor.defaultJobs
    ) throws -> [DeflateRestartPoint] {
        guard recipe.format == .gzip, let gzip = recipe.gzip, gzip.deflater == points.deflater,
            DeflateSegment.usable(points, contentSize: UInt64(content.count)),
            file.count >= Int(recipe.trailer.count) + 18
        else { return [] }
        let deflate = try deflateData(of: file, trailerLength: recipe.trailer.count)
        return try prove(points.points, gzip: gzip, source: MemoryContent(bytes: content), deflate: deflate, jobs: jobs)
    }

    /// The deflate data of a single-member gzip file.
    private static func deflateData(of file: [UInt8], trailerLength: UInt64) throws -> [UInt8] {
        let member = Array(file[..<(file.count - Int(trailerLength))])
        let headerLength = try member.withUnsafeBytes { try GzipHeader.parse($0).length }
        guard headerLength + 8 <= member.count else { throw CompressionError.truncated(.gzip) }
        return Array(member[headerLength..<(member.count - 8)])
    }

    /// Compresses every segment in parallel and keeps the points whose segments hold; a
    /// segment that differs loses its start point (the first segment, its end point).
    static func prove(
        _ candidates: [DeflateRestartPoint], gzip: GzipRecipe, source: MemoryContent,
        deflate: [UInt8], jobs: Int
    ) throws -> [DeflateRestartPoint] {
        var points = candidates
        for _ in 0..<proofRounds where !points.isEmpty {
            let bounds = DeflateSegment.bounds(points)
            let holds = try OrderedParallelWork.map(Array(bounds.indices), jobs: jobs) { index in
                try segmentHolds(
                    start: bounds[index].start, end: bounds[index].end, gzip: gzip, source: source, deflate: deflate)
            }
            let failing = Set(holds.indices.filter { !holds[$0] }.map { max(0, $0 - 1) })
            if failing.isEmpty { return points }
            points = points.indices.filter { !failing.contains($0) }.map { points[$0] }
        }
        return []
    }
}
