import DeltaCore
import Foundation
import Testing

/// The predictor's walks made cheaper (a cached longest match, quick rejections, an index
/// walk that stops once past the distance it looks for) must predict exactly as before: the
/// same payloads, so reconstruction data never grows, and every stream still round-trips,
/// including content whose candidate lists are longer than the walks' limits.
@Suite struct ReconstructionWalkTests {
    /// Reconstruction bytes of the committed vectors (`inspect --json`'s
    /// `reconstruction_bytes`) before the walks were made cheaper (commit b1bf77c); ISA-L's
    /// since the ISA-L predictor modes (1194, 1047, 1011 and 648 for ISA-L -0 to -3 before
    /// them); zlib-ng -1's since the zlib-ng quick modes (1575 before the ISA-L modes, 1415
    /// before the quick ones), and its uneven vector's (made with them).
    static let sizesBefore: [String: Int] = [
        "libdeflate-1": 524, "libdeflate-6": 325, "libdeflate-12": 870, "zlib-ng-1": 53, "zlib-ng-1-uneven": 66,
        "isal-0": 296,
        "isal-1": 73, "isal-2": 63, "isal-3": 55, "7zip-5": 750, "7zip-9": 886, "zopfli": 1028,
        "pigz-6-R": 98,
    ]

    @Test(arguments: DeflateReconstructionTests.producerFiles)
    func vectorReconstructionDoesNotGrow(name: String) throws {
        let file = try DeflateReconstructionTests.vector(name)
        let recipe = try #require(try RecipeFixtures.detect(file).recipe, "\(name)")
        let bytes = try #require(recipe.deflateReconstructionBytes, "\(name)")
        let before = try #require(Self.sizesBefore[name], "\(name) has no recorded size")
        #expect(bytes <= before, "\(name): \(bytes) bytes of reconstruction, \(before) before")
    }

    /// Content from a tiny alphabet: a 3-byte hash has few values, so candidate lists run to
    /// the whole window (beyond ``MatchPredictor``'s 4096-link index walk), and deep
    /// searchers pick distances far down them.
    static func repetitiveContent(_ generator: inout SeededGenerator) -> [UInt8] {
        let size = Int.random(in: 1...120_000, using: &generator)
        let alphabet = UInt8.random(in: 1...4, using: &generator)
        if Bool.random(using: &generator) { return generator.compressibleBytes(count: size) }
        return (0..<size).map { _ in UInt8.random(in: 0..<alphabet, using: &generator) }
    }

    /// The producers here with deep or unusual searches: libdeflate -12 and -6, 7-Zip -mx9
    /// and -mx5, and zlib-ng 1 (its one-probe `deflate_quick`), as gzip files or raw deflate.
    static let producers: [(name: String, tool: String, arguments: [String], gzip: Bool)] = [
        ("libdeflate -12", "libdeflate-gzip", ["-12", "-c"], true),
        ("libdeflate -6", "libdeflate-gzip", ["-6", "-c"], true),
        ("7-Zip -mx9", "7zz", ["a", "-tgzip", "-mx9", "-si", "-so", "dummy"], true),
        ("7-Zip -mx5", "7zz", ["a", "-tgzip", "-mx5", "-si", "-so", "dummy"], true),
        (
            "zlib-ng -1", "python3",
            [
                "-c",
                "import sys, zlib_ng.zlib_ng as z; c = z.compressobj(1, 8, -15); "
                    + "sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read()) + c.flush())",
            ], false
        ),
    ]

    @Test func repetitiveContentFromDeepSearchersRoundTrips() throws {
        let base = UInt64(Date().timeIntervalSince1970) &* 17
        var tried = 0
        for (index, producer) in Self.producers.enumerated() where Tools.available(producer.tool) {
            for round in 0..<3 {
                let seed = base &+ UInt64(index * 8 + round)
                var generator = SeededGenerator(seed: seed)
                let content = Self.repetitiveContent(&generator)
                let output: [UInt8]
                do {
                    output = try RecipeFixtures.peer(producer.tool, producer.arguments, input: content)
                } catch {
                    break  // the tool (or Python's zlib_ng module) is missing here
                }
                let deflate = producer.gzip ? try DeflateReconstructionTests.deflateData(of: output) : output
                let payload = try DeflateReconstructionTests.analysed(deflate, content: content)
                let replayed = try DeflateReconstructionTests.replayed(payload, content: content)
                #expect(replayed == deflate, "seed \(seed), \(producer.name), \(content.count) bytes")
                tried += 1
            }
        }
        print("ReconstructionWalkTests: \(tried) streams from deep searchers round-tripped, seeds from \(base)")
    }
}
