import DeltaCore
import Foundation
import Testing

/// Go's `compress/flate` (issue 13, item 1): our ``GoFlateEncoder`` against real Go output
/// (testdata/go-flate, made by Debian's Go 1.19.8), against the `go` on PATH when there is
/// one, and its detection, recipe and fallback.
@Suite struct GoFlateTests {
    /// Every level Go accepts but -1 (which is 6).
    static let levels = [-2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]

    /// The inputs of testdata/go-flate/vectors.txt, made as make-vectors.py makes them.
    static func vectorInput(_ name: String) -> [UInt8] {
        switch name {
        case "empty": []
        case "six": RecipeFixtures.sixTar
        case "six-x8": Array([[UInt8]](repeating: RecipeFixtures.sixTar, count: 8).joined())
        case "zeros-1m": [UInt8](repeating: 0, count: 1 << 20)
        case "random-1m": lcgBytes(1 << 20)
        default: fatalError("no vector input \(name)")
        }
    }

    /// x = x × 6364136223846793005 + 1442695040888963407 from x = 1; each byte the top 8 bits.
    static func lcgBytes(_ count: Int) -> [UInt8] {
        var x: UInt64 = 1
        return (0..<count).map { _ in
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(x >> 56)
        }
    }

    /// (input, level, size, SHA256) from vectors.txt.
    static let vectors = RecipeFixtures.producerVectors("go-flate/vectors.txt")

    /// What Go's `gzip.NewWriterLevel(w, level)` writes for `content`, by our encoder.
    static func ours(_ content: [UInt8], level: Int) throws -> [UInt8] {
        try GzipMemberEncoder(header: GoFlateEncoder.goHeader(level: level), deflater: GoFlateEncoder(level: level))
            .transform(content)
    }

    // MARK: golden vectors from real Go output

    @Test(arguments: ["empty", "six", "six-x8", "zeros-1m", "random-1m"])
    func matchesGo1_19AtEveryLevel(input name: String) throws {
        let content = Self.vectorInput(name)
        let vectors = Self.vectors.filter { $0.input == name }
        #expect(vectors.count == Self.levels.count)
        for vector in vectors {
            let output = try Self.ours(content, level: vector.level)
            try RecipeFixtures.expect(output, matches: vector, writtenBy: "Go")
        }
    }

    @Test(arguments: [1, 6, 9])
    func committedGoFilesAreReproduced(level: Int) throws {
        let file = [UInt8](
            try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata("go-flate/six-1.17.0.tar.go\(level).gz"))))
        #expect(try Self.ours(RecipeFixtures.sixTar, level: level) == file)
    }

    @Test func levelMinusOneIsSixAndBadLevelsAreRefused() throws {
        let content = Array(RecipeFixtures.sixTar.prefix(50_000))
        #expect(try GoFlateEncoder(level: -1).transform(content) == GoFlateEncoder(level: 6).transform(content))
        #expect(throws: CompressionError.self) { try GoFlateEncoder(level: 10) }
        #expect(throws: CompressionError.self) { try GoFlateEncoder(level: -3) }
    }

    /// The output does not depend on how the input arrives: one byte at a time, odd pieces.
    @Test(arguments: [-2, 0, 1, 4, 6, 9])
    func inputChunkingDoesNotChangeTheOutput(level: Int) throws {
        let content = RecipeFixtures.sixTar + Self.lcgBytes(70_000) + RecipeFixtures.sixTar.prefix(100_000)
        let whole = try GoFlateEncoder(level: level).transform(content)
        let pieces = try RecipeFixtures.compressedInRandomPieces(
            content, by: try GoFlateEncoder(level: level), seed: UInt64(level + 10))
        #expect(pieces == whole)
    }

    // MARK: against the go on PATH

    /// The go-gzip program (testdata/producers/go-gzip), built once per change of its sources
    /// (``ProducerBuilds``); nil without `go`.
    static let goGzip: String? = {
        guard Tools.available("go") else { return nil }
        return ProducerBuilds.program("go-gzip") { directory in
            let binary = directory.appendingPathComponent("go-gzip").path
            let source = TestPaths.repositoryRoot.appendingPathComponent("testdata/producers/go-gzip").path
            let cache = directory.appendingPathComponent("cache").path
            let result = try? Tools.run(
                "/bin/sh",
                ["-c", "cd '\(source)' && GOCACHE='\(cache)' GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -o '\(binary)' ."])
            return result?.status == 0 ? binary : nil
        }
    }()

    static func go(_ content: [UInt8], level: Int, chunk: Int? = nil) throws -> [UInt8] {
        let binary = try #require(goGzip, "go-gzip did not build")
        return try RecipeFixtures.peer(binary, [String(level)] + (chunk.map { [String($0)] } ?? []), input: content)
    }

    /// Random content (text-like, random bytes, small alphabets, repeats) at a random level.
    @Test(.enabled(if: Tools.available("go"), "needs go (Debian golang-go) on PATH"), arguments: 0..<8)
    func matchesTheGoOnPathOnRandomContent(run: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        let content = generator.encoderTestContent()
        let level = Self.levels.randomElement(using: &generator)!
        let expected = try Self.go(content, level: level)
        let output = try Self.ours(content, level: level)
        #expect(
            output == expected,
            "level \(level), \(content.count) bytes: differs first at byte \(ProducerRecipeTests.differsAt(output, expected)) (seed \(seed))"
        )
    }

    /// Go written 32 KiB at a time (io.Copy from a file) gives what one Write gives, and on
    /// this content so do odd write sizes (the slide corner does not arise).
    @Test(
        .enabled(if: Tools.available("go"), "needs go (Debian golang-go) on PATH"),
        arguments: [(2, 32768), (6, 32768), (9, 32768), (6, 7919), (4, 100), (9, 512)])
    func goWritesInPiecesGiveTheSameBytes(level: Int, chunk: Int) throws {
        let content = Array([[UInt8]](repeating: RecipeFixtures.sixTar, count: 3).joined())
        #expect(try Self.go(content, level: level, chunk: chunk) == Self.ours(content, level: level))
    }

    // MARK: detection and recipes

    @Test(arguments: [1, 6, 9])
    func committedGoFilesAreDetectedAndRebuild(level: Int) throws {
        let name = "go-flate/six-1.17.0.tar.go\(level).gz"
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata(name))))
        let recipe = try #require(try ProducerRecipeTests.detectAndRebuild(file, name))
        #expect(recipe.gzip?.deflater == .goFlate)
        #expect(recipe.gzip?.level == level)
        #expect(try recipe.deflateProducer() == .goFlate(generation: 1))
        #expect(recipe.library == .goFlate)
        #expect(recipe.restartPoints == nil)
        #expect(recipe.parallelism == .serial("the recipe needs deflate-producer"))
    }

    @Test(arguments: levels)
    func everyLevelIsDetected(level: Int) throws {
        let content = ProducerRecipeTests.mixedContent(seed: UInt64(level + 100))
        let file = try Self.ours(content, level: level)
        let detection = try RecipeFixtures.detect(file)
        let recipe = try #require(detection.recipe, "level \(level): \(detection.reason ?? "")")
        #expect(recipe.gzip?.deflater == .goFlate)
        #expect(recipe.gzip?.level == max(level, 0))
        #expect(recipe.gzip?.strategy == (level == -2 ? .huffmanOnly : nil))
        #expect(detection.candidatesTried <= GoFlateTests.levels.count, "Go's levels come first for a Go stream")
        #expect(try RecipeFixtures.rebuild(content, with: RecompressionRecipe(serialized: recipe.serialized())) == file)
    }

    /// Go's end is recognised at every bit alignment of the last block, and zlib's and GNU
    /// gzip's ends are not taken for it.
    @Test func goTrailerIsRecognisedAtEveryAlignment() throws {
        var generator = SeededGenerator(seed: 3)
        for size in 0..<300 {
            let content = generator.compressibleBytes(count: size)
            for level in [-2, 1, 6] {
                let raw = try GoFlateEncoder(level: level).transform(content)
                #expect(raw.withUnsafeBytes { GoFlateEncoder.hasGoTrailer($0) }, "level \(level), \(size) bytes")
            }
            // zlib in a gzip member: the deflate data is all but the 10-byte header and the trailer.
            let zlib = Array(try GzipEncoder(level: 6).transform(content).dropFirst(10).dropLast(8))
            #expect(!zlib.withUnsafeBytes { GoFlateEncoder.hasGoTrailer($0) }, "zlib, \(size) bytes")
            let gnu = try GNUDeflateEncoder(level: 6).transform(content)
            #expect(!gnu.withUnsafeBytes { GoFlateEncoder.hasGoTrailer($0) }, "GNU gzip, \(size) bytes")
        }
    }

    /// Raw deflate bytes given in advance, whatever the input: a stream made by hand.
    final class HandMadeDeflate: StreamEncoder {
        let bytes: [UInt8]
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {}
        func finish(into sink: ChunkSink) throws { try bytes.withUnsafeBytes { try sink($0) } }
    }

    /// A stream that ends as Go's do but that no Go level made is not claimed (the fallback
    /// for other Go releases and Go-like encoders): stored blocks of 1000 and 29000 bytes
    /// (Go's level 0 cuts 65535), then Go's empty final stored block.
    @Test func aGoLookingStreamFromAnotherEncoderIsNotClaimedByGo() throws {
        let content = Array(RecipeFixtures.sixTar.prefix(30_000))
        func stored(_ part: ArraySlice<UInt8>) -> [UInt8] {
            [
                0x00, UInt8(part.count & 0xff), UInt8(part.count >> 8), UInt8(~part.count & 0xff),
                UInt8((~part.count >> 8) & 0xff),
            ] + part
        }
        let deflate = stored(content[..<1000]) + stored(content[1000...]) + [0x01, 0x00, 0x00, 0xff, 0xff]
        let file = try GzipMemberEncoder(header: GoFlateEncoder.goHeader(level: 6), deflater: HandMadeDeflate(deflate))
            .transform(content)
        #expect(try GzipDecoder().transform(file) == content, "the hand-made stream is valid")
        let detection = try RecipeFixtures.detect(file)
        #expect(detection.recipe?.gzip?.deflater != .goFlate, "no Go level claims it")
        #expect(detection.recipe?.usesDeflateReconstruction == true, "deflate reconstruction rebuilds it")
        #expect(detection.candidatesTried > GoFlateTests.levels.count, "Go's levels were tried, then the others")
    }

    @Test func zlibAndGnuFilesAreNotTakenForGo() throws {
        let content = Array(RecipeFixtures.sixTar.prefix(100_000))
        let stored = try GzipMemberEncoder(header: GoFlateEncoder.goHeader(level: 0), level: 0).transform(content)
        let zlib = try RecipeFixtures.detect(stored).recipe
        #expect(zlib?.gzip?.deflater == .zlib)
        let gnu = try RecipeFixtures.detect(
            GzipMemberEncoder(header: GzipHeader(), deflater: GNUDeflateEncoder(level: 6)).transform(content)
        ).recipe
        #expect(gnu?.gzip?.deflater == .gnuGzip)
    }

    /// The 61 MB Django tar through the go on PATH at Go's default level: detected, and checked
    /// to the last byte by the detection's own trial.
    @Test(
        .enabled(
            if: TestPaths.corpus != nil && Tools.available("go"), "needs the corpus and go (Debian golang-go) on PATH"))
    func goGzipOfDjangoIsDetected() throws {
        let path = try #require(TestPaths.corpusFile("Django-5.1.tar.gz"))
        let tar = try GzipDecoder().transform(try Data(contentsOf: URL(fileURLWithPath: path)))
        let detection = try RecipeFixtures.detect(try Self.go(tar, level: 6))
        #expect(detection.reproducible, "\(detection.reason ?? "")")
        #expect(detection.recipe?.gzip?.deflater == .goFlate)
        #expect(detection.candidatesTried == 1)
    }

    // MARK: the recipe's forms

    static func goRecipe(level: Int, strategy: DeflateStrategy? = nil) -> RecompressionRecipe {
        var recipe = RecompressionRecipe(
            format: .gzip, library: .goFlate,
            gzip: GzipRecipe(
                header: GoFlateEncoder.goHeader(level: level), deflater: .goFlate, level: level, strategy: strategy))
        recipe.setExtension(.deflateProducer, payload: DeflateProducer.goFlate(generation: 1).payload)
        return recipe
    }

    @Test func goRecipesRoundTripInBothForms() throws {
        for recipe in [
            Self.goRecipe(level: 6), Self.goRecipe(level: 0, strategy: .huffmanOnly), Self.goRecipe(level: 9),
        ] {
            #expect(try RecompressionRecipe(serialized: recipe.serialized()) == recipe)
            #expect(try JSONDecoder().decode(RecompressionRecipe.self, from: JSONEncoder().encode(recipe)) == recipe)
            // The producer is what the binary form records; a recipe without it gets it written.
            var bare = recipe
            bare.extensions = []
            #expect(try RecompressionRecipe(serialized: bare.serialized()) == recipe)
        }
    }

    /// The binary form, byte for byte: the base settings are zlib's code with no memLevel, so a
    /// client without Go reads the recipe and refuses it at the producer.
    @Test func goRecipeGoldenBytes() throws {
        let bytes = Self.goRecipe(level: 6).serialized()
        #expect(bytes.map { String(format: "%02x", $0) }.joined() == Self.goldenLevel6)
        var olderView = try RecompressionRecipe(serialized: bytes)
        #expect(olderView.gzip?.deflater == .goFlate)
        olderView.extensions = [RecipeExtension(kind: .deflateProducer, payload: [9])]
        #expect(throws: RecipeError.malformed(offset: 0, detail: "unknown deflate producer 9")) {
            try olderView.makeEncoder()
        }
    }

    /// `DFRC`, version 2, gzip, "deltafetch-go-flate" "go1.8-1.25/1", no padding, no target;
    /// deflater 0, level 6, memLevel 0, strategy 0, flags 0, mtime 0, XFL 0, OS 255; one
    /// extension: tag 2, required, payload `03 01` (Go, generation 1).
    static let goldenLevel6 =
        "4446524302011364656c746166657463682d676f2d666c6174650c676f312e382d312e32352f31000000060000000000000000ff010201020301"

    @Test func aLaterGoGenerationParsesButIsRefused() throws {
        var recipe = Self.goRecipe(level: 6)
        recipe.setExtension(.deflateProducer, payload: [3, 2])
        let parsed = try RecompressionRecipe(serialized: recipe.serialized())
        #expect(throws: RecipeError.malformed(offset: 1, detail: "Go flate encoder generation 2 out of range")) {
            try parsed.makeEncoder()
        }
    }

    @Test func goProducerWithOtherBaseSettingsIsMalformed() throws {
        var recipe = RecompressionRecipe(
            format: .gzip, library: .gnuDeflate, gzip: GzipRecipe(header: GzipHeader(), deflater: .gnuGzip, level: 6))
        recipe.setExtension(.deflateProducer, payload: DeflateProducer.goFlate(generation: 1).payload)
        #expect(throws: RecipeError.self) { try RecompressionRecipe(serialized: recipe.serialized()) }
        var withMemLevel = RecompressionRecipe(
            format: .gzip, library: .zlib,
            gzip: GzipRecipe(header: GzipHeader(), deflater: .zlib, level: 6, memLevel: 8))
        withMemLevel.setExtension(.deflateProducer, payload: DeflateProducer.goFlate(generation: 1).payload)
        #expect(throws: RecipeError.self) { try RecompressionRecipe(serialized: withMemLevel.serialized()) }
    }
}
