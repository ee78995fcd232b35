internal import CZlib

/// Replays a ``DeflateReconstruction/Flags/segmented`` payload on several threads: each
/// segment is a ``DeflateReplay`` of its own over the content from the window before it to
/// its read-ahead past it (``DeflateReconstruction/segmentReadAhead``), and the segments'
/// bits are joined in order (``BitJoiner``), giving the serial replay's stream bit for bit.
enum DeflateSegmentedReplay {
    /// One segment's deflate bits, least significant first from the first byte's bit 0.
    struct SegmentBits: Sendable {
        var bytes: [UInt8]
        var bitCount: Int
    }

    /// Segments worked on at once, per job: more evens out segments of unequal cost.
    static let segmentsPerJob = 2

    /// Replays segment `index` of `payload` (read into `sizes`) over `content`, which holds
    /// the content from the segment's warm-up start to its read-ahead end.
    static func replaySegment(
        _ index: Int, sizes: DeflateReconstruction.Sizes, payload: [UInt8], content: UnsafeRawBufferPointer,
        maximumHeldTokens: Int = DeflateReplay.maximumBlockTokens
    ) throws -> SegmentBits {
        let replay = DeflateReplay(sizes: sizes, payload: payload, segment: index, maximumHeldTokens: maximumHeldTokens)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sizes.segments[index].bitCount / 8 + 1)
        try replay.process(content) { bytes.append(contentsOf: $0) }
        try replay.finish { bytes.append(contentsOf: $0) }
        // The replay wrote the segment from its bit within the first byte: shift it to bit 0.
        let segment = sizes.segments[index]
        if segment.bitStart & 7 > 0 {
            bytes.withUnsafeMutableBytes {
                BitJoiner.dropLeastSignificantBits(segment.bitStart & 7, of: $0, keeping: segment.bitCount)
            }
        }
        return SegmentBits(bytes: bytes, bitCount: segment.bitCount)
    }

    /// The content range segment `index`'s replay reads.
    static func contentRange(of index: Int, _ sizes: DeflateReconstruction.Sizes) -> Range<Int> {
        let segment = sizes.segments[index]
        return segment.warmStart..<min(sizes.contentSize, segment.contentEnd + DeflateReconstruction.segmentReadAhead)
    }

    /// The whole stream over `content` (in memory), its segments replayed on up to `jobs` threads.
    /// - Throws: ``RecipeError/malformed(offset:detail:)`` when the payload does not fit the content.
    static func replay(
        payload: [UInt8], sizes: DeflateReconstruction.Sizes, content: UnsafeRawBufferPointer, jobs: Int,
        maximumHeldTokens: Int = DeflateReplay.maximumBlockTokens
    ) throws(RecipeError) -> [UInt8] {
        let shared = SharedContent(bytes: content)
        let parts: [SegmentBits]
        do {
            parts = try OrderedParallelWork.map(Array(sizes.segments.indices), jobs: jobs) { index in
                let range = contentRange(of: index, sizes)
                return try replaySegment(
                    index, sizes: sizes, payload: payload, content: UnsafeRawBufferPointer(rebasing: shared.bytes[range]),
                    maximumHeldTokens: maximumHeldTokens)
            }
        } catch let error as RecipeError {
            throw error
        } catch {
            preconditionFailure("a segment's replay into memory throws only RecipeError: \(error)")
        }
        var joiner = BitJoiner(order: .leastSignificantFirst)
        for part in parts { part.bytes.withUnsafeBytes { joiner.append($0, bitCount: part.bitCount) } }
        var stream: [UInt8] = []
        stream.reserveCapacity(sizes.streamSize)
        try? joiner.finish { stream.append(contentsOf: $0) }
        return stream
    }

    /// Writes the gzip member `gzip` describes, its deflate stream replayed from `payload` in
    /// segments on up to `jobs` threads, from the content `input` reads from start to end
    /// (holding about `segmentsPerJob * jobs` segments' content and bits at once).
    /// - Throws: ``RecipeError/malformed(offset:detail:)`` when the payload does not fit the
    ///   content; what `input` and `sink` throw.
    static func encodeGzip(
        _ input: any RecompressionInput, gzip: GzipRecipe, payload: [UInt8], jobs: Int,
        progress: ((UInt64) -> Void)?, into sink: ChunkSink
    ) throws {
        let sizes = try DeflateReconstruction.Sizes(payload)
        try gzip.header.serialized().withUnsafeBytes { try sink($0) }
        var reader = SegmentContentReader(input: input, contentSize: sizes.contentSize)
        var joiner = BitJoiner(order: .leastSignificantFirst)
        var nextSegment = 0
        try OrderedParallelWork.stream(
            jobs: jobs, window: segmentsPerJob * jobs,
            next: { () throws -> (index: Int, content: [UInt8])? in
                guard nextSegment < sizes.segments.count else { return nil }
                defer { nextSegment += 1 }
                let range = contentRange(of: nextSegment, sizes)
                let content = try reader.take(range)
                if nextSegment + 1 < sizes.segments.count {
                    reader.forget(before: sizes.segments[nextSegment + 1].warmStart)
                }
                return (nextSegment, content)
            },
            work: { (item: consuming (index: Int, content: [UInt8])) in
                try item.content.withUnsafeBytes { try replaySegment(item.index, sizes: sizes, payload: payload, content: $0) }
            },
            consume: { (part: SegmentBits) in
                part.bytes.withUnsafeBytes { joiner.append($0, bitCount: part.bitCount) }
                try joiner.flush(into: sink)
                progress?(UInt64(reader.delivered))
            })
        try reader.checkEnd()
        try joiner.finish(into: sink)
        try GzipMemberEncoder.trailer(crc: reader.crc, size: UInt64(sizes.contentSize)).withUnsafeBytes { try sink($0) }
    }
}

/// Content read from start to end and handed out in overlapping ranges (segments with their
/// window before and read-ahead after), its CRC-32 computed as it is read.
private struct SegmentContentReader {
    let input: any RecompressionInput
    let contentSize: Int
    /// Content from ``heldStart`` on, read and not yet forgotten.
    private var held: [UInt8] = []
    private var heldStart = 0
    private var crcValue = crc32(0, nil, 0)
    /// Content read so far.
    var delivered: Int { heldStart + held.count }
    var crc: UInt32 { UInt32(truncatingIfNeeded: crcValue) }

    init(input: any RecompressionInput, contentSize: Int) {
        self.input = input
        self.contentSize = contentSize
    }

    /// The content in `range`, which starts at or after what was forgotten.
    mutating func take(_ range: Range<Int>) throws -> [UInt8] {
        while delivered < range.upperBound {
            let want = min(1 << 20, range.upperBound - delivered)
            let before = held.count
            held.append(contentsOf: repeatElement(0, count: want))
            let count = try held.withUnsafeMutableBytes { all in
                try input.read(into: UnsafeMutableRawBufferPointer(rebasing: all[before..<before + want]))
            }
            held.removeLast(want - count)
            guard count > 0 else {
                throw RecipeError.malformed(
                    offset: 0, detail: "the content ended at \(delivered) bytes, not the \(contentSize) it was made for")
            }
            held.withUnsafeBytes { all in
                crcValue = crc32(crcValue, all.baseAddress! + before, uInt(count))
            }
        }
        return Array(held[(range.lowerBound - heldStart)..<(range.upperBound - heldStart)])
    }

    /// Drops the content before `position`.
    mutating func forget(before position: Int) {
        let count = min(held.count, max(0, position - heldStart))
        held.removeFirst(count)
        heldStart += count
    }

    /// Checks that the content ends where the payload says.
    mutating func checkEnd() throws {
        var byte: UInt8 = 0
        let more = try withUnsafeMutableBytes(of: &byte) { try input.read(into: $0) }
        guard delivered == contentSize, more == 0 else {
            throw RecipeError.malformed(
                offset: 0, detail: "the content is longer than the \(contentSize) bytes deflate reconstruction was made for")
        }
    }
}

/// Content shared by the threads that replay its segments; it does not change while they run.
private struct SharedContent: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
}
