import DeltaCore
import Foundation
import Testing

/// Recompression on several threads gives the serial compressor's bytes, for every format
/// that can share out its work: bzip2 blocks, `xz -T` blocks, and gzip segments between
/// restart points.
@Suite struct ParallelRecompressionTests {
    /// Recompresses `content` with `recipe` on `jobs` threads, through files as a rebuild does.
    static func recompress(_ content: [UInt8], _ recipe: RecompressionRecipe, jobs: Int) throws -> (bytes: [UInt8], result: RecompressionResult) {
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
        let content = Self.contentWithRuns(level * 100_000 * 3 + Int.random(in: 0..<50_000, using: &generator), &generator)
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
        let recipe = RecompressionRecipe(format: .bzip2, library: .libbz2, bzip2: Bzip2Recipe(blockSize: 1), trailingZeroBytes: 7)
        let cases: [(String, [UInt8])] = [
            ("empty", []), ("one byte", [9]),
            ("one long run", [UInt8](repeating: 0x41, count: 2_000_000)),
            ("no runs", (0..<250_000).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 >> 8) }),
        ]
        for (name, content) in cases {
            #expect(try Self.recompress(content, recipe, jobs: 2).bytes == Self.recompress(content, recipe, jobs: 1).bytes, "\(name)")
        }
    }

    // MARK: xz

    @Test func xzThreadedOutputDoesNotDependOnJobs() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        let content = generator.compressibleBytes(count: 700_000)
        let recipe = RecompressionRecipe(format: .xz, library: .liblzma,
                                         xz: XZRecipe(preset: 1, extreme: false, check: .crc64, blockSize: 150_000, threaded: true))
        #expect(recipe.parallelism == .threadedBlocks)
        let outputs = try [1, 2, 3, 4].map { try Self.recompress(content, recipe, jobs: $0).bytes }
        #expect(Set(outputs).count == 1, "seed \(seed)")
        if Tools.available("xz") {
            #expect(outputs[0] == (try RecipeFixtures.peer("xz", ["-T2", "--block-size=150000", "-1", "-c"], input: content)))
        }
    }

    @Test func singleBlockXZSaysItIsSerial() {
        let single = RecompressionRecipe(format: .xz, library: .liblzma, xz: XZRecipe(preset: 6, extreme: false, check: .crc64))
        #expect(!single.parallelism.isParallel)
        #expect(single.parallelism.description == "serial (a single-block xz stream)")
    }
}
