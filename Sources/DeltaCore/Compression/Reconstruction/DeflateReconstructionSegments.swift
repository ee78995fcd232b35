/// The segments of a ``DeflateReconstruction/Flags/segmented`` payload (version 4): runs of
/// whole blocks whose bodies are range-coded independently, each with fresh models and a
/// fresh predictor warmed over the window before the segment (``MatchPredictor/warm(upTo:)``),
/// so that they are analysed and replayed in parallel and their deflate bits joined.
///
/// The segment table follows the flags varint: the segment count (2 or more), then per
/// segment five varints: its block count (1 or more), content bytes, token count, deflate
/// bits (the last segment's include the end padding) and range-coded body bytes. Each sum
/// equals the payload's total (blocks, content size, tokens, stream bits, the bytes after
/// the table), so every segment's start follows from the ones before it.
extension DeflateReconstruction {
    /// One segment: where it starts and how much it covers, in blocks, content, tokens, deflate
    /// bits and body bytes.
    struct Segment: Equatable, Sendable {
        var firstBlock: Int
        var blockCount: Int
        var contentStart: Int
        var contentLength: Int
        var tokenCount: Int
        var bitStart: Int
        var bitCount: Int
        /// The segment's range-coded body: offsets into the payload.
        var body: Range<Int>

        var contentEnd: Int { contentStart + contentLength }
        var bitEnd: Int { bitStart + bitCount }
        /// Where the predictor's warm-up starts (``MatchPredictor/history`` before the segment).
        var warmStart: Int { max(0, contentStart - MatchPredictor.history) }
    }

    /// Content per segment of a large stream: a segment ends at the first block boundary at
    /// or after this much of its content.
    static let segmentContentSize = 4 << 20
    /// The smallest content per segment: each segment's fresh models and warm-up cost data.
    static let smallestSegmentContentSize = 512 << 10

    /// Content per segment for `count` bytes of content: a quarter of it, between
    /// ``smallestSegmentContentSize`` and ``segmentContentSize``, so that a stream of a few MB
    /// is analysed and replayed on several cores too (a 3.3 MB tar in four segments instead
    /// of one: its optimal-parse replays 42-48 % faster on two cores, for 2-3 % more data).
    /// It depends on the content alone, whatever the machine, so a payload is the same
    /// wherever it is made.
    static func segmentContentSize(forContent count: Int) -> Int {
        min(segmentContentSize, max(smallestSegmentContentSize, count / 4))
    }

    /// Content bytes a segment's replay reads past the segment's end at most: a search's
    /// lookahead, or a block's first step.
    static let segmentReadAhead = max(MatchPredictor.lookahead, DeflateReplay.blockLookahead)

    /// The blocks of `parsed` cut into segments of about `segmentSize` content each (block
    /// ranges): a segment ends at the first block boundary at or after `segmentSize` of its
    /// content that leaves at least a quarter of that for the rest (a last block of a few
    /// bytes, as zlib-ng -1 writes after its one fixed block, stays with the one before);
    /// one range covering them all when the stream is too small to cut.
    static func segmentBlocks(_ parsed: ParsedDeflate, segmentSize: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        let contentEnd = parsed.blocks.last.map { $0.contentStart + $0.contentLength } ?? 0
        for (index, block) in parsed.blocks.enumerated() where index > start {
            if block.contentStart - parsed.blocks[start].contentStart >= segmentSize,
                contentEnd - block.contentStart >= segmentSize / 4
            {
                ranges.append(start..<index)
                start = index
            }
        }
        ranges.append(start..<parsed.blocks.count)
        return ranges
    }

    /// The segment table's bytes for bodies coded from `blocks` of `parsed`.
    static func segmentTable(
        _ parsed: ParsedDeflate, blocks: [Range<Int>], bodyCounts: [Int], streamBits: Int
    ) -> [UInt8] {
        var table = RecipeByteWriter()
        table.varint(UInt64(blocks.count))
        for (index, range) in blocks.enumerated() {
            let first = parsed.blocks[range.lowerBound]
            let last = parsed.blocks[range.upperBound - 1]
            let isLast = range.upperBound == parsed.blocks.count
            let bitStart = first.bitStart
            let bitEnd = isLast ? streamBits : parsed.blocks[range.upperBound].bitStart
            table.varint(UInt64(range.count))
            table.varint(UInt64(last.contentStart + last.contentLength - first.contentStart))
            table.varint(UInt64(last.tokenStart + last.tokenCount - first.tokenStart))
            table.varint(UInt64(bitEnd - bitStart))
            table.varint(UInt64(bodyCounts[index]))
        }
        return table.bytes
    }

    /// Reads a segment table from `input` (at its count) for a payload of `payloadCount` bytes
    /// with the given totals; every count is checked against what is left of its total.
    static func readSegmentTable(
        _ input: inout RecipeByteReader, payloadCount: Int, blockCount: Int, contentSize: Int, tokenCount: Int,
        streamBits: Int
    ) throws(RecipeError) -> [Segment] {
        // Each entry takes at least five bytes, which bounds the table's allocation.
        let count = try input.small(2...max(2, min(blockCount, (payloadCount - input.offset) / 5)), "segment count")
        var segments: [Segment] = []
        segments.reserveCapacity(count)
        var block = 0
        var content = 0
        var tokens = 0
        var bits = 0
        var bodyBytes = 0
        for _ in 0..<count {
            guard block < blockCount, bits < streamBits else {
                throw .malformed(offset: input.offset, detail: "a segment past the stream's end")
            }
            let blocks = try input.small(1...(blockCount - block), "segment block count")
            let length = try input.small(0...(contentSize - content), "segment content size")
            let tokenCountHere = try input.small(0...(tokenCount - tokens), "segment token count")
            let bitCount = try input.small(1...(streamBits - bits), "segment bit count")
            let body = try input.small(0...payloadCount, "segment body size")
            segments.append(
                Segment(
                    firstBlock: block, blockCount: blocks, contentStart: content, contentLength: length,
                    tokenCount: tokenCountHere, bitStart: bits, bitCount: bitCount, body: bodyBytes..<bodyBytes + body))
            block += blocks
            content += length
            tokens += tokenCountHere
            bits += bitCount
            bodyBytes += body
        }
        let tableEnd = input.offset
        guard block == blockCount, content == contentSize, tokens == tokenCount, bits == streamBits,
            bodyBytes == payloadCount - tableEnd
        else {
            throw .malformed(offset: tableEnd, detail: "the segments do not add up to the stream")
        }
        return segments.map { segment in
            var placed = segment
            placed.body = tableEnd + segment.body.lowerBound..<tableEnd + segment.body.upperBound
            return placed
        }
    }
}
