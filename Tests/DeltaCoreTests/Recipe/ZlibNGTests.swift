import DeltaCore
import Foundation
import Testing

/// zlib-ng (issue 13, item 1): our ``ZlibNGDeflateEncoder`` against real output
/// (testdata/zlib-ng, made by zlib-ng 2.3.3, 2.1.5 and 2.0.7 through PyPI's `zlib-ng` module),
/// against the module itself when python3 (or a venv with an older module) has it, and its
/// detection, recipe and fallback.
@Suite struct ZlibNGTests {
    /// (input, level, size, SHA256) from each generation's vectors file; inputs as GoFlateTests
    /// makes them: zlib-ng 2.3.3 (PyPI's `zlib-ng` 1.1.0), 2.1.5 (0.5.1) and 2.0.7 (0.2.0), the
    /// older two on x86-64 with SSE4.2.
    static let vectorFiles = [1: "zlib-ng/vectors.txt", 2: "zlib-ng/vectors-2.1.5.txt", 3: "zlib-ng/vectors-2.0.7.txt"]

    /// The levels at which a generation's output of the six tar differs from the generation
    /// before it: 2.1's CRC32-C hash shows at 1 to 6 (7 and 8 happen to match on the tar, 9
    /// hashes alike), 2.0's rules at 3, 4 and 9.
    static let levelsDifferingFromThePreviousGeneration: [Int: Set<Int>] = [2: [1, 2, 3, 4, 5, 6], 3: [3, 4, 9]]

    /// What `gzip_ng.GzipNGFile` writes for `content` in `writeSize` pieces, by our encoder.
    static func ours(_ content: [UInt8], level: Int, writeSize: Int = 1 << 16, generation: Int = 1) throws
        -> [UInt8]
    {
        try GzipMemberEncoder(
            header: ZlibNGDeflateEncoder.pythonHeader(level: level),
            deflater: ZlibNGDeflateEncoder(level: level, writeSize: writeSize, generation: generation)
        ).transform(content)
    }

    /// Each generation reproduces its zlib-ng release at every level; on the six tar the
    /// generation before it does not where their rules differ, so the generation is what matters.
    @Test(arguments: ZlibNGDeflateEncoder.generations, ["empty", "six", "six-x8", "zeros-1m", "random-1m"])
    func eachGenerationMatchesItsZlibNGAtEveryLevel(generation: Int, input name: String) throws {
        let content = GoFlateTests.vectorInput(name)
        let file = try #require(Self.vectorFiles[generation], "generation \(generation) has no vectors")
        let vectors = RecipeFixtures.producerVectors(file).filter { $0.input == name }
        #expect(vectors.count == ZlibNGDeflateEncoder.levels.count)
        for vector in vectors {
            let output = try Self.ours(content, level: vector.level, generation: generation)
            try RecipeFixtures.expect(output, matches: vector, writtenBy: "zlib-ng", file: file)
            if name == "six", Self.levelsDifferingFromThePreviousGeneration[generation]?.contains(vector.level) == true
            {
                let previous = try Self.ours(content, level: vector.level, generation: generation - 1)
                #expect(
                    try DigestContext.digest(.sha256, of: previous).hex != vector.sha256,
                    "level \(vector.level): generation \(generation - 1) should not reproduce \(file)")
            }
        }
    }

    /// Levels 2, 3 and 9 give the same bytes for any split of the input into calls, and no
    /// level depends on how our encoder is fed (only on the calls it emulates).
    @Test func outputDependsOnTheEmulatedCallsOnly() throws {
        let content = RecipeFixtures.sixTar + GoFlateTests.lcgBytes(70_000) + RecipeFixtures.sixTar
        for level in [2, 3, 9] {
            let whole = try Self.ours(content, level: level, writeSize: 0)
            #expect(try Self.ours(content, level: level, writeSize: 4096) == whole, "level \(level)")
        }
        for level in ZlibNGDeflateEncoder.levels {
            for writeSize in [0, 1 << 16] {
                let whole = try ZlibNGDeflateEncoder(level: level, writeSize: writeSize).transform(content)
                let pieces = try RecipeFixtures.compressedInRandomPieces(
                    content, by: try ZlibNGDeflateEncoder(level: level, writeSize: writeSize), seed: UInt64(level + 40))
                #expect(pieces == whole, "level \(level), write size \(writeSize)")
            }
        }
    }

    @Test func invalidSettingsAreRefused() {
        #expect(throws: CompressionError.self) { try ZlibNGDeflateEncoder(level: 0) }
        #expect(throws: CompressionError.self) { try ZlibNGDeflateEncoder(level: 10) }
        #expect(throws: CompressionError.self) { try ZlibNGDeflateEncoder(level: 6, writeSize: -1) }
        #expect(throws: CompressionError.self) { try ZlibNGDeflateEncoder(level: 6, generation: 0) }
        #expect(throws: CompressionError.self) {
            try ZlibNGDeflateEncoder(level: 6, generation: ZlibNGDeflateEncoder.generations.upperBound + 1)
        }
    }

    // MARK: against the real zlib-ng

    /// Whether python3 has PyPI's zlib-ng module at the version we emulate.
    static let pythonZlibNG: Bool = {
        guard Tools.available("python3") else { return false }
        let result = try? Tools.run(
            "python3", ["-c", "from zlib_ng import zlib_ng; print(zlib_ng.ZLIBNG_VERSION)"])
        return result?.status == 0 && String(decoding: result?.stdout ?? Data(), as: UTF8.self).hasPrefix("2.3.3")
    }()

    static var maker: String {
        TestPaths.repositoryRoot.appendingPathComponent("testdata/producers/zlib-ng/make-vectors.py").path
    }

    @Test(
        .enabled(if: Self.pythonZlibNG, "needs python3 with PyPI's zlib-ng 1.1.0 (zlib-ng 2.3.3): pip install zlib-ng"),
        arguments: 0..<6)
    func matchesZlibNGOnRandomContent(run: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        let content = generator.encoderTestContent()
        let level = ZlibNGDeflateEncoder.levels.randomElement(using: &generator)!
        let expected = try RecipeFixtures.peer("python3", [Self.maker, String(level)], input: content)
        let output = try Self.ours(content, level: level)
        #expect(
            output == expected,
            "level \(level), \(content.count) bytes: differs first at byte \(ProducerRecipeTests.differsAt(output, expected)) (seed \(seed))"
        )
    }

    /// The python of a venv with an older PyPI `zlib-ng` module, by generation: 0.5.1 (zlib-ng
    /// 2.1.5) at /tmp/zng-0.5.1 or `$ZLIBNG_2_1_PYTHON`, 0.2.0 (2.0.7) at /tmp/zng-0.2.0 or
    /// `$ZLIBNG_2_0_PYTHON`, as docs/recipes.md sets them up; nil when it is not there.
    static func olderZlibNGPython(generation: Int) -> String? {
        let (variable, venv, version) =
            generation == 2
            ? ("ZLIBNG_2_1_PYTHON", "/tmp/zng-0.5.1", "2.1.5") : ("ZLIBNG_2_0_PYTHON", "/tmp/zng-0.2.0", "2.0.7")
        let python = ProcessInfo.processInfo.environment[variable] ?? venv + "/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else { return nil }
        let result = try? Tools.run(python, ["-c", "from zlib_ng import zlib_ng; print(zlib_ng.ZLIBNG_VERSION)"])
        guard result?.status == 0, String(decoding: result?.stdout ?? Data(), as: UTF8.self).hasPrefix(version)
        else { return nil }
        return python
    }

    static let olderPythonsPresent = [2, 3].allSatisfy { olderZlibNGPython(generation: $0) != nil }

    @Test(
        .enabled(
            if: Self.olderPythonsPresent,
            "needs venvs with PyPI's zlib-ng 0.5.1 and 0.2.0 at /tmp/zng-0.5.1 and /tmp/zng-0.2.0 (or $ZLIBNG_2_1_PYTHON, $ZLIBNG_2_0_PYTHON)"
        ),
        arguments: [2, 3], 0..<3)
    func olderGenerationsMatchTheirZlibNGOnRandomContent(generation: Int, run: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        let content = generator.encoderTestContent()
        let level = ZlibNGDeflateEncoder.levels.randomElement(using: &generator)!
        let python = try #require(Self.olderZlibNGPython(generation: generation))
        let expected = try RecipeFixtures.peer(python, [Self.maker, String(level)], input: content)
        let output = try Self.ours(content, level: level, generation: generation)
        #expect(
            output == expected,
            "generation \(generation), level \(level), \(content.count) bytes: differs first at byte \(ProducerRecipeTests.differsAt(output, expected)) (seed \(seed))"
        )
    }

    // MARK: detection and recipes

    /// zlib-ng 2.1.5's file is found as generation 2 and rebuilds; the recipe names 2.1.5.
    @Test func committedZlibNG2_1FileIsDetectedAsGeneration2() throws {
        let name = "zlib-ng/six-1.17.0.tar.zlibng-2.1.5-6.gz"
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata(name))))
        #expect(try Self.ours(RecipeFixtures.sixTar, level: 6, generation: 2) == file)
        #expect(try Self.ours(RecipeFixtures.sixTar, level: 6, generation: 1) != file)
        let recipe = try #require(try ProducerRecipeTests.detectAndRebuild(file, name))
        #expect(recipe.gzip?.deflater == .zlibNG)
        #expect(recipe.gzip?.level == 6)
        #expect(recipe.library == .zlibNG(generation: .zlibNG21SSE42))
        #expect(recipe.localLibrary == recipe.library)
        guard case .zlibNG(2, _)? = try recipe.deflateProducer() else {
            Issue.record("producer \(String(describing: try recipe.deflateProducer()))")
            return
        }
    }

    /// zlib-ng 2.0.7's level 3 (its `deflate_fast` there, where 2.1 has `deflate_medium`) is
    /// found as generation 3 and rebuilds.
    @Test func committedZlibNG2_0FileIsDetectedAsGeneration3() throws {
        let name = "zlib-ng/six-1.17.0.tar.zlibng-2.0.7-3.gz"
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata(name))))
        #expect(try Self.ours(RecipeFixtures.sixTar, level: 3, generation: 3) == file)
        #expect(try Self.ours(RecipeFixtures.sixTar, level: 3, generation: 2) != file)
        let recipe = try #require(try ProducerRecipeTests.detectAndRebuild(file, name))
        #expect(recipe.gzip?.level == 3)
        #expect(recipe.library == .zlibNG(generation: .zlibNG20SSE42))
        #expect(try recipe.deflateProducer() == .zlibNG(generation: 3, writeSize: 0))
    }

    /// zlib-ng 2.0.6's level 1 (`deflate_quick` in an 8 KiB window) is no generation's:
    /// deflate reconstruction rebuilds it.
    @Test func aZlibNG2_0_6Level1FileFallsBackToReconstruction() throws {
        let name = "zlib-ng/six-1.17.0.tar.zlibng-2.0.6-1.gz"
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata(name))))
        for generation in ZlibNGDeflateEncoder.generations {
            #expect(try Self.ours(RecipeFixtures.sixTar, level: 1, generation: generation) != file)
        }
        let recipe = try #require(try ProducerRecipeTests.detectAndRebuild(file, name))
        #expect(recipe.usesDeflateReconstruction)
        #expect(recipe.library == .deflateReconstruction)
    }

    /// Every generation's every level is found (by that generation, or an earlier-tried one
    /// that makes the same bytes) and rebuilds, except generation 3 at levels 1, 2 and 5 to 8,
    /// which detection does not try (to keep its cost down): there a stream that differs from
    /// generation 2's (by a 3-byte match) gets deflate reconstruction, a known gap.
    @Test(arguments: ZlibNGDeflateEncoder.generations, ZlibNGDeflateEncoder.levels)
    func everyLevelIsDetected(generation: Int, level: Int) throws {
        let content = ProducerRecipeTests.mixedContent(seed: UInt64(level + 300))
        let file = try Self.ours(content, level: level, generation: generation)
        let detection = try RecipeFixtures.detect(file)
        let what = "generation \(generation), level \(level)"
        let recipe = try #require(detection.recipe, "\(what): \(detection.reason ?? "")")
        #expect(try RecipeFixtures.rebuild(content, with: RecompressionRecipe(serialized: recipe.serialized())) == file)
        let untried = generation == 3 && ![3, 4, 9].contains(level)
        if untried, try Self.ours(content, level: level, generation: 2) != file {
            #expect(recipe.usesDeflateReconstruction, "\(what)")
            return
        }
        #expect(recipe.gzip?.deflater == .zlibNG, "\(what)")
        #expect(recipe.gzip?.level == level, "\(what)")
    }

    /// A stream zlib-ng 2.3.3 does not make (here: one of its level 9 blocks re-coded by
    /// level 8 rules, i.e. a later release that changed its matcher) gets no zlib-ng recipe:
    /// deflate reconstruction rebuilds it, and a zlib-ng recipe replayed against it fails.
    @Test func aStreamZlibNGDoesNotMakeFallsBackToReconstruction() throws {
        let content = RecipeFixtures.sixTar
        let level9 = try Self.ours(content, level: 9)
        // The level-8 stream with level 9's header: what a newer zlib-ng at -9 might write.
        var file = try Self.ours(content, level: 8)
        file[8] = level9[8]
        #expect(file != level9)
        let detection = try RecipeFixtures.detect(file)
        let recipe = try #require(detection.recipe)
        if recipe.gzip?.deflater == .zlibNG {
            #expect(recipe.gzip?.level == 8, "only the level that made it may claim it")
        } else {
            #expect(recipe.usesDeflateReconstruction)
        }
        #expect(try RecipeFixtures.rebuild(content, with: recipe) == file)
        var wrong = recipe
        wrong.gzip = GzipRecipe(header: ZlibNGDeflateEncoder.pythonHeader(level: 9), deflater: .zlibNG, level: 9)
        wrong.extensions = []
        wrong.setExtension(
            .deflateProducer, payload: DeflateProducer.zlibNG(generation: 1, writeSize: 0).payload)
        wrong.library = .zlibNG
        #expect(try RecipeFixtures.rebuild(content, with: wrong) != file, "the recompressor's target check refuses it")
    }

    @Test func zlibNGRecipesRoundTripInBothForms() throws {
        var recipe = RecompressionRecipe(
            format: .gzip, library: .zlibNG,
            gzip: GzipRecipe(header: ZlibNGDeflateEncoder.pythonHeader(level: 6), deflater: .zlibNG, level: 6))
        recipe.setExtension(.deflateProducer, payload: DeflateProducer.zlibNG(generation: 1, writeSize: 65536).payload)
        #expect(try RecompressionRecipe(serialized: recipe.serialized()) == recipe)
        #expect(try JSONDecoder().decode(RecompressionRecipe.self, from: JSONEncoder().encode(recipe)) == recipe)
        #expect(try recipe.deflateProducer() == .zlibNG(generation: 1, writeSize: 65536))
        for payload: [UInt8] in [[5, 1], [5, 1, 0, 0], [5, 1, 0x80, 0x80, 0x80, 0x80, 0x08]] {
            #expect(throws: RecipeError.self, "\(payload)") { try DeflateProducer(payload: payload) }
        }
    }

    /// Generation 2 round-trips and rebuilds what it names; a generation this build does not
    /// have is refused by name, not rebuilt by another generation.
    @Test func generation2RecipesRoundTripAndUnknownGenerationsAreRefused() throws {
        var recipe = RecompressionRecipe(
            format: .gzip, library: .zlibNG(generation: .zlibNG21SSE42),
            gzip: GzipRecipe(header: ZlibNGDeflateEncoder.pythonHeader(level: 4), deflater: .zlibNG, level: 4))
        recipe.setExtension(.deflateProducer, payload: DeflateProducer.zlibNG(generation: 2, writeSize: 65536).payload)
        #expect(try RecompressionRecipe(serialized: recipe.serialized()) == recipe)
        #expect(try JSONDecoder().decode(RecompressionRecipe.self, from: JSONEncoder().encode(recipe)) == recipe)
        #expect(try recipe.deflateProducer() == .zlibNG(generation: 2, writeSize: 65536))
        let content = RecipeFixtures.sixTar
        #expect(try RecipeFixtures.rebuild(content, with: recipe) == Self.ours(content, level: 4, generation: 2))
        let unknown = ZlibNGDeflateEncoder.generations.upperBound + 1
        for generation in [0, unknown] {
            // A generation past the last is what a newer build might write.
            #expect(
                throws: RecipeError.malformed(
                    offset: 1, detail: "zlib-ng encoder generation \(generation) out of range")
            ) {
                try DeflateProducer(payload: [5, UInt8(generation), 0])
            }
        }
    }
}
