import DeltaCore
import FuzzTargets
import Testing

/// The restart points payload: round trips, bounds, and errors that name the offset.
@Suite struct RestartPointCodingTests {
    static func randomPoints(_ deflater: DeflateImplementation, _ generator: inout SeededGenerator)
        -> DeflateRestartPoints
    {
        var points: [DeflateRestartPoint] = []
        var content: UInt64 = 0, bits: UInt64 = 0
        for _ in 0..<Int.random(in: 1...40, using: &generator) {
            content += UInt64.random(in: 1...(1 << 34), using: &generator)
            bits += UInt64.random(in: 1...(1 << 36), using: &generator)
            var point = DeflateRestartPoint(contentOffset: content, bitOffset: bits)
            if deflater == .gnuGzip {
                point.windowOffset =
                    ((content >> 15) << 15) - (content >= 1 << 15 && Bool.random(using: &generator) ? 1 << 15 : 0)
                if Bool.random(using: &generator) {
                    let length = Int.random(in: 2...258, using: &generator)
                    point.pendingMatch = .init(
                        length: length, distance: length >= 3 ? Int.random(in: 1...32768, using: &generator) : 0)
                }
            }
            points.append(point)
        }
        return DeflateRestartPoints(deflater: deflater, points: points)
    }

    @Test(arguments: [DeflateImplementation.gnuGzip, .zlib])
    func randomPointsRoundTrip(deflater: DeflateImplementation) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<200 {
            let points = Self.randomPoints(deflater, &generator)
            #expect(try DeflateRestartPoints(serialized: points.serialized()) == points, "seed \(seed)")
        }
    }

    @Test func truncatedPayloadsAreRefused() throws {
        var generator = SeededGenerator(seed: 5)
        let bytes = Self.randomPoints(.gnuGzip, &generator).serialized()
        for cut in 0..<bytes.count {
            #expect(throws: RecipeError.self) { try DeflateRestartPoints(serialized: Array(bytes.prefix(cut))) }
        }
        #expect(throws: RecipeError.malformed(offset: bytes.count, detail: "restart points: trailing bytes")) {
            try DeflateRestartPoints(serialized: bytes + [0])
        }
    }

    @Test func malformedPayloadsNameTheOffset() {
        let cases: [([UInt8], RecipeError)] = [
            ([2, 0, 1, 1, 1, 0], .malformed(offset: 0, detail: "restart points: unknown version 2")),
            ([1, 7, 1, 1, 1, 0], .malformed(offset: 1, detail: "restart points: unknown deflater 7")),
            ([1, 0, 0], .malformed(offset: 2, detail: "restart points: 0 points (1 to 65536 allowed)")),
            (
                [1, 0, 0x81, 0x80, 0x04],
                .malformed(offset: 2, detail: "restart points: 65537 points (1 to 65536 allowed)")
            ),
            ([1, 0, 2, 5, 5, 0, 0, 5, 0], .malformed(offset: 6, detail: "restart points: offsets must increase")),
            ([1, 0, 1, 5, 5, 1, 0], .malformed(offset: 5, detail: "restart points: flags 1 for zlib")),
            ([1, 1, 1, 5, 5, 0], .malformed(offset: 5, detail: "restart points: flags 0 for gnu-gzip")),
            ([1, 1, 1, 5, 5, 1, 4], .malformed(offset: 6, detail: "restart points: window 4 bytes before the point")),
            (
                [1, 1, 1, 5, 5, 3, 5, 1, 0],
                .malformed(offset: 7, detail: "restart points: pending match of 1 bytes at distance 0")
            ),
            (
                [1, 1, 1, 5, 5, 3, 5, 3, 0],
                .malformed(offset: 7, detail: "restart points: pending match of 3 bytes at distance 0")
            ),
            (
                [1, 1, 1, 5, 5, 3, 5, 2, 1],
                .malformed(offset: 7, detail: "restart points: pending match of 2 bytes at distance 1")
            ),
        ]
        for (bytes, error) in cases {
            #expect(throws: error, "\(bytes)") { try DeflateRestartPoints(serialized: bytes) }
        }
    }

    /// The fuzz target's round trip holds for recipes that carry restart points.
    @Test func fuzzTargetAcceptsRecipesWithRestartPoints() throws {
        var generator = SeededGenerator(seed: 9)
        var recipe = RecompressionRecipe(
            format: .gzip, library: .gnuDeflate,
            gzip: GzipRecipe(header: GzipHeader(), deflater: .gnuGzip, level: 9))
        recipe.setExtension(.restartPoints, payload: Self.randomPoints(.gnuGzip, &generator).serialized())
        let accepted = recipe.serialized().withUnsafeBytes { FuzzTargets.recipes($0) }
        #expect(accepted >= 1)
        #expect(recipe.restartPoints != nil)
    }
}
