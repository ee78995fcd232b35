import DeltaCore
import Foundation
import Testing

/// Rust's miniz_oxide through flate2 (issue 13, item 1): our ``MinizDeflateEncoder`` against
/// real output (testdata/miniz-oxide, made by Debian's flate2 1.0.25 on miniz_oxide 0.6.2),
/// against a freshly built rust-gzip when cargo and Debian's crates are there, and its
/// detection, recipe and fallback.
@Suite struct MinizOxideTests {
    /// (input, level, size, SHA256) from vectors.txt; inputs as GoFlateTests makes them.
    static let vectors = RecipeFixtures.producerVectors("miniz-oxide/vectors.txt")

    /// What flate2's `GzEncoder::new(w, Compression::new(level))` writes for `content`, by our encoder.
    static func ours(_ content: [UInt8], level: Int) throws -> [UInt8] {
        try GzipMemberEncoder(
            header: MinizDeflateEncoder.flate2Header(level: level), deflater: MinizDeflateEncoder(level: level)
        ).transform(content)
    }

    @Test(arguments: ["empty", "six", "six-x8", "zeros-1m", "random-1m"])
    func matchesMinizOxide0_6AtItsLevels(input name: String) throws {
        let content = GoFlateTests.vectorInput(name)
        let vectors = Self.vectors.filter { $0.input == name && $0.level != 1 }
        #expect(vectors.count == MinizDeflateEncoder.levels.count)
        for vector in vectors {
            let output = try Self.ours(content, level: vector.level)
            try RecipeFixtures.expect(output, matches: vector, writtenBy: "flate2")
        }
    }

    @Test func levelOneIsRefused() {
        #expect(throws: CompressionError.self) { try MinizDeflateEncoder(level: 1) }
        #expect(throws: CompressionError.self) { try MinizDeflateEncoder(level: 10) }
    }

    @Test(arguments: [0, 2, 6, 9])
    func inputChunkingDoesNotChangeTheOutput(level: Int) throws {
        let content = RecipeFixtures.sixTar + GoFlateTests.lcgBytes(70_000) + RecipeFixtures.sixTar.prefix(100_000)
        let whole = try MinizDeflateEncoder(level: level).transform(content)
        let pieces = try RecipeFixtures.compressedInRandomPieces(
            content, by: try MinizDeflateEncoder(level: level), seed: UInt64(level + 20))
        #expect(pieces == whole)
    }

    // MARK: against a rust-gzip built here

    /// testdata/producers/rust-gzip built offline against Debian's crates, once per change of
    /// its sources (``ProducerBuilds``); nil without them.
    static let rustGzip: String? = {
        guard Tools.available("cargo"),
            FileManager.default.fileExists(atPath: "/usr/share/cargo/registry/flate2-1.0.25")
        else { return nil }
        return ProducerBuilds.program("rust-gzip") { directory in
            let home = directory.appendingPathComponent("cargo-home")
            try? FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            let config =
                "[source.crates-io]\nreplace-with = \"debian\"\n[source.debian]\ndirectory = \"/usr/share/cargo/registry\"\n[net]\noffline = true\n"
            try? config.write(to: home.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
            let source = TestPaths.repositoryRoot.appendingPathComponent("testdata/producers/rust-gzip")
            // A copy, so that the build leaves no Cargo.lock in the repository.
            let copy = directory.appendingPathComponent("rust-gzip")
            try? FileManager.default.copyItem(at: source, to: copy)
            let target = directory.appendingPathComponent("target").path
            let result = try? Tools.run(
                "/bin/sh",
                [
                    "-c",
                    "cd '\(copy.path)' && CARGO_HOME='\(home.path)' CARGO_TARGET_DIR='\(target)' cargo build --release --offline --quiet",
                ])
            return result?.status == 0 ? target + "/release/rust-gzip" : nil
        }
    }()

    @Test(
        .enabled(
            if: Tools.available("cargo")
                && FileManager.default.fileExists(atPath: "/usr/share/cargo/registry/flate2-1.0.25"),
            "needs cargo and librust-flate2-dev (Debian)"), arguments: 0..<6)
    func matchesRustGzipOnRandomContent(run: Int) throws {
        let binary = try #require(Self.rustGzip, "rust-gzip did not build")
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        let content = generator.encoderTestContent()
        let level = MinizDeflateEncoder.levels.randomElement(using: &generator)!
        let expected = try RecipeFixtures.peer(binary, [String(level)], input: content)
        let output = try Self.ours(content, level: level)
        #expect(
            output == expected,
            "level \(level), \(content.count) bytes: differs first at byte \(ProducerRecipeTests.differsAt(output, expected)) (seed \(seed))"
        )
    }

    // MARK: detection and recipes

    @Test func committedFlate2FileIsDetectedAndRebuilds() throws {
        let name = "miniz-oxide/six-1.17.0.tar.miniz6.gz"
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata(name))))
        #expect(try Self.ours(RecipeFixtures.sixTar, level: 6) == file)
        let recipe = try #require(try ProducerRecipeTests.detectAndRebuild(file, name))
        #expect(recipe.gzip?.deflater == .minizOxide)
        #expect(recipe.gzip?.level == 6)
        #expect(try recipe.deflateProducer() == .minizOxide(generation: 1))
        #expect(recipe.library == .minizOxide)
        #expect(recipe.restartPoints == nil)
    }

    @Test(arguments: MinizDeflateEncoder.levels)
    func everyLevelIsDetected(level: Int) throws {
        let content = ProducerRecipeTests.mixedContent(seed: UInt64(level + 200))
        let file = try Self.ours(content, level: level)
        let detection = try RecipeFixtures.detect(file)
        let recipe = try #require(detection.recipe, "level \(level): \(detection.reason ?? "")")
        #expect(recipe.gzip?.deflater == .minizOxide)
        #expect(recipe.gzip?.level == level)
        #expect(try RecipeFixtures.rebuild(content, with: RecompressionRecipe(serialized: recipe.serialized())) == file)
    }

    /// flate2's level 1 (miniz_oxide's fast path) is claimed by no exact recipe: deflate
    /// reconstruction rebuilds it.
    @Test(
        .enabled(
            if: Tools.available("cargo")
                && FileManager.default.fileExists(atPath: "/usr/share/cargo/registry/flate2-1.0.25"),
            "needs cargo and librust-flate2-dev (Debian)"))
    func levelOneFilesAreReconstructed() throws {
        let binary = try #require(Self.rustGzip, "rust-gzip did not build")
        let file = try RecipeFixtures.peer(binary, ["1"], input: RecipeFixtures.sixTar)
        let detection = try RecipeFixtures.detect(file)
        let recipe = try #require(detection.recipe)
        #expect(recipe.usesDeflateReconstruction, "no miniz_oxide level claims it; reconstruction rebuilds it")
        #expect(try RecipeFixtures.rebuild(RecipeFixtures.sixTar, with: recipe) == file)
    }

    @Test func minizRecipesRoundTripInBothForms() throws {
        var recipe = RecompressionRecipe(
            format: .gzip, library: .minizOxide,
            gzip: GzipRecipe(header: MinizDeflateEncoder.flate2Header(level: 6), deflater: .minizOxide, level: 6))
        recipe.setExtension(.deflateProducer, payload: DeflateProducer.minizOxide(generation: 1).payload)
        #expect(try RecompressionRecipe(serialized: recipe.serialized()) == recipe)
        #expect(try JSONDecoder().decode(RecompressionRecipe.self, from: JSONEncoder().encode(recipe)) == recipe)
        var bare = recipe
        bare.extensions = []
        #expect(try RecompressionRecipe(serialized: bare.serialized()) == recipe)
        var gnuBase = RecompressionRecipe(
            format: .gzip, library: .gnuDeflate, gzip: GzipRecipe(header: GzipHeader(), deflater: .gnuGzip, level: 6))
        gnuBase.setExtension(.deflateProducer, payload: DeflateProducer.minizOxide(generation: 1).payload)
        #expect(throws: RecipeError.self) { try RecompressionRecipe(serialized: gnuBase.serialized()) }
    }
}
