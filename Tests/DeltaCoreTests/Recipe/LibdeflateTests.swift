import DeltaCore
import Foundation
import Testing

/// libdeflate (issue 13, item 1): our ``LibdeflateDeflateEncoder`` against real output of
/// `libdeflate-gzip` 1.14 (testdata/libdeflate, Debian's libdeflate-tools), against the tool
/// itself when it is installed, and its detection, recipe and fallback.
@Suite struct LibdeflateTests {
    /// (input, level, size, SHA256) from vectors.txt; inputs as GoFlateTests makes them.
    static let vectors = RecipeFixtures.producerVectors("libdeflate/vectors.txt")

    /// What `libdeflate-gzip -LEVEL -c` writes for `content`, by our encoder.
    static func ours(_ content: [UInt8], level: Int) throws -> [UInt8] {
        try GzipMemberEncoder(
            header: LibdeflateDeflateEncoder.gzipHeader(level: level), deflater: LibdeflateDeflateEncoder(level: level)
        ).transform(content)
    }

    static func testdata(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata("libdeflate/\(name)"))))
    }

    @Test(arguments: ["empty", "six", "six-x8", "zeros-1m", "random-1m"])
    func matchesLibdeflate1_14AtEveryLevel(input name: String) throws {
        let content = GoFlateTests.vectorInput(name)
        let vectors = Self.vectors.filter { $0.input == name }
        #expect(vectors.count == LibdeflateDeflateEncoder.levels.count)
        for vector in vectors {
            let output = try Self.ours(content, level: vector.level)
            try RecipeFixtures.expect(output, matches: vector, writtenBy: "libdeflate")
        }
    }

    /// The committed files are rebuilt byte for byte, and detection gives them the exact
    /// libdeflate recipe at their level, not deflate reconstruction.
    @Test(arguments: [1, 4, 6, 9])
    func committedFilesAreExactRecipes(level: Int) throws {
        let file = try Self.testdata("six20k.libdeflate-\(level).gz")
        let content = Array(RecipeFixtures.sixTar.prefix(20_000))
        #expect(try Self.ours(content, level: level) == file)
        let recipe = try #require(try ProducerRecipeTests.detectAndRebuild(file, "libdeflate -\(level)"))
        #expect(recipe.gzip?.deflater == .libdeflate)
        #expect(recipe.gzip?.level == level)
        #expect(recipe.library == .libdeflate)
        #expect(try recipe.deflateProducer() == .libdeflate(generation: 1))
        #expect(!recipe.usesDeflateReconstruction)
        #expect(recipe.deflateReconstructionBytes == nil)
    }

    /// libdeflate compresses the whole input in one call; ours compresses as input comes, so
    /// its output must not depend on how the input is split (nor on where the 1 MiB look-ahead
    /// and buffer compaction fall).
    @Test func outputDoesNotDependOnHowInputArrives() throws {
        var generator = SeededGenerator(seed: 77)
        let content =
            RecipeFixtures.sixTar + generator.compressibleBytes(count: 1_500_000) + GoFlateTests.lcgBytes(300_000)
            + Array(RecipeFixtures.sixTar.prefix(900_000)) + generator.bytes(2_500_000, alphabet: 4)
        for level in [1, 2, 6, 8] {
            let whole = try LibdeflateDeflateEncoder(level: level).transform(content)
            let pieces = try RecipeFixtures.compressedInRandomPieces(
                content, by: try LibdeflateDeflateEncoder(level: level), seed: UInt64(level + 60))
            #expect(pieces == whole, "level \(level)")
            #expect(
                try GzipDecoder().transform(
                    try GzipMemberEncoder(
                        header: LibdeflateDeflateEncoder.gzipHeader(level: level),
                        deflater: LibdeflateDeflateEncoder(level: level)
                    ).transform(content)) == content, "level \(level) inflates")
        }
    }

    @Test func invalidSettingsAreRefused() {
        #expect(throws: CompressionError.self) { try LibdeflateDeflateEncoder(level: 0) }
        #expect(throws: CompressionError.self) { try LibdeflateDeflateEncoder(level: 10) }
    }

    // MARK: against the real libdeflate-gzip

    /// Whether `libdeflate-gzip` is installed at the version we emulate.
    static let libdeflateGzip: Bool = {
        guard Tools.available("libdeflate-gzip") else { return false }
        let result = try? Tools.run("libdeflate-gzip", ["-V"])
        return result?.status == 0 && String(decoding: result?.stdout ?? Data(), as: UTF8.self).contains("v1.14")
    }()

    @Test(
        .enabled(if: Self.libdeflateGzip, "needs libdeflate-gzip 1.14: apt-get install libdeflate-tools"),
        arguments: 0..<6)
    func matchesLibdeflateGzipOnRandomContent(run: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        let content = generator.encoderTestContent()
        let level = LibdeflateDeflateEncoder.levels.randomElement(using: &generator)!
        let expected = try RecipeFixtures.peer("libdeflate-gzip", ["-\(level)", "-c"], input: content)
        let output = try Self.ours(content, level: level)
        #expect(
            output == expected,
            "level \(level), \(content.count) bytes: differs first at byte \(ProducerRecipeTests.differsAt(output, expected)) (seed \(seed))"
        )
    }

    // MARK: detection and recipes

    @Test(arguments: LibdeflateDeflateEncoder.levels)
    func everyLevelIsDetected(level: Int) throws {
        let content = ProducerRecipeTests.mixedContent(seed: UInt64(level + 400))
        let file = try Self.ours(content, level: level)
        let detection = try RecipeFixtures.detect(file)
        let recipe = try #require(detection.recipe, "level \(level): \(detection.reason ?? "")")
        #expect(recipe.gzip?.deflater == .libdeflate)
        #expect(recipe.gzip?.level == level)
        #expect(!recipe.usesDeflateReconstruction)
        #expect(try RecipeFixtures.rebuild(content, with: RecompressionRecipe(serialized: recipe.serialized())) == file)
    }

    /// libdeflate 1.19 changed its compressor (block costs count the header, Huffman codes are
    /// always complete, short inputs keep a short minimum match): a file from a newer
    /// libdeflate (here 1.25, 300 bytes of the six tar) that 1.14 would have written
    /// differently gets no libdeflate recipe, deflate reconstruction rebuilds it, and a
    /// libdeflate recipe against it fails.
    @Test func aNewerLibdeflateFileFallsBackToReconstruction() throws {
        let file = try Self.testdata("six4000+300.libdeflate-1.25-6.gz")
        let content = Array(RecipeFixtures.sixTar[4000..<4300])
        #expect(try GzipDecoder().transform(file) == content)
        #expect(try Self.ours(content, level: 6) != file)
        let recipe = try #require(try ProducerRecipeTests.detectAndRebuild(file, "libdeflate 1.25 -6"))
        #expect(recipe.gzip?.deflater != .libdeflate)
        #expect(recipe.usesDeflateReconstruction)
        var wrong = recipe
        wrong.gzip = GzipRecipe(header: LibdeflateDeflateEncoder.gzipHeader(level: 6), deflater: .libdeflate, level: 6)
        wrong.extensions = []
        wrong.setExtension(.deflateProducer, payload: DeflateProducer.libdeflate(generation: 1).payload)
        wrong.library = .libdeflate
        #expect(try RecipeFixtures.rebuild(content, with: wrong) != file)
    }

    @Test func libdeflateRecipesRoundTripInBothForms() throws {
        var recipe = RecompressionRecipe(
            format: .gzip, library: .libdeflate,
            gzip: GzipRecipe(header: LibdeflateDeflateEncoder.gzipHeader(level: 9), deflater: .libdeflate, level: 9))
        recipe.setExtension(.deflateProducer, payload: DeflateProducer.libdeflate(generation: 1).payload)
        #expect(try RecompressionRecipe(serialized: recipe.serialized()) == recipe)
        #expect(try JSONDecoder().decode(RecompressionRecipe.self, from: JSONEncoder().encode(recipe)) == recipe)
        #expect(try recipe.deflateProducer() == .libdeflate(generation: 1))
        // Without the extension, the binary form records it (the deflater alone is not enough).
        var bare = recipe
        bare.extensions = []
        #expect(try RecompressionRecipe(serialized: bare.serialized()).deflateProducer() == .libdeflate(generation: 1))
    }
}
