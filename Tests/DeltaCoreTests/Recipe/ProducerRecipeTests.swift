import DeltaCore
import Foundation
import Testing

/// Deterministic producers beyond plain zlib and GNU gzip (issue 13, item 1): `gzip
/// --rsyncable`, pigz and pbzip2, each against the real tool, byte for byte.
@Suite struct ProducerRecipeTests {
    /// The six tar followed by seeded text-like data and random bytes: ~600 KB, so that every
    /// producer cuts several blocks, with stored blocks in the random part.
    static func mixedContent(seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        return RecipeFixtures.sixTar + generator.compressibleBytes(count: 300_000) + generator.bytes(60_000)
            + generator.bytes(70_000, alphabet: 4)
    }

    static func differsAt(_ ours: [UInt8], _ expected: [UInt8]) -> Int {
        (0..<min(ours.count, expected.count)).first { ours[$0] != expected[$0] } ?? min(ours.count, expected.count)
    }

    // MARK: gzip --rsyncable

    @Test(.enabled(if: Tools.available("gzip")), arguments: 1...9)
    func rsyncableMatchesSystemGzipAtEveryLevel(level: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let content = Self.mixedContent(seed: seed)
        let expected = try RecipeFixtures.peer("gzip", ["-n", "-\(level)", "--rsyncable"], input: content)
        let ours = try GzipMemberEncoder(
            header: GNUDeflateTests.gzipNoNameHeader(level: level),
            deflater: GNUDeflateEncoder(level: level, rsyncable: true)
        ).transform(content)
        #expect(
            ours == expected,
            "gzip -\(level) --rsyncable differs first at byte \(Self.differsAt(ours, expected)) (seed \(seed))")
    }

    @Test(.enabled(if: Tools.available("gzip")), arguments: [1, 6, 9])
    func rsyncableIsDetectedAndRebuilds(level: Int) throws {
        let file = try RecipeFixtures.peer("gzip", ["-n", "-\(level)", "--rsyncable"], input: RecipeFixtures.sixTar)
        let recipe = try #require(try Self.detectAndRebuild(file, "gzip -\(level) --rsyncable"))
        #expect(recipe.gzip?.deflater == .gnuGzip)
        #expect(recipe.gzip?.level == level)
        #expect(try recipe.deflateProducer() == .gnuRsyncable)
        #expect(recipe.library == .gnuDeflate)
    }

    // MARK: pigz

    /// pigz settings: level, `-b` in KiB, `-i`, strategy (`-H` Huffman only, `-U` RLE).
    typealias PigzSetting = (level: Int, blockKiB: Int, independent: Bool, strategy: DeflateStrategy)
    static let pigzSettings: [PigzSetting] = [
        (1, 128, false, .default), (6, 128, false, .default), (9, 128, false, .default), (6, 128, true, .default),
        (9, 32, true, .default), (3, 64, false, .default), (6, 1024, false, .default), (0, 128, false, .default),
        (6, 128, false, .huffmanOnly), (6, 64, true, .rle),
    ]

    static func pigzArguments(_ setting: PigzSetting, threads: Int = 2) -> [String] {
        let strategy = setting.strategy == .huffmanOnly ? ["-H"] : setting.strategy == .rle ? ["-U"] : []
        return ["-n", "-\(setting.level)", "-b", "\(setting.blockKiB)", "-p", "\(threads)"]
            + (setting.independent ? ["-i"] : []) + strategy
    }

    @Test(.enabled(if: Tools.available("pigz")), arguments: 0..<pigzSettings.count)
    func pigzMatchesSystemPigz(setting index: Int) throws {
        let setting = Self.pigzSettings[index]
        let seed = UInt64.random(in: 0...UInt64.max)
        let content = Self.mixedContent(seed: seed)
        let expected = try RecipeFixtures.peer("pigz", Self.pigzArguments(setting), input: content)
        let header = GzipHeader(
            modificationTime: 0, operatingSystem: 3, extraFlags: setting.level == 9 ? 2 : setting.level == 1 ? 4 : 0)
        let deflater = try PigzDeflateEncoder(
            level: setting.level, strategy: setting.strategy, blockSize: setting.blockKiB << 10,
            independent: setting.independent)
        let ours = try GzipMemberEncoder(header: header, deflater: deflater).transform(content)
        #expect(
            ours == expected,
            "pigz \(Self.pigzArguments(setting)) differs first at byte \(Self.differsAt(ours, expected)) (seed \(seed))"
        )
    }

    @Test(.enabled(if: Tools.available("pigz")))
    func pigzOutputDoesNotDependOnThreadsOrBlockMultiples() throws {
        // Content of exactly three blocks: the last full block is the one finished.
        let content = Array(Self.mixedContent(seed: 7).prefix(3 * 131_072))
        let one = try RecipeFixtures.peer(
            "pigz", Self.pigzArguments((6, 128, false, .default), threads: 1), input: content)
        let two = try RecipeFixtures.peer(
            "pigz", Self.pigzArguments((6, 128, false, .default), threads: 2), input: content)
        #expect(one == two)
        let header = GzipHeader(modificationTime: 0, operatingSystem: 3, extraFlags: 0)
        #expect(try GzipMemberEncoder(header: header, deflater: PigzDeflateEncoder(level: 6)).transform(content) == one)
        #expect(
            try GzipMemberEncoder(header: header, deflater: PigzDeflateEncoder(level: 6)).transform([UInt8]())
                == RecipeFixtures.peer("pigz", ["-n", "-6"], input: []))
    }

    @Test(
        .enabled(if: Tools.available("pigz")),
        arguments: [
            (6, 128, false, DeflateStrategy.default), (9, 128, false, .default), (6, 128, true, .default),
            (9, 32, false, .default),
            (1, 64, true, .default), (6, 128, false, .huffmanOnly), (6, 128, false, .rle),
        ])
    func pigzIsDetectedAndRebuilds(level: Int, blockKiB: Int, independent: Bool, strategy: DeflateStrategy) throws {
        let arguments = Self.pigzArguments((level, blockKiB, independent, strategy))
        let file = try RecipeFixtures.peer("pigz", arguments, input: RecipeFixtures.sixTar + RecipeFixtures.sixTar)
        let recipe = try #require(try Self.detectAndRebuild(file, "pigz \(arguments)"))
        #expect(recipe.gzip?.deflater == .zlib)
        #expect(recipe.gzip?.level == level)
        #expect(recipe.gzip?.strategy == strategy)
        #expect(try recipe.deflateProducer() == .pigz(blockSize: blockKiB << 10, independent: independent))
        #expect(recipe.library == .zlib)
    }

    /// pigz writes no empty block where a block already ends on an even byte, so a file of
    /// two blocks may show no flush marker at all (found by `AnyProducerRoundTripTests`:
    /// `pigz -5 -b 32` of 33,000 bytes): a block end at a whole 32 KiB still finds pigz.
    @Test(.enabled(if: Tools.available("pigz")), arguments: [0, 1, 2, 3])
    func pigzOfFewBlocksWithoutFlushMarkersIsDetected(sample: Int) throws {
        var generator = SeededGenerator(seed: UInt64(1000 + sample))
        let content =
            sample % 2 == 0
            ? generator.compressibleBytes(count: 33_000 + sample * 20_000) : generator.bytes(40_000 + sample * 30_000)
        let file = try RecipeFixtures.peer("pigz", ["-5", "-b", "32", "-c"], input: content)
        let recipe = try #require(try Self.detectAndRebuild(file, "pigz -5 -b 32, sample \(sample)"))
        let reconstructed = recipe.usesDeflateReconstruction
        #expect(!reconstructed, "sample \(sample)")
        #expect(try recipe.deflateProducer() == .pigz(blockSize: 32 << 10, independent: false))
    }

    /// `pigz -0` writes stored blocks, which end on a byte, so it never writes a flush marker,
    /// and XFL 0 (found by `AnyProducerRoundTripTests`, seed 8355278938191993557: `pigz -0 -b
    /// 128` went to reconstruction); its block ends at whole KiB give the block size. The six
    /// tar is 170 KiB: the final block's end, a whole KiB too, must not count as a flush.
    @Test(.enabled(if: Tools.available("pigz")), arguments: [32, 64, 128])
    func pigzLevelZeroIsDetected(blockKiB: Int) throws {
        let file = try RecipeFixtures.peer("pigz", ["-0", "-b", "\(blockKiB)", "-c"], input: RecipeFixtures.sixTar)
        let recipe = try #require(try Self.detectAndRebuild(file, "pigz -0 -b \(blockKiB)"))
        #expect(!recipe.usesDeflateReconstruction, "pigz -0 -b \(blockKiB)")
        #expect(recipe.gzip?.level == 0)
        #expect(try recipe.deflateProducer() == .pigz(blockSize: blockKiB << 10, independent: false))
    }

    /// `pigz -0` of a file that fits one of its blocks: one stored block, which zlib's level 0
    /// writes only when given the input at once (seeds 8355278938191993557 and -58 of
    /// `AnyProducerRoundTripTests`: 40,131 and 53,439 bytes).
    @Test(.enabled(if: Tools.available("pigz")), arguments: [40_131, 100_000])
    func pigzLevelZeroOfOneBlockIsDetected(size: Int) throws {
        let content = Array(RecipeFixtures.sixTar.prefix(size))
        let file = try RecipeFixtures.peer("pigz", ["-0", "-c"], input: content)
        let recipe = try #require(try Self.detectAndRebuild(file, "pigz -0 of \(size) bytes"))
        #expect(!recipe.usesDeflateReconstruction, "pigz -0 of \(size) bytes")
        #expect(recipe.gzip?.level == 0)
    }

    /// `gzip --rsyncable` pads a block to a byte with an empty stored block only when it does
    /// not end on one, so a short file may show no flush point at all (found by
    /// `AnyProducerRoundTripTests`, seed 8780201799948356842: 24,073 bytes at -5); its
    /// recipe is still found.
    @Test(.enabled(if: Tools.available("gzip")))
    func rsyncableFileWithoutFlushPointsIsDetected() throws {
        var generator = SeededGenerator(seed: 8_780_201_799_948_356_842)
        let content = AnyProducerRoundTripTests.content(&generator)
        let file = try RecipeFixtures.peerReadingFile("gzip", ["--rsyncable", "-5", "-c"], input: content)
        let recipe = try #require(try Self.detectAndRebuild(file, "gzip --rsyncable -5"))
        #expect(try recipe.deflateProducer() == .gnuRsyncable)
        #expect(recipe.gzip?.level == 5)
    }

    // MARK: pbzip2

    @Test(.enabled(if: Tools.available("pbzip2")), arguments: [(9, 1), (9, 9), (5, 2), (1, 1)])
    func pbzip2IsDetectedAndRebuilds(level: Int, chunk: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let content = Self.mixedContent(seed: seed)
        let file = try RecipeFixtures.peer("pbzip2", ["-c", "-\(level)", "-b\(chunk)", "-p2"], input: content)
        let recipe = try #require(try Self.detectAndRebuild(file, "pbzip2 -\(level) -b\(chunk) (seed \(seed))"))
        #expect(recipe.bzip2 == Bzip2Recipe(blockSize: level))
        let streams = (content.count + chunk * 100_000 - 1) / (chunk * 100_000)
        #expect(try recipe.memberLayout() == (streams > 1 ? .uniform(memberSize: UInt64(chunk * 100_000)) : nil))
    }

    @Test func unevenBzip2StreamsAreReportedNotReproducible() throws {
        let first = try Bzip2Encoder(blockSize: 9).transform(Array(RecipeFixtures.sixTar.prefix(1000)))
        let second = try Bzip2Encoder(blockSize: 9).transform(Array(RecipeFixtures.sixTar.prefix(3000)))
        let detection = try RecipeFixtures.detect(first + second + first)
        #expect(!detection.reproducible)
        #expect(detection.reason?.contains("uneven") == true)
    }

    // MARK: committed files

    /// Small outputs of each tool over the six tar (testdata/ORIGINS.md).
    @Test(arguments: [
        ("six-1.17.0.tar.gzip-9-rsyncable.gz", DeflateProducer.gnuRsyncable),
        ("six-1.17.0.tar.pigz-9-b32.gz", .pigz(blockSize: 32 << 10, independent: false)),
        ("six-1.17.0.tar.pigz-6-i-b64.gz", .pigz(blockSize: 64 << 10, independent: true)),
    ])
    func committedProducerFilesReproduce(name: String, producer: DeflateProducer) throws {
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata(name))))
        let recipe = try #require(try Self.detectAndRebuild(file, name))
        #expect(try recipe.deflateProducer() == producer)
    }

    @Test func committedPbzip2FileReproduces() throws {
        let name = "six-1.17.0.tar.pbzip2-9-b1.bz2"
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata(name))))
        let recipe = try #require(try Self.detectAndRebuild(file, name))
        #expect(try recipe.memberLayout() == .uniform(memberSize: 100_000))
    }

    /// Detects, checks the recipe survives its binary form and rebuilds the file, returns it.
    static func detectAndRebuild(
        _ file: [UInt8], _ what: String, reconstruction: ReconstructionGoal = .fastReplay
    ) throws -> RecompressionRecipe? {
        let detection = try RecipeDetector.detect(compressed: file, reconstruction: reconstruction)
        #expect(detection.reproducible, "\(what): \(detection.reason ?? "")")
        guard let recipe = detection.recipe else { return nil }
        let decoded = try RecompressionRecipe(serialized: recipe.serialized())
        #expect(decoded == recipe)
        let content = try recipe.format.makeDecoder().transform(file)
        let rebuilt = try RecipeFixtures.rebuild(content, with: decoded)
        #expect(
            rebuilt == file, "\(what): the recipe does not rebuild the file (differs at \(differsAt(rebuilt, file)))")
        return recipe
    }
}
