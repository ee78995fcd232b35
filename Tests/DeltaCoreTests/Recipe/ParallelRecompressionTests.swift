import DeltaCore
import Foundation
import Testing

/// Recompression on several threads gives the serial compressor's bytes, for every format
/// that can share out its work: bzip2 blocks, `xz -T` blocks, and gzip segments between
/// restart points.
@Suite struct ParallelRecompressionTests {
    /// Recompresses `content` with `recipe` on `jobs` threads, through files as a rebuild does.
    static func recompress(_ content: [UInt8], _ recipe: RecompressionRecipe, jobs: Int) throws -> (
        bytes: [UInt8], result: RecompressionResult
    ) {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("content").path
        let output = directory.appendingPathComponent("out").path
        try Data(content).write(to: URL(fileURLWithPath: input))
        let result = try Recompressor.recompress(inputPath: input, recipe: recipe, outputPath: output, jobs: jobs)
        return ([UInt8](try Data(contentsOf: URL(fileURLWithPath: output))), result)
    }

    /// Text-like content with long runs of one byte mixed in (bzip2's run-length coding and
    /// its 255-byte cap shift block boundaries).
    static func contentWithRuns(_ count: Int, _ generator: inout SeededGenerator) -> [UInt8] {
        var bytes = generator.compressibleBytes(count: count)
        for _ in 0..<(count / 20_000) {
            let start = Int.random(in: 0..<count, using: &generator)
            let length = min(count - start, [4, 5, 255, 256, 300, 1000].randomElement(using: &generator) ?? 4)
            let byte = UInt8.random(in: 0...255, using: &generator)
            bytes.replaceSubrange(start..<(start + length), with: repeatElement(byte, count: length))
        }
        return bytes
    }

    // MARK: bzip2

    @Test(arguments: [1, 2, 9])
    func bzip2BlocksCompressedApartJoinIntoLibbz2sStream(level: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        let content = Self.contentWithRuns(
            level * 100_000 * 3 + Int.random(in: 0..<50_000, using: &generator), &generator)
        let recipe = RecompressionRecipe(format: .bzip2, library: .libbz2, bzip2: Bzip2Recipe(blockSize: level))
        let serial = try Self.recompress(content, recipe, jobs: 1)
        for jobs in [2, 3] {
            let parallel = try Self.recompress(content, recipe, jobs: jobs)
            #expect(parallel.bytes == serial.bytes, "bzip2 -\(level), \(jobs) jobs, seed \(seed)")
            #expect(parallel.result.parallelism == .blocks)
        }
    }

    @Test(.enabled(if: Tools.available("bzip2")), arguments: 1...9)
    func bzip2MatchesSystemBzip2OnARealTarball(level: Int) throws {
        let compressed = try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata("gnu-efi_3.0.15.orig.tar.bz2")))
        let content = try Bzip2Decoder().transform(compressed)
        let expected = try RecipeFixtures.peer("bzip2", ["-\(level)"], input: content)
        let recipe = RecompressionRecipe(format: .bzip2, library: .libbz2, bzip2: Bzip2Recipe(blockSize: level))
        #expect(try Self.recompress(content, recipe, jobs: 2).bytes == expected, "bzip2 -\(level)")
    }

    @Test func bzip2EdgeContents() throws {
        let recipe = RecompressionRecipe(
            format: .bzip2, library: .libbz2, bzip2: Bzip2Recipe(blockSize: 1), trailingZeroBytes: 7)
        let cases: [(String, [UInt8])] = [
            ("empty", []), ("one byte", [9]),
            ("one long run", [UInt8](repeating: 0x41, count: 2_000_000)),
            ("no runs", (0..<250_000).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 >> 8) }),
        ]
        for (name, content) in cases {
            #expect(
                try Self.recompress(content, recipe, jobs: 2).bytes == Self.recompress(content, recipe, jobs: 1).bytes,
                "\(name)")
        }
    }

    // MARK: xz

    @Test func xzThreadedOutputDoesNotDependOnJobs() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        let content = generator.compressibleBytes(count: 700_000)
        let recipe = RecompressionRecipe(
            format: .xz, library: .liblzma,
            xz: XZRecipe(preset: 1, extreme: false, check: .crc64, blockSize: 150_000, threaded: true))
        #expect(recipe.parallelism == .threadedBlocks)
        let outputs = try [1, 2, 3, 4].map { try Self.recompress(content, recipe, jobs: $0).bytes }
        #expect(Set(outputs).count == 1, "seed \(seed)")
        if Tools.available("xz") {
            #expect(
                outputs[0]
                    == (try RecipeFixtures.peer("xz", ["-T2", "--block-size=150000", "-1", "-c"], input: content)))
        }
    }

    @Test func singleBlockXZSaysItIsSerial() {
        let single = RecompressionRecipe(
            format: .xz, library: .liblzma, xz: XZRecipe(preset: 6, extreme: false, check: .crc64))
        #expect(!single.parallelism.isParallel)
        #expect(single.parallelism.description == "serial (a single-block xz stream)")
    }

    // MARK: gzip restart points

    static func gzipRecipe(_ deflater: DeflateImplementation, level: Int, memLevel: Int? = nil) -> RecompressionRecipe {
        RecompressionRecipe(
            format: .gzip, library: deflater == .zlib ? .zlib : .gnuDeflate,
            gzip: GzipRecipe(
                header: GzipHeader(), deflater: deflater, level: level,
                memLevel: deflater == .zlib ? memLevel ?? 8 : nil,
                strategy: deflater == .zlib ? .default : nil))
    }

    /// A recipe with restart points recorded and proven over `content`, and the serial file.
    static func withRestartPoints(
        _ recipe: RecompressionRecipe, content: [UInt8],
        interval: UInt64
    ) throws -> (recipe: RecompressionRecipe, file: [UInt8]) {
        var recipe = recipe
        let file = try recipe.makeEncoder().transform(content)
        recipe.target = RecipeTarget(size: UInt64(file.count), sha256: try DigestContext.digest(.sha256, of: file).hex)
        return (
            try RestartPointRecorder.addingRestartPoints(
                to: recipe, content: content, file: file, interval: interval, jobs: 2), file
        )
    }

    /// Random content of about `size` bytes (seed printed by the callers), its serial file
    /// under `deflater -level`, and the recipe with restart points about `interval` apart.
    struct RestartFixture {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator: SeededGenerator
        var content: [UInt8] = []
        var recipe: RecompressionRecipe
        var file: [UInt8] = []

        init(_ deflater: DeflateImplementation, level: Int, memLevel: Int? = nil, size: Int, interval: UInt64) throws {
            generator = SeededGenerator(seed: seed)
            content = ParallelRecompressionTests.contentWithRuns(size, &generator)
            (recipe, file) = try ParallelRecompressionTests.withRestartPoints(
                ParallelRecompressionTests.gzipRecipe(deflater, level: level, memLevel: memLevel), content: content,
                interval: interval)
        }
    }

    static let restartCases: [(DeflateImplementation, Int, Int?)] =
        (4...9).map { (.gnuGzip, $0, nil) } + (4...9).map { (.zlib, $0, 8) } + [(.zlib, 9, 9), (.zlib, 6, 5)]

    @Test(arguments: restartCases)
    func restartPointsRebuildTheSerialStream(deflater: DeflateImplementation, level: Int, memLevel: Int?) throws {
        let interval = UInt64.random(in: 70_000...250_000)
        let fixture = try RestartFixture(
            deflater, level: level, memLevel: memLevel, size: .random(in: 1_200_000...1_500_000),
            interval: interval)
        let (seed, content, recipe, file) = (fixture.seed, fixture.content, fixture.recipe, fixture.file)
        let points = try #require(recipe.restartPoints, "\(deflater) -\(level): no restart points, seed \(seed)")
        #expect(!points.points.isEmpty, "seed \(seed)")
        for jobs in [2, 3] {
            let rebuilt = try Self.recompress(content, recipe, jobs: jobs)
            #expect(rebuilt.bytes == file, "\(deflater) -\(level), \(jobs) jobs, seed \(seed)")
            #expect(rebuilt.result.parallelism == .segments(points.points.count + 1), "seed \(seed)")
        }
    }

    @Test(arguments: 1...3)
    func gnuFastLevelsGetNoRestartPoints(level: Int) throws {
        var generator = SeededGenerator(seed: UInt64(level))
        let content = generator.compressibleBytes(count: 600_000)
        let (recipe, _) = try Self.withRestartPoints(
            Self.gzipRecipe(.gnuGzip, level: level), content: content, interval: 100_000)
        #expect(recipe.restartPoints == nil)
        #expect(recipe.parallelism == .serial("no restart points"))
    }

    /// Any subset of proven points is a valid segment layout.
    @Test(arguments: [DeflateImplementation.gnuGzip, .zlib])
    func everySegmentLayoutGivesTheSameBytes(deflater: DeflateImplementation) throws {
        var fixture = try RestartFixture(deflater, level: 9, size: 1_000_000, interval: 60_000)
        let (seed, content, recipe, file) = (fixture.seed, fixture.content, fixture.recipe, fixture.file)
        let all = try #require(recipe.restartPoints)
        for round in 0..<4 {
            let subset = all.points.filter { _ in Bool.random(using: &fixture.generator) }
            guard !subset.isEmpty else { continue }
            var layout = recipe
            layout.setExtension(
                .restartPoints, payload: DeflateRestartPoints(deflater: deflater, points: subset).serialized())
            let rebuilt = try Self.recompress(content, layout, jobs: 2)
            #expect(rebuilt.bytes == file, "round \(round), \(subset.count) points, seed \(seed)")
            #expect(rebuilt.result.parallelism == .segments(subset.count + 1), "round \(round), seed \(seed)")
        }
    }

    /// Points moved off what the serial compressor did are refused by the proof, and a
    /// rebuild given them still makes the right bytes, serially.
    @Test(arguments: [DeflateImplementation.gnuGzip, .zlib])
    func wrongRestartPointsAreRefused(deflater: DeflateImplementation) throws {
        var fixture = try RestartFixture(deflater, level: 6, size: 900_000, interval: 150_000)
        let (seed, content, recipe, file) = (fixture.seed, fixture.content, fixture.recipe, fixture.file)
        let good = try #require(recipe.restartPoints).points
        let index = Int.random(in: 0..<good.count, using: &fixture.generator)
        var wrongs: [(String, DeflateRestartPoint)] = []
        var point = good[index]
        point.bitOffset += 1
        wrongs.append(("bit offset + 1", point))
        point = good[index]
        point.contentOffset += 1
        wrongs.append(("content offset + 1", point))
        point = good[index]
        point.contentOffset -= 1
        point.bitOffset -= 9
        wrongs.append(("a byte earlier", point))
        if deflater == .gnuGzip {
            point = good[index]
            point.pendingMatch = point.pendingMatch == nil ? .init(length: 3, distance: 1) : nil
            wrongs.append(("pending match flipped", point))
            point = good[index]
            if let window = point.windowOffset, window >= 1 << 15 {
                point.windowOffset = window - (1 << 15)
                wrongs.append(("window a step earlier", point))
            }
        }
        for (name, wrong) in wrongs {
            var points = good
            points[index] = wrong
            let proposed = DeflateRestartPoints(deflater: deflater, points: points)
            let proven = try RestartPointRecorder.proven(
                proposed, recipe: recipe, content: content, file: file, jobs: 2)
            #expect(!proven.contains(wrong), "\(name) was not refused, seed \(seed)")
            var bad = recipe
            bad.setExtension(.restartPoints, payload: proposed.serialized())
            let rebuilt = try Self.recompress(content, bad, jobs: 2)
            #expect(rebuilt.bytes == file, "\(name), seed \(seed)")
            #expect(!rebuilt.result.parallelism.isParallel, "\(name): \(rebuilt.result.parallelism), seed \(seed)")
        }
    }

    /// A rebuild that judges the result itself (a fetch) keeps the target as a hint: wrong
    /// points still end in the serial compressor's bytes, and a target no output can meet
    /// leaves the serial output for the caller instead of an error.
    @Test(arguments: [DeflateImplementation.gnuGzip, .zlib])
    func aTargetHintSendsWrongPointsBackToSerial(deflater: DeflateImplementation) throws {
        var fixture = try RestartFixture(deflater, level: 9, size: 800_000, interval: 120_000)
        let (seed, content, recipe, file) = (fixture.seed, fixture.content, fixture.recipe, fixture.file)
        var points = try #require(recipe.restartPoints).points
        let index = Int.random(in: 0..<points.count, using: &fixture.generator)
        points[index].bitOffset += 1
        var bad = recipe
        bad.setExtension(.restartPoints, payload: DeflateRestartPoints(deflater: deflater, points: points).serialized())
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("content").path
        let output = directory.appendingPathComponent("out").path
        try Data(content).write(to: URL(fileURLWithPath: input))

        let hinted = try Recompressor.recompress(
            inputPath: input, recipe: bad, outputPath: output, jobs: 2, targetUse: .retryHint)
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: output))) == file, "seed \(seed)")
        #expect(hinted.verified, "seed \(seed)")
        #expect(!hinted.parallelism.isParallel, "\(hinted.parallelism), seed \(seed)")

        var unreachable = recipe
        unreachable.target?.sha256 = String(repeating: "0", count: 64)
        let kept = try Recompressor.recompress(
            inputPath: input, recipe: unreachable, outputPath: output, jobs: 2,
            targetUse: .retryHint)
        #expect(!kept.verified, "seed \(seed)")
        #expect(
            !kept.parallelism.isParallel, "a parallel output that missed the target is retried serially, seed \(seed)")
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: output))) == file, "seed \(seed)")
        #expect(throws: RecipeError.self) {
            try Recompressor.recompress(inputPath: input, recipe: unreachable, outputPath: output + "2", jobs: 2)
        }
        #expect(!FileManager.default.fileExists(atPath: output + "2"))
    }

    @Test func gzipWithoutRestartPointsIsSerialAndTheSame() throws {
        var generator = SeededGenerator(seed: 12)
        let content = generator.compressibleBytes(count: 300_000)
        for deflater in [DeflateImplementation.gnuGzip, .zlib] {
            let recipe = Self.gzipRecipe(deflater, level: 9)
            #expect(recipe.parallelism == .serial("no restart points"))
            let parallel = try Self.recompress(content, recipe, jobs: 4)
            #expect(parallel.bytes == (try Self.recompress(content, recipe, jobs: 1).bytes))
            #expect(parallel.result.parallelism == .serial("no restart points"))
        }
    }
}
