@testable import DeltaCore
import Foundation
import FuzzTargets
import Testing

/// Mode 6 (``OptimalParsePredictor``) segmented (since 2026-12-02): each segment's parser
/// starts with its binary trees warmed over the 32 KiB before it
/// (``OptimalParsePredictor/warm(from:upTo:)``), so real optimal parsers' streams cut into
/// small segments replay to the same bytes serially, streamed and in parallel, the analysis
/// gives the same payload whatever its thread count, and a hostile segmented mode-6 payload
/// is refused with a typed error.
@Suite struct SegmentedOptimalParseTests {
    /// 7-Zip -mx9's tree depth and nice length (payload version 5), so that segments start
    /// inside long repeats too.
    static let modeSix = OptimalParsePredictor.candidateSettings[2]

    /// Real encoders that parse optimally, each giving a gzip file of its standard input.
    static let producers: [(name: String, tool: String, arguments: [String])] = [
        ("7-Zip -mx9", "7zz", ["a", "-tgzip", "-mx9", "-si", "-so", "dummy"]),
        ("libdeflate -12", "libdeflate-gzip", ["-12", "-c"]),
    ]

    /// Mode 6 forced, cut into segments of `segmentSize` content (at block boundaries).
    static func analysed(
        _ deflate: [UInt8], _ content: [UInt8], segmentSize: Int = SegmentedReconstructionTests.segmentSize,
        jobs: Int = 2
    ) throws -> [UInt8] {
        try deflate.withUnsafeBytes { stream in
            try content.withUnsafeBytes {
                try DeflateReconstruction.analyse(
                    deflate: stream, content: $0, maximumHeldTokens: DeflateReplay.maximumBlockTokens,
                    settings: modeSix, segmentSize: segmentSize, jobs: jobs)
            }
        }
    }

    /// A producer's raw deflate stream of `content`, or nil (printed) when the tool is missing.
    static func stream(
        of producer: (name: String, tool: String, arguments: [String]), _ content: [UInt8]
    ) throws -> [UInt8]? {
        guard Tools.available(producer.tool),
            let file = try? RecipeFixtures.peer(producer.tool, producer.arguments, input: content)
        else {
            print("SegmentedOptimalParseTests: \(producer.name) is missing here; skipped")
            return nil
        }
        return try DeflateReconstructionTests.deflateData(of: file)
    }

    @Test func realOptimalParsersRoundTripSegmentedInModeSix() throws {
        let seed = UInt64(Date().timeIntervalSince1970) &* 17
        print("SegmentedOptimalParseTests: content seed \(seed)")
        let content = SegmentedReconstructionTests.content(size: 700_000, seed: seed)
        var tried = 0
        for producer in Self.producers {
            guard let deflate = try Self.stream(of: producer, content) else { continue }
            let payload = try Self.analysed(deflate, content)
            let sizes = try DeflateReconstruction.Sizes(payload)
            #expect(payload[0] == 8 && sizes.settings == Self.modeSix, "\(producer.name)")
            #expect(sizes.flags.contains(.segmented) && sizes.flags.contains(.headersFirst), "\(producer.name)")
            #expect(sizes.segments.count >= 3, "\(producer.name): \(sizes.segments.count) segments, seed \(seed)")
            #expect(try Self.analysed(deflate, content, jobs: 1) == payload, "\(producer.name): analysis differs by jobs")
            try SegmentedReconstructionTests.expectReplaysEveryWay(
                payload, deflate, content, pieces: [70_001, 5_003],
                "seed \(seed), \(producer.name), \(sizes.segments.count) segments")
            let unsegmented = try Self.analysed(deflate, content, segmentSize: .max)
            #expect(try DeflateReconstruction.Sizes(unsegmented).segments.count == 1)
            print(
                "SegmentedOptimalParseTests: \(producer.name), \(deflate.count) bytes of stream, "
                    + "\(sizes.segments.count) segments: \(payload.count) bytes (one segment: \(unsegmented.count))")
            tried += 1
        }
        #expect(tried >= 1, "neither 7zz nor libdeflate-gzip is here")
    }

    /// A segmented mode-6 payload with its segment table changed (one field off by one, moved
    /// between two segments, or huge) or its flags cleared, and bytes of its bodies flipped:
    /// every table change is refused as malformed, a body change gives a typed error or a
    /// stream, never a crash or a hang.
    @Test func hostileSegmentedModeSixPayloadsAreRefused() throws {
        let content = SegmentedReconstructionTests.content(size: 300_000, seed: 23)
        guard let deflate = try Self.producers.lazy.compactMap({ try? Self.stream(of: $0, content) }).first else {
            return
        }
        let payload = try Self.analysed(deflate, content, segmentSize: 1)
        let parts = try SegmentedReconstructionTests.Parts(payload)
        try #require(parts.entries.count >= 3, "\(parts.entries.count) segments")
        #expect(try SegmentedReconstructionTests.replayed(payload, content, jobs: 2) == deflate)
        var hostile: [(String, [UInt8])] = [
            ("one segment", parts.bytes(count: 1)),
            ("one entry fewer", parts.bytes(count: UInt64(parts.entries.count - 1))),
            ("flags without the table", Array(parts.header) + parts.bodies),
        ]
        for field in 0..<5 {
            for (name, change) in [("+1", 1), ("-1", -1), ("huge", 1 << 50)] {
                var changed = parts
                let value = Int(changed.entries[1][field])
                changed.entries[1][field] = UInt64(clamping: max(0, value + change))
                if changed.entries[1][field] != parts.entries[1][field] {
                    hostile.append(("field \(field) \(name)", changed.bytes()))
                }
                if change == 1, value > 0, changed.entries[2][field] > 0 {
                    changed.entries[2][field] -= 1
                    hostile.append(("field \(field) moved", changed.bytes()))
                }
            }
        }
        for (name, bytes) in hostile {
            do {
                let stream = try SegmentedReconstructionTests.replayed(bytes, content, jobs: 2)
                Issue.record("\(name): not refused (replayed to the stream: \(stream == deflate))")
            } catch {
                guard case .malformed = error else {
                    Issue.record("\(name): \(error)")
                    continue
                }
            }
            #expect(throws: (any Error).self, "\(name), streamed") {
                try SegmentedReconstructionTests.streamed(bytes, content, piece: 50_000)
            }
        }
        let seed = UInt64(Date().timeIntervalSince1970) &* 53
        var generator = SeededGenerator(seed: seed)
        let bodyStart = payload.count - parts.bodies.count
        var refused = 0
        for _ in 0..<30 {
            var corrupt = payload
            let index = Int.random(in: bodyStart..<corrupt.count, using: &generator)
            corrupt[index] ^= UInt8.random(in: 1...255, using: &generator)
            do {
                _ = try SegmentedReconstructionTests.replayed(corrupt, content, jobs: 2)
            } catch {
                refused += 1
            }
        }
        #expect(refused > 15, "seed \(seed): only \(refused) of 30 body corruptions refused")
    }

    /// The fuzz target's seed `seed-replay-optimal-parse-segmented`: 4,096 bytes of the six tar
    /// compressed by zlib at its smallest memory level (a block every 128 symbols), analysed in
    /// mode 6 with segments of 600 content bytes, so the fuzzer starts inside a warmed mode-6
    /// segment. The seed and today's analysis of it replay through the target
    /// (`SEGMENTED_SEED_OUT=path` writes today's there, to regenerate the seed).
    @Test func fuzzSeedReachesSegmentedModeSix() throws {
        let tar = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata("six-1.17.0.tar.gz"))))
        let content = Array(try GzipDecoder().transform(tar)[4096..<8192])
        let deflate = try RecipeFixtures.peer(
            "python3",
            [
                "-c",
                "import sys, zlib; c = zlib.compressobj(9, zlib.DEFLATED, -15, 1); "
                    + "sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read()) + c.flush())",
            ], input: content)
        let payload = try Self.analysed(deflate, content, segmentSize: 600)
        let sizes = try DeflateReconstruction.Sizes(payload)
        #expect(sizes.settings.mode == .optimalParse && sizes.segments.count >= 3, "\(sizes.segments.count) segments")
        let input = [0, UInt8(content.count & 0xFF), UInt8(content.count >> 8)] + content + payload
        if let path = ProcessInfo.processInfo.environment["SEGMENTED_SEED_OUT"] {
            try Data(input).write(to: URL(fileURLWithPath: path))
        }
        let seedURL = TestPaths.repositoryRoot.appendingPathComponent(
            "Tests/DeltaCoreTests/Fuzz/FuzzReconstruction/seed-replay-optimal-parse-segmented")
        let seed = [UInt8](try Data(contentsOf: seedURL))
        #expect(input.withUnsafeBytes { FuzzTargets.reconstruction($0) } == 1, "today's segmented mode-6 input")
        let committed = try DeflateReconstruction.Sizes(Array(seed[(3 + content.count)...]))
        #expect(committed.settings.mode == .optimalParse && committed.flags.contains(.segmented))
        #expect(seed.withUnsafeBytes { FuzzTargets.reconstruction($0) } == 1, "the segmented mode-6 seed does not replay")
    }
}
