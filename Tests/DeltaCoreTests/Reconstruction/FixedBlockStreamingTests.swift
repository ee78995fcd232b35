import DeltaCore
import Foundation
import Testing

/// A fixed-code block's codes do not depend on its tokens, so the replay writes each token as
/// it decodes it and a fixed block may be any length; only a dynamic block, whose header is
/// derived from its tokens and precedes them, is held (at most 2^22 tokens). zlib-ng's level 1
/// (`deflate_quick`) writes all the input it is given in one call as one fixed block: here
/// over 2^22 tokens, which analysis and replay must rebuild byte for byte, passing the stream
/// on while the content still comes, and a payload that misstates such a block must be
/// refused before the block ends.
@Suite struct FixedBlockStreamingTests {
    /// The most tokens the replay holds for a dynamic block (`DeflateReplay.maximumBlockTokens`).
    static let dynamicBlockLimit = 1 << 22

    /// zlib-ng level 1 over stdin, the whole input in one call: one final fixed-code block.
    static let producer = """
        import sys, zlib_ng.zlib_ng as z
        sys.stdout.buffer.write(z.compress(sys.stdin.buffer.read(), 1, -15))
        """

    struct Fixture {
        var seed: UInt64
        var content: [UInt8]
        var deflate: [UInt8]
        var payload: [UInt8]
        /// Seconds the analysis took.
        var analysisSeconds: Double
    }

    /// About 5.1 MB: 4.5 million random bytes (a literal token each, so the block passes 2^22
    /// tokens with the least content to analyse) in pieces, with text-like stretches between
    /// them (matches of every length and distance).
    static func content(seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        var content: [UInt8] = []
        content.reserveCapacity(5_400_000)
        var randomBytes = 0
        while randomBytes < 4_500_000 {
            let piece = Int.random(in: 1...65_536, using: &generator)
            if Int.random(in: 0..<8, using: &generator) == 0 {
                content += generator.compressibleBytes(count: piece)
            } else {
                for _ in 0..<piece { content.append(UInt8.random(in: 0...255, using: &generator)) }
                randomBytes += piece
            }
        }
        return content
    }

    /// Made once for the suite's tests (the analysis is their slow part).
    static let fixture = Result { () throws -> Fixture in
        let seed = UInt64.random(in: 0...UInt64.max)
        print("FixedBlockStreamingTests: content seed \(seed)")
        let content = Self.content(seed: seed)
        let deflate = try RecipeFixtures.peer("python3", ["-c", producer], input: content)
        let start = ContinuousClock.now
        let payload = try DeflateReconstructionTests.analysed(deflate, content: content)
        let seconds = (ContinuousClock.now - start).inSeconds
        return Fixture(seed: seed, content: content, deflate: deflate, payload: payload, analysisSeconds: seconds)
    }

    /// What the replay passed on: the stream, and how much of it had come out once half the
    /// content had gone in.
    struct Replayed {
        var stream: [UInt8] = []
        var atHalfContent = 0
    }

    /// Replays `payload` through the streaming encoder, feeding `content` in pieces of up to
    /// 300,000 bytes.
    static func replay(_ payload: [UInt8], _ content: [UInt8], seed: UInt64) throws -> Replayed {
        var generator = SeededGenerator(seed: seed)
        let encoder = DeflateReconstructionEncoder(payload: payload)
        var replayed = Replayed()
        let sink: ChunkSink = { replayed.stream.append(contentsOf: $0) }
        var start = 0
        while start < content.count {
            if start >= content.count / 2 && replayed.atHalfContent == 0 {
                replayed.atHalfContent = replayed.stream.count
            }
            let end = min(content.count, start + Int.random(in: 1...300_000, using: &generator))
            try content[start..<end].withUnsafeBytes { try encoder.process($0, into: sink) }
            start = end
        }
        try encoder.finish(into: sink)
        return replayed
    }

    @Test(.enabled(if: ZlibNGTests.pythonZlibNG, "needs python3 with PyPI's zlib-ng module: pip install zlib-ng"))
    func zlibNGFixedBlockOverTheDynamicLimitRoundTrips() throws {
        let fixture = try Self.fixture.get()
        let seed = fixture.seed
        // BFINAL 1, BTYPE 01: the stream starts with its one (final) fixed-code block.
        #expect(fixture.deflate.first.map { $0 & 7 } == 3, "seed \(seed)")
        let sizes = try #require(PayloadSizes(fixture.payload), "seed \(seed)")
        #expect(sizes.blockCount == 1, "seed \(seed)")
        #expect(sizes.tokenCount > Self.dynamicBlockLimit, "seed \(seed): \(sizes.tokenCount) tokens")
        let start = ContinuousClock.now
        let replayed = try Self.replay(fixture.payload, fixture.content, seed: seed)
        let replaySeconds = ContinuousClock.now - start
        #expect(replayed.stream == fixture.deflate, "seed \(seed)")
        // Held until the block ended, nothing would have come out by then.
        #expect(
            replayed.atHalfContent >= fixture.deflate.count / 4,
            "seed \(seed): \(replayed.atHalfContent) of \(fixture.deflate.count) bytes passed on at half the content")
        print(
            "FixedBlockStreamingTests: \(fixture.content.count) bytes of content, a \(fixture.deflate.count)-byte "
                + "stream, one fixed block of \(sizes.tokenCount) tokens, \(fixture.payload.count) bytes of "
                + "reconstruction; analysis \(fixture.analysisSeconds) s, streaming replay \(replaySeconds)")
    }

    /// A payload stating half the stream's real size for such a block is refused while the
    /// block is being written, having passed on no more than it states (plus what gathers
    /// between drains): the replay never holds the block's output.
    @Test(.enabled(if: ZlibNGTests.pythonZlibNG, "needs python3 with PyPI's zlib-ng module: pip install zlib-ng"))
    func fixedBlockOutgrowingItsStatedStreamIsRefusedMidBlock() throws {
        let fixture = try Self.fixture.get()
        let seed = fixture.seed
        let sizes = try #require(PayloadSizes(fixture.payload), "seed \(seed)")
        let stated = fixture.deflate.count / 2
        var header = RecipeByteWriterForTests(bytes: [fixture.payload[0]])
        header.varint(UInt64(sizes.contentSize))
        header.varint(UInt64(stated))
        let hostile = header.bytes + fixture.payload[sizes.streamSizeEnd...]
        let encoder = DeflateReconstructionEncoder(payload: hostile)
        var passedOn = 0
        var fed = 0
        var refusal: RecipeError?
        do {
            while fed < fixture.content.count {
                let end = min(fixture.content.count, fed + (1 << 20))
                try fixture.content[fed..<end].withUnsafeBytes {
                    try encoder.process($0, into: { passedOn += $0.count })
                }
                fed = end
            }
            try encoder.finish(into: { passedOn += $0.count })
        } catch let error as RecipeError {
            refusal = error
        }
        guard case .malformed(_, let detail)? = refusal else {
            Issue.record(
                "seed \(seed): a stream stated at \(stated) bytes was not refused (\(String(describing: refusal)))")
            return
        }
        #expect(detail.contains("outgrows"), "seed \(seed): \(detail)")
        #expect(fed < fixture.content.count, "seed \(seed): refused only after all the content came")
        #expect(passedOn <= stated, "seed \(seed): \(passedOn) bytes passed on, \(stated) stated")
    }

    /// The same payload over other content of its size (one byte changed early on) must be
    /// refused or give another stream, never the original.
    @Test(.enabled(if: ZlibNGTests.pythonZlibNG, "needs python3 with PyPI's zlib-ng module: pip install zlib-ng"))
    func fixedBlockPayloadOverOtherContentIsRefusedOrDiffers() throws {
        let fixture = try Self.fixture.get()
        var other = fixture.content
        other[1000] ^= 0x40
        if let replayed = try? Self.replay(fixture.payload, other, seed: fixture.seed) {
            #expect(replayed.stream != fixture.deflate, "seed \(fixture.seed)")
            #expect(replayed.stream.count == fixture.deflate.count, "seed \(fixture.seed)")
        }
    }
}

/// The sizes at the head of a deflate reconstruction payload (versions 1 and 2 begin alike,
/// and zlib-ng -1's fixed block may pick an ISA-L mode, version 2): content size,
/// stream size, block count, token count, and where the stream size's varint ends.
struct PayloadSizes {
    var contentSize: Int
    var streamSize: Int
    var streamSizeEnd: Int
    var blockCount: Int
    var tokenCount: Int

    init?(_ payload: [UInt8]) {
        var offset = 1
        func varint() -> Int? {
            var value = 0
            var shift = 0
            while offset < payload.count, shift < 63 {
                let byte = payload[offset]
                offset += 1
                value |= Int(byte & 0x7f) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }
        guard let version = payload.first, (1...DeflateReconstruction.payloadVersion).contains(version),
            let content = varint(), let stream = varint() else { return nil }
        streamSizeEnd = offset
        guard let blocks = varint(), let tokens = varint() else { return nil }
        (contentSize, streamSize, blockCount, tokenCount) = (content, stream, blocks, tokens)
    }
}
