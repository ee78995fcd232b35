internal import CZlib

/// Rebuilds a single-member gzip file from its content and restart points: the segments
/// between the points are compressed on up to `jobs` threads, their deflate bits joined, and
/// the member's header and trailer written around them, giving the serial compressor's bytes.
enum GzipSegmentedEncoding {
    /// Segments worked on at once, per job: more evens out segments of unequal cost.
    static let segmentsPerJob = 4

    /// Compresses `source` as `gzip` says, cut at `points`, into `sink`.
    /// - Throws: ``RestartPointError`` when a point does not hold (the caller then compresses
    ///   serially); ``CompressionError`` from the codec; I/O errors from `source`.
    static func encode(
        _ source: some ContentSource, gzip: GzipRecipe, points: DeflateRestartPoints, jobs: Int,
        progress: ((UInt64) -> Void)?, into sink: ChunkSink
    ) throws {
        guard points.deflater == gzip.deflater, DeflateSegment.usable(points, contentSize: source.contentSize) else {
            throw RestartPointError(contentOffset: points.points.first?.contentOffset ?? 0)
        }
        try gzip.header.serialized().withUnsafeBytes { try sink($0) }
        var joiner = BitJoiner(order: .leastSignificantFirst)
        var crc = crc32(0, nil, 0)
        var size: UInt64 = 0
        let bounds = DeflateSegment.bounds(points.points)
        var nextSegment = 0
        // Buffers of joined segments, for the segments still to read: fresh ones would cost a
        // page fault and a zeroed page every 4 KiB (a fifth of the CPU time, measured).
        var spare: [SegmentBuffers] = []
        try OrderedParallelWork.stream(
            jobs: jobs, window: segmentsPerJob * jobs,
            next: { () throws -> DeflateSegment? in
                guard nextSegment < bounds.count else { return nil }
                defer { nextSegment += 1 }
                return try DeflateSegment.read(
                    start: bounds[nextSegment].start, end: bounds[nextSegment].end,
                    deflater: gzip.deflater, from: source, reusing: spare.popLast() ?? SegmentBuffers())
            }, work: { (segment: consuming DeflateSegment) in try segment.compress(gzip) },
            consume: { (bits: DeflateSegmentBits) in
                bits.bytes.withUnsafeBytes { joiner.append($0, bitCount: bits.bitCount) }
                spare.append(bits.buffers)
                try joiner.flush(into: sink)
                crc = crc32_combine(crc, uLong(bits.crc), .init(bits.contentSize))
                size += bits.contentSize
                progress?(size)
            })
        try joiner.finish(into: sink)
        try GzipMemberEncoder.trailer(crc: UInt32(truncatingIfNeeded: crc), size: size).withUnsafeBytes { try sink($0) }
    }
}
