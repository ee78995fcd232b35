@testable import DeltaCore
import Foundation
import Testing

/// Segmented deflate reconstruction (payload version 4, flags bit 1): real producers' streams
/// cut into small segments replay to the same bytes serially (segment after segment, streaming)
/// and in parallel (segments replayed apart, their bits joined), the analysis gives the same
/// payload whatever its thread count, a stream smaller than a segment keeps its older payload,
/// and hostile segment tables are refused with typed errors.
@Suite struct SegmentedReconstructionTests {
    /// A small segment size, so that the tests' small files have many segments.
    static let segmentSize = 48 << 10

    /// Real producers with different matchers and block layouts; each gives a gzip file or a
    /// raw deflate stream of its standard input.
    static let producers: [(name: String, tool: String, arguments: [String], gzip: Bool)] = [
        ("ISA-L -0", "python3", isal(level: 0), false),
        ("ISA-L -2", "python3", isal(level: 2), false),
        ("ISA-L -3", "python3", isal(level: 3), false),
        ("7-Zip -mx9", "7zz", ["a", "-tgzip", "-mx9", "-si", "-so", "dummy"], true),
        ("libdeflate -12", "libdeflate-gzip", ["-12", "-c"], true),
        ("zlib-ng -6 uneven", "python3", [TestPaths.testdata("producers/zlib-ng-uneven.py"), "6", "30000", "7"], true),
        ("zlib-ng -1", "python3", [TestPaths.testdata("producers/zlib-ng-uneven.py"), "1", "30000", "7"], true),
        ("zlib -6", "python3", ["-c", "import sys, zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(), 6, wbits=-15))"], false),
    ]

    static func isal(level: Int) -> [String] {
        [
            "-c",
            "import sys, isal.igzip_lib as l; "
                + "sys.stdout.buffer.write(l.compress(sys.stdin.buffer.read(), \(level), flag=l.COMP_DEFLATE))",
        ]
    }

    /// About `size` bytes of content: the corpus tar's start when it is here (real text), else
    /// seeded text-like data with random stretches.
    static func content(size: Int, seed: UInt64) -> [UInt8] {
        if let path = TestPaths.corpusFile("Django-5.1.tar.gz"),
            let file = FileManager.default.contents(atPath: path),
            let tar = try? GzipDecoder().transform([UInt8](file)), tar.count > size
        {
            let start = Int(seed % UInt64(tar.count - size))
            return Array(tar[start..<start + size])
        }
        var generator = SeededGenerator(seed: seed)
        var content = generator.compressibleBytes(count: size / 2)
        while content.count < size {
            content += (0..<Int.random(in: 1...20_000, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            content += generator.compressibleBytes(count: Int.random(in: 1...60_000, using: &generator))
        }
        return Array(content.prefix(size))
    }

    static func analysed(_ deflate: [UInt8], _ content: [UInt8], segmentSize: Int = segmentSize, jobs: Int = 2)
        throws -> [UInt8]
    {
        try deflate.withUnsafeBytes { stream in
            try content.withUnsafeBytes {
                try DeflateReconstruction.analyse(
                    deflate: stream, content: $0, maximumHeldTokens: DeflateReplay.maximumBlockTokens,
                    segmentSize: segmentSize, jobs: jobs)
            }
        }
    }

    static func replayed(_ payload: [UInt8], _ content: [UInt8], jobs: Int) throws(RecipeError) -> [UInt8] {
        try content.withUnsafeBytes { bytes in
            Result { () throws(RecipeError) in
                try DeflateReconstruction.replay(
                    payload: payload, content: bytes, maximumHeldTokens: DeflateReplay.maximumBlockTokens, jobs: jobs)
            }
        }.get()
    }

    /// The streaming replay (segments one after another), fed in pieces of `piece` bytes.
    static func streamed(_ payload: [UInt8], _ content: [UInt8], piece: Int) throws -> [UInt8] {
        let encoder = DeflateReconstructionEncoder(payload: payload)
        var stream: [UInt8] = []
        var start = 0
        while start < content.count {
            let end = min(content.count, start + piece)
            try content[start..<end].withUnsafeBytes { try encoder.process($0) { stream.append(contentsOf: $0) } }
            start = end
        }
        try encoder.finish { stream.append(contentsOf: $0) }
        return stream
    }

    /// Expects `payload` to replay `deflate` over `content` in parallel with each of `jobs`
    /// and streamed in pieces of each of `pieces` bytes (`note` names the case).
    static func expectReplaysEveryWay(
        _ payload: [UInt8], _ deflate: [UInt8], _ content: [UInt8], jobs: [Int] = [1, 2, 3], pieces: [Int],
        _ note: String
    ) throws {
        for count in jobs {
            #expect(try replayed(payload, content, jobs: count) == deflate, "\(note), jobs \(count)")
        }
        for piece in pieces {
            #expect(try streamed(payload, content, piece: piece) == deflate, "\(note), streamed in pieces of \(piece)")
        }
    }

    @Test func realProducersRoundTripSegmentedSeriallyAndInParallel() throws {
        let seed = UInt64(Date().timeIntervalSince1970) &* 13
        print("SegmentedReconstructionTests: content seed \(seed)")
        let content = Self.content(size: 420_000, seed: seed)
        var tried = 0
        for producer in Self.producers where Tools.available(producer.tool) {
            guard let output = try? RecipeFixtures.peer(producer.tool, producer.arguments, input: content) else {
                print("SegmentedReconstructionTests: \(producer.name) is missing here")
                continue
            }
            let deflate = producer.gzip ? try DeflateReconstructionTests.deflateData(of: output) : output
            let payload = try Self.analysed(deflate, content)
            let sizes = try DeflateReconstruction.Sizes(payload)
            let cuts = try deflate.withUnsafeBytes { stream in
                try content.withUnsafeBytes {
                    DeflateReconstruction.segmentBlocks(
                        try DeflateStreamParser.parse(stream, content: $0), segmentSize: Self.segmentSize
                    ).count
                }
            }
            if sizes.settings.mode.supportsSegments {
                #expect(sizes.segments.count == cuts, "\(producer.name)")
                #expect(sizes.flags.contains(.segmented) == (cuts > 1), "\(producer.name): \(cuts) segments")
                #expect((payload[0] == 4) == (cuts > 1), "\(producer.name): version \(payload[0])")
            }
            #expect(try Self.analysed(deflate, content, jobs: 1) == payload, "\(producer.name): analysis differs by jobs")
            try Self.expectReplaysEveryWay(
                payload, deflate, content, pieces: [70_001],
                "seed \(seed), \(producer.name), \(sizes.segments.count) segments")
            let unsegmented = try Self.analysed(deflate, content, segmentSize: .max)
            print(
                "SegmentedReconstructionTests: \(producer.name) mode \(sizes.settings.mode.rawValue), "
                    + "\(sizes.segments.count) segments, \(payload.count) bytes (one segment: \(unsegmented.count))")
            tried += 1
        }
        #expect(tried >= 2, "too few producers here to test segments")
    }

    /// ISA-L writes a block per few hundred KB: on 1.3 MB its level 1 (a pairwise table,
    /// warmed) gives several segments that replay in parallel and streamed to its bytes; level
    /// 3 (whose map would start empty) keeps one segment and must replay the same ways.
    @Test func isalStreamsOfSeveralBlocksRoundTripSegmented() throws {
        let seed = UInt64(Date().timeIntervalSince1970) &* 43
        let content = Self.content(size: 1_300_000, seed: seed)
        for level in [1, 3] {
            guard let deflate = try? RecipeFixtures.peer("python3", Self.isal(level: level), input: content) else {
                print("SegmentedReconstructionTests: Python's isal module is missing; ISA-L segments skipped")
                return
            }
            let payload = try Self.analysed(deflate, content, segmentSize: 64 << 10)
            let sizes = try DeflateReconstruction.Sizes(payload)
            print("SegmentedReconstructionTests: ISA-L -\(level), \(sizes.segments.count) segments, seed \(seed)")
            if sizes.settings.mode == .isalLevel3 {
                #expect(sizes.segments.count == 1, "seed \(seed): ISA-L level 3's mode is not segmented")
            }
            try Self.expectReplaysEveryWay(
                payload, deflate, content, jobs: [2], pieces: [100_000], "seed \(seed), ISA-L -\(level)")
        }
    }

    /// Random content, producer level and segment size: the segmented payload replays in
    /// parallel and streamed to the producer's bytes.
    @Test func randomSegmentSizesRoundTrip() throws {
        let base = UInt64(Date().timeIntervalSince1970) &* 29
        for round in 0..<4 {
            let seed = base &+ UInt64(round)
            var generator = SeededGenerator(seed: seed)
            // Text with random stretches: zlib writes stored blocks, at any bit offset.
            var content = generator.compressibleBytes(count: 20_000)
            let size = Int.random(in: 100_000...300_000, using: &generator)
            while content.count < size {
                content += (0..<Int.random(in: 1...40_000, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
                content += generator.compressibleBytes(count: Int.random(in: 1...30_000, using: &generator))
            }
            let level = Int.random(in: 1...9, using: &generator)
            let deflate = try RecipeFixtures.peer(
                "python3",
                ["-c", "import sys, zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(), \(level), wbits=-15))"],
                input: content)
            let segmentSize = Int.random(in: 1...40_000, using: &generator)
            let payload = try Self.analysed(deflate, content, segmentSize: segmentSize)
            let jobs = Int.random(in: 1...4, using: &generator)
            #expect(
                try Self.replayed(payload, content, jobs: jobs) == deflate,
                "seed \(seed), zlib \(level), segment size \(segmentSize), jobs \(jobs)")
            #expect(
                try Self.streamed(payload, content, piece: Int.random(in: 1_000...200_000, using: &generator))
                    == deflate, "seed \(seed), streamed")
        }
        print("SegmentedReconstructionTests: random segment sizes, seeds from \(base)")
    }

    /// A stream of one segment keeps the payload it had before version 4 (the committed
    /// vectors' own tests hold their bytes).
    @Test func smallStreamsStayUnsegmented() throws {
        let (payload, content) = try DeflateReconstructionTests.payload(for: "libdeflate-6")
        #expect(payload[0] < 4)
        #expect(try DeflateReconstruction.Sizes(payload).segments.count == 1)
        let deflate = try DeflateReconstructionTests.deflateData(of: try DeflateReconstructionTests.vector("libdeflate-6"))
        #expect(try Self.analysed(deflate, content, segmentSize: DeflateReconstruction.segmentContentSize) == payload)
    }

    /// A stream of a few MB is cut into segments by default (a quarter of its content, 512
    /// KiB at least, 4 MiB at most), so that its analysis and its replay use several cores;
    /// the size depends on the content alone.
    @Test func aStreamOfAFewMegabytesIsCutIntoSegmentsByDefault() throws {
        #expect(DeflateReconstruction.segmentContentSize(forContent: 500_000) == 512 << 10)
        #expect(DeflateReconstruction.segmentContentSize(forContent: 12 << 20) == 3 << 20)
        #expect(DeflateReconstruction.segmentContentSize(forContent: 61_286_400) == 4 << 20)
        let content = Self.content(size: 1_500_000, seed: 3)
        let zlib = try #require(Self.producers.first { $0.name == "zlib -6" })
        let deflate = try RecipeFixtures.peer(zlib.tool, zlib.arguments, input: content)
        let payload = try deflate.withUnsafeBytes { stream in
            try content.withUnsafeBytes { try DeflateReconstruction.analyse(deflate: stream, content: $0) }
        }
        // Cut at the first block boundaries at or after 512 KiB and 1 MiB; the last 0.45 MB is
        // a segment of its own (over a quarter of 512 KiB).
        #expect(try DeflateReconstruction.Sizes(payload).segments.count == 3)
        #expect(try Self.replayed(payload, content, jobs: 2) == deflate)
    }

    /// The sample trials that choose the settings run on several threads, and are offered in
    /// their lists' order: the payload is the same on one thread as on two.
    @Test(.enabled(if: Tools.available("libdeflate-gzip"), "needs libdeflate-gzip"))
    func theSettingsChosenAreTheSameOnOneThreadAndOnTwo() throws {
        let content = Self.content(size: 400_000, seed: 11)
        let file = try RecipeFixtures.peer("libdeflate-gzip", ["-12", "-c"], input: content)
        let deflate = try DeflateReconstructionTests.deflateData(of: file)
        func payload(jobs: Int) throws -> [UInt8] {
            try deflate.withUnsafeBytes { stream in
                try content.withUnsafeBytes {
                    try DeflateReconstruction.analyse(
                        deflate: stream, content: $0, maximumHeldTokens: DeflateReplay.maximumBlockTokens,
                        goal: .smallestData, jobs: jobs)
                }
            }
        }
        let serial = try payload(jobs: 1)
        #expect(try DeflateReconstruction.Sizes(serial).settings.mode == .optimalParse, "the parallel list won")
        #expect(try payload(jobs: 2) == serial)
        #expect(try Self.replayed(serial, content, jobs: 2) == deflate)
    }

    /// `mkpatch recompress`'s path: a recipe with a segmented payload is parallel, and
    /// ``Recompressor`` rebuilds the gzip file with one job (streaming) and two (segments).
    @Test func recompressorRebuildsSegmentedRecipesWithOneAndTwoJobs() throws {
        let content = Self.content(size: 600_000, seed: 7)
        let file = try RecipeFixtures.peer("libdeflate-gzip", ["-12", "-c"], input: content)
        let (header, _) = try file.withUnsafeBytes { try GzipHeader.parse($0) }
        let deflate = try DeflateReconstructionTests.deflateData(of: file)
        var recipe = try #require(
            deflate.withUnsafeBytes { stream in
                content.withUnsafeBytes {
                    RecompressionRecipe.reconstructing(header: header, deflate: stream, content: $0, goal: .fastReplay)
                }
            }.recipe)
        let payload = try Self.analysed(deflate, content)
        recipe.setExtension(.deflateReconstruction, payload: payload)
        let segments = try DeflateReconstruction.Sizes(payload).segments.count
        #expect(recipe.parallelism == .reconstructedSegments(segments))
        #expect(recipe.parallelism.isParallel)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("segments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("content").path
        try Data(content).write(to: URL(fileURLWithPath: input))
        for jobs in [1, 2] {
            let output = directory.appendingPathComponent("out-\(jobs).gz").path
            var reported: UInt64 = 0
            let result = try Recompressor.recompress(
                inputPath: input, recipe: recipe, outputPath: output, jobs: jobs, progress: { reported = $0 })
            #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == Data(file), "jobs \(jobs)")
            #expect(result.parallelism.isParallel == (jobs > 1))
            #expect(reported == UInt64(content.count))
        }
        // Content of another size is refused, not written.
        try Data(content.dropLast()).write(to: URL(fileURLWithPath: input))
        #expect(throws: (any Error).self) {
            try Recompressor.recompress(
                inputPath: input, recipe: recipe, outputPath: directory.appendingPathComponent("short.gz").path, jobs: 2)
        }
    }

    // MARK: Hostile segment tables

    /// A payload's parts: everything up to the segment table, the table's entries, the bodies.
    struct Parts {
        var header: [UInt8]
        var entries: [[UInt64]]
        var bodies: [UInt8]

        init(_ payload: [UInt8]) throws {
            var reader = RecipeByteReader(bytes: payload)
            _ = try reader.byte()
            for _ in 0..<8 { _ = try reader.varint() }
            header = Array(payload[..<reader.offset])
            let count = try reader.varint()
            entries = try (0..<count).map { _ in try (0..<5).map { _ in try reader.varint() } }
            bodies = Array(payload[reader.offset...])
        }

        func bytes(count: UInt64? = nil) -> [UInt8] {
            var writer = RecipeByteWriter()
            writer.bytes = header
            writer.varint(count ?? UInt64(entries.count))
            for entry in entries { for value in entry { writer.varint(value) } }
            return writer.bytes + bodies
        }
    }

    @Test func hostileSegmentTablesAreRefused() throws {
        let content = Self.content(size: 60_000, seed: 11)
        // zlib's smallest memory level: a block every 128 symbols.
        let deflate = try RecipeFixtures.peer(
            "python3",
            [
                "-c",
                "import sys, zlib; c = zlib.compressobj(6, zlib.DEFLATED, -15, 1); "
                    + "sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read()) + c.flush())",
            ], input: content)
        // One segment per block.
        let payload = try Self.analysed(deflate, content, segmentSize: 1)
        let parts = try Parts(payload)
        try #require(parts.entries.count >= 3)
        #expect(parts.bytes() == payload)
        var hostile: [(String, [UInt8])] = [
            ("no segments", parts.bytes(count: 0)), ("one segment", parts.bytes(count: 1)),
            ("a count beyond the payload", parts.bytes(count: 1 << 40)),
            ("one entry fewer", parts.bytes(count: UInt64(parts.entries.count - 1))),
            ("flags without the table", Array(parts.header) + parts.bodies),
        ]
        for field in 0..<5 {
            for (name, change) in [("+1", 1), ("-1", -1), ("huge", 1 << 50)] {
                var changed = parts
                let value = Int(changed.entries[1][field])
                changed.entries[1][field] = UInt64(clamping: max(0, value + change))
                hostile.append(("field \(field) \(name)", changed.bytes()))
                // Moved between two segments, the sums still hold.
                if change == 1, value > 0 {
                    changed.entries[2][field] -= 1
                    hostile.append(("field \(field) moved", changed.bytes()))
                }
            }
        }
        var zeroBlocks = parts
        zeroBlocks.entries[0][0] = 0
        hostile.append(("a segment of no blocks", zeroBlocks.bytes()))
        for (name, bytes) in hostile {
            do {
                let stream = try Self.replayed(bytes, content, jobs: 2)
                #expect(stream != deflate, "\(name): replayed to the stream")
                Issue.record("\(name): not refused")
            } catch {
                guard case .malformed = error else {
                    Issue.record("\(name): \(error)")
                    continue
                }
            }
            #expect(throws: (any Error).self, "\(name), streamed") { try Self.streamed(bytes, content, piece: 50_000) }
        }
    }

    /// Random bytes flipped in the table and the bodies: a typed error or a stream, never a crash.
    @Test func corruptSegmentedPayloadsNeverCrash() throws {
        let seed = UInt64(Date().timeIntervalSince1970) &* 41
        var generator = SeededGenerator(seed: seed)
        let content = Self.content(size: 200_000, seed: seed)
        let output = try RecipeFixtures.peer("7zz", ["a", "-tgzip", "-mx5", "-si", "-so", "dummy"], input: content)
        let deflate = try DeflateReconstructionTests.deflateData(of: output)
        let payload = try Self.analysed(deflate, content)
        var refused = 0
        for _ in 0..<40 {
            var corrupt = payload
            let index = Int.random(in: 1..<corrupt.count, using: &generator)
            corrupt[index] ^= UInt8.random(in: 1...255, using: &generator)
            do {
                _ = try Self.replayed(corrupt, content, jobs: 2)
            } catch {
                refused += 1
            }
        }
        #expect(refused > 20, "seed \(seed): only \(refused) of 40 corruptions refused")
    }
}
