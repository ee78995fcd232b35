import DeltaCore
import Foundation
import Testing

/// Bytes after the last gzip member or bzip2 stream that are not all zeros (issue 13: "trailing
/// garbage or padding" must round-trip): `gzip -d` ignores them with a warning; the decoders
/// keep them (``StreamTrailer``) and the recipe writes them back (`trailing-bytes` extension).
@Suite struct TrailingBytesTests {
    /// Trailers seen on real files or made to be awkward: a stray newline, a text, zeros then
    /// text, a byte that looks like a member's second magic byte, bytes after a member magic
    /// byte that starts no member cannot occur (the magic starts a member), so none here.
    static let trailers: [(String, [UInt8])] = [
        ("a newline", [0x0a]),
        ("text", Array("GARBAGE\n".utf8)),
        ("zeros then text", [UInt8](repeating: 0, count: 600) + Array("signed-by: nobody\n".utf8)),
        ("0x8b", [0x8b, 0x08]),
        ("text then zeros", Array("x".utf8) + [UInt8](repeating: 0, count: 511)),
    ]

    /// Detects `file`'s recipe, takes it through the binary form a patch carries, rebuilds
    /// the file from its content through files (as a rebuild does) and expects every byte.
    static func expectRoundTrip(_ file: [UInt8], _ label: String, jobs: Int = 1) throws {
        let detection = try RecipeFixtures.detect(file)
        let found = try #require(detection.recipe, "\(label): \(detection.reason ?? "no recipe")")
        let carried = try RecompressionRecipe(serialized: found.serialized())
        #expect(carried == found, "\(label)")
        let content = try CompressionFormat.detect(file).makeDecoder().transform(file)
        let rebuilt = try ParallelRecompressionTests.recompress(content, carried, jobs: jobs).bytes
        #expect(rebuilt.count == file.count, "\(label): \(rebuilt.count) bytes rebuilt, \(file.count) expected")
        #expect(rebuilt == file, "\(label)")
    }

    @Test(.enabled(if: Tools.available("gzip")))
    func gnuGzipFilesWithTrailersRoundTrip() throws {
        let member = try RecipeFixtures.peerReadingFile("gzip", ["-9n"], input: RecipeFixtures.sixTar)
        for (name, trailer) in Self.trailers {
            try Self.expectRoundTrip(member + trailer, "gzip -9n + \(name)")
        }
    }

    @Test func zlibFilesWithTrailersKeepTheirRecipeAndGainTheBytes() throws {
        let member = try GzipEncoder(level: 6).transform(RecipeFixtures.sixTar)
        let plain = try #require(try RecipeFixtures.detect(member).recipe)
        let trailed = try #require(try RecipeFixtures.detect(member + Array("GARBAGE\n".utf8)).recipe)
        #expect(trailed.gzip == plain.gzip)
        #expect(trailed.trailingBytes == Array("GARBAGE\n".utf8))
        #expect(trailed.trailingZeroBytes == 0)
        #expect(trailed.extensions.map(\.kind.rawValue) == plain.extensions.map(\.kind.rawValue) + [5])
        let padded = try #require(try RecipeFixtures.detect(member + [UInt8](repeating: 0, count: 1024)).recipe)
        #expect(padded.trailingZeroBytes == 1024 && padded.trailingBytes.isEmpty, "zero padding stays as it was")
    }

    @Test(.enabled(if: Tools.available("7zz")))
    func reconstructedStreamsWithTrailersRoundTrip() throws {
        let content = Array(RecipeFixtures.sixTar.prefix(60_000))
        let member = try RecipeFixtures.peerReadingFile("7zz", ["a", "-tgzip", "-mx5", "-si", "-so", "x"], input: content)
        try Self.expectRoundTrip(member + Array("trailer\n".utf8), "7-Zip -mx5 + text")
    }

    @Test(.enabled(if: Tools.available("gzip")))
    func severalMembersWithATrailerRoundTrip() throws {
        let first = try RecipeFixtures.peerReadingFile("gzip", ["-6n"], input: Array(RecipeFixtures.sixTar.prefix(50_000)))
        let second = try GzipEncoder(level: 9).transform(Array(RecipeFixtures.sixTar.suffix(40_000)))
        try Self.expectRoundTrip(first + second + [0, 0, 0x42, 0x0a], "two members + zeros and text")
    }

    @Test(.enabled(if: Tools.available("bzip2")))
    func bzip2FilesWithPaddingOrTrailersRoundTrip() throws {
        let stream = try RecipeFixtures.peer("bzip2", ["-9"], input: RecipeFixtures.sixTar)
        try Self.expectRoundTrip(stream + [UInt8](repeating: 0, count: 300), "bzip2 -9 + tar padding")
        try Self.expectRoundTrip(stream + Array("GARBAGE\n".utf8), "bzip2 -9 + text")
    }

    /// Random trailers of random lengths (seeded; the seed is printed) on a zlib member, the
    /// parallel rebuild with restart points included.
    @Test func randomTrailersRoundTripSeriallyAndInParallel() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("TrailingBytesTests seed \(seed)")
        var generator = SeededGenerator(seed: seed)
        let content = generator.compressibleBytes(count: 2_300_000)
        let member = try GzipEncoder(level: 6).transform(content)
        for round in 0..<2 {
            let count = [1, 2, 100, 65_536].randomElement(using: &generator)!
            var trailer = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if trailer[0] == 0x1f || trailer[0] == 0 { trailer[0] = 0x20 }
            let file = member + trailer
            let recipe = try #require(try RecipeFixtures.detect(file).recipe)
            let withPoints = try RestartPointRecorder.addingRestartPoints(
                to: recipe, content: content, file: file, interval: 1 << 20, jobs: 2)
            #expect(withPoints.restartPoints != nil, "round \(round), seed \(seed): restart points despite the trailer")
            for jobs in [1, 2] {
                let rebuilt = try ParallelRecompressionTests.recompress(content, withPoints, jobs: jobs)
                #expect(rebuilt.bytes == file, "round \(round), \(count) trailing bytes, \(jobs) jobs, seed \(seed)")
                if jobs > 1, case .serial(let reason) = rebuilt.result.parallelism {
                    Issue.record("round \(round), seed \(seed): rebuilt serially: \(reason)")
                }
            }
        }
    }

    @Test func aTrailerOverTheLimitIsRefusedAndOneAtItIsKept() throws {
        let member = try GzipEncoder(level: 1).transform(Array("hello\n".utf8))
        let atLimit = member + [UInt8](repeating: 0x41, count: StreamTrailer.maximumBytes)
        let decoder = try GzipDecoder()
        #expect(try decoder.transform(atLimit) == Array("hello\n".utf8))
        #expect(decoder.trailer.bytes.count == StreamTrailer.maximumBytes)
        #expect(throws: CompressionError.trailingDataTooLong(.gzip, limit: StreamTrailer.maximumBytes)) {
            try GzipDecoder().transform(atLimit + [0x41])
        }
    }

    @Test func recipesWithMalformedTrailersAreRefusedWithAnOffset() throws {
        var recipe = RecompressionRecipe(
            format: .gzip, library: .zlib, gzip: GzipRecipe(header: GzipHeader(), deflater: .zlib, level: 6, memLevel: 8))
        recipe.trailingBytes = [1, 2, 3]
        let good = recipe.serialized()
        #expect(try RecompressionRecipe(serialized: good).trailingBytes == [1, 2, 3])
        var both = recipe
        both.trailingZeroBytes = 5
        #expect(throws: RecipeError.self) { try RecompressionRecipe(serialized: both.serialized()) }
        var empty = recipe
        empty.extensions = [RecipeExtension(kind: .trailingBytes, payload: [])]
        do {
            _ = try RecompressionRecipe(serialized: empty.serialized())
            Issue.record("an empty trailing-bytes extension was accepted")
        } catch let RecipeError.malformed(offset, detail) {
            #expect(offset > 0 && detail.contains("trailing bytes"), "\(offset): \(detail)")
        }
    }
}
