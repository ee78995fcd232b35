import DeltaCore
import Foundation
import Testing

/// Producers whose output differs from the emulated one's only in how the input ends: GNU
/// gzip 1.4 and busybox (the window past the input's end not zeroed,
/// ``DeflateProducer/gnuUnzeroedEnd``) and zlib-ng's one-shot `compress` (one `deflate` call
/// that finishes: level 1 writes a single final block, ``ZlibNGDeflateEncoder/oneFinishingCall``).
/// Both were found by ``AnyProducerRoundTripTests`` falling to reconstruction.
@Suite struct EndOfInputVariantTests {
    static func testdata(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata(name))))
    }

    @Test func busyboxFileGetsTheUnzeroedEndVariant() throws {
        let file = try Self.testdata("end-of-input/abcdef70k.busybox.gz")
        let recipe = try #require(try ProducerRecipeTests.detectAndRebuild(file, "busybox gzip"))
        #expect(try recipe.deflateProducer() == .gnuUnzeroedEnd)
        #expect(recipe.gzip?.deflater == .gnuGzip)
        #expect(recipe.gzip?.level == 6)
        // Plain GNU gzip 1.12 at the same level differs (only at the end), so the variant is needed.
        let content = try GzipDecoder().transform(file)
        var plain = recipe
        plain.setExtension(.deflateProducer, payload: nil)
        let gzip112 = try RecipeFixtures.rebuild(content, with: plain)
        #expect(gzip112 != file)
        #expect(ProducerRecipeTests.differsAt(gzip112, file) > file.count - (1 << 17))
    }

    /// Live busybox over random repetitive content longer than a window: every file gets an
    /// exact GNU recipe, with the unzeroed-end variant where the end differs.
    @Test(.enabled(if: Tools.available("busybox")))
    func busyboxOutputIsExactOverRandomContent() throws {
        let base = UInt64.random(in: 0...UInt64.max >> 1)
        var variants = 0
        for round in 0..<6 {
            let seed = base &+ UInt64(round)
            var generator = SeededGenerator(seed: seed)
            let content = generator.bytes(
                Int.random(in: 66_000...200_000, using: &generator), alphabet: Int.random(in: 3...8, using: &generator))
            let file = try RecipeFixtures.peerReadingFile("busybox", ["gzip", "-c"], input: content)
            let recipe = try #require(try ProducerRecipeTests.detectAndRebuild(file, "busybox gzip, seed \(seed)"))
            let reconstructed = recipe.usesDeflateReconstruction
            #expect(!reconstructed, "seed \(seed)")
            if try recipe.deflateProducer() == .gnuUnzeroedEnd { variants += 1 }
        }
        print("EndOfInputVariantTests: busybox, \(variants) of 6 needed the unzeroed end, seeds from \(base)")
    }

    @Test func zlibNGOneShotLevelOneIsExact() throws {
        let file = try Self.testdata("deflate-reconstruction/six40k.zlib-ng-1.gz")
        let recipe = try #require(try ProducerRecipeTests.detectAndRebuild(file, "gzip_ng.compress level 1"))
        #expect(
            try recipe.deflateProducer()
                == .zlibNG(generation: ZlibNGDeflateEncoder.generation, writeSize: ZlibNGDeflateEncoder.oneFinishingCall))
    }

    static let zlibNGOneShot = """
        import sys; from zlib_ng import gzip_ng
        sys.stdout.buffer.write(gzip_ng.compress(sys.stdin.buffer.read(), 1, mtime=0))
        """

    /// Live `gzip_ng.compress` at level 1 over random content, including the empty input.
    @Test(.enabled(if: Tools.available("python3")))
    func zlibNGOneShotIsExactOverRandomContent() throws {
        let base = UInt64.random(in: 0...UInt64.max >> 1)
        for round in 0..<5 {
            let seed = base &+ UInt64(round)
            var generator = SeededGenerator(seed: seed)
            let size = round == 0 ? 0 : Int.random(in: 1...300_000, using: &generator)
            let content =
                Bool.random(using: &generator)
                ? generator.compressibleBytes(count: size) : generator.bytes(size, alphabet: 3)
            guard let file = try? RecipeFixtures.peer("python3", ["-c", Self.zlibNGOneShot], input: content) else {
                print("EndOfInputVariantTests: zlib_ng is not installed; skipped")
                return
            }
            let recipe = try ProducerRecipeTests.detectAndRebuild(file, "gzip_ng.compress level 1, seed \(seed)")
            let reconstructed = recipe?.usesDeflateReconstruction
            #expect(reconstructed == false, "seed \(seed), \(content.count) bytes")
        }
        print("EndOfInputVariantTests: gzip_ng.compress, seeds from \(base)")
    }

    @Test func producerPayloadsRoundTripAndRefuseNonsense() throws {
        let oneShot = DeflateProducer.zlibNG(generation: 2, writeSize: ZlibNGDeflateEncoder.oneFinishingCall)
        for producer in [DeflateProducer.gnuUnzeroedEnd, oneShot] {
            #expect(try DeflateProducer(payload: producer.payload) == producer)
        }
        #expect(DeflateProducer.gnuUnzeroedEnd.payload == [7])
        #expect(oneShot.payload == [8, 2])
        #expect(throws: RecipeError.self) { try DeflateProducer(payload: [8, 99]) }
        #expect(throws: RecipeError.self) { try DeflateProducer(payload: [7, 0]) }
        // One finishing call is emulated for deflate_quick only.
        #expect(throws: CompressionError.self) {
            try ZlibNGDeflateEncoder(level: 6, writeSize: ZlibNGDeflateEncoder.oneFinishingCall)
        }
    }
}
