import DeltaCore
import Foundation
import Testing

/// The payloads of the deflate-producer and member-layout extensions: round trips, and
/// typed errors for hostile bytes.
@Suite struct ProducerPayloadTests {
    static let producers: [DeflateProducer] = [
        .gnuRsyncable, .pigz(blockSize: 128 << 10, independent: false), .pigz(blockSize: 32 << 10, independent: true),
        .pigz(blockSize: 1 << 29, independent: false), .goFlate(generation: 1), .minizOxide(generation: 1),
        .libdeflate(generation: 1),
    ]

    @Test func producersRoundTrip() throws {
        for producer in Self.producers {
            #expect(try DeflateProducer(payload: producer.payload) == producer)
        }
        #expect(DeflateProducer.gnuRsyncable.payload == [1])
        #expect(DeflateProducer.pigz(blockSize: 128 << 10, independent: true).payload == [2, 0x80, 0x01, 1])
        #expect(DeflateProducer.goFlate(generation: 1).payload == [3, 1])
        #expect(DeflateProducer.minizOxide(generation: 1).payload == [4, 1])
        #expect(DeflateProducer.libdeflate(generation: 1).payload == [6, 1])
    }

    @Test func layoutsRoundTrip() throws {
        for size: UInt64 in [1, 100_000, 900_000, 1 << 40] {
            #expect(
                try MemberLayout(payload: MemberLayout.uniform(memberSize: size).payload) == .uniform(memberSize: size))
        }
    }

    @Test(
        arguments: [
            ([], 0, "truncated"),
            ([9], 0, "unknown deflate producer 9"),
            ([6], 1, "truncated"),
            ([6, 0], 1, "libdeflate encoder generation 0 out of range"),
            ([6, 2], 1, "libdeflate encoder generation 2 out of range"),
            ([6, 1, 0], 2, "trailing bytes after the deflate producer"),
            ([4, 2], 1, "miniz_oxide encoder generation 2 out of range"),
            ([3], 1, "truncated"),
            ([3, 0], 1, "Go flate encoder generation 0 out of range"),
            ([3, 2], 1, "Go flate encoder generation 2 out of range"),
            ([3, 1, 0], 2, "trailing bytes after the deflate producer"),
            ([1, 0], 1, "trailing bytes after the deflate producer"),
            ([2, 31, 0], 1, "pigz block size (KiB) 31 out of range"),
            ([2, 0x81, 0x80, 0x80, 0x01, 0], 1, "pigz block size (KiB) 2097153 out of range"),
            ([2, 0x80, 0x01, 2], 3, "pigz flags 2"),
            ([2, 0x80, 0x01], 3, "truncated"),
        ] as [([UInt8], Int, String)])
    func malformedProducersAreRefused(payload: [UInt8], offset: Int, detail: String) {
        #expect(throws: RecipeError.malformed(offset: offset, detail: detail)) { try DeflateProducer(payload: payload) }
    }

    @Test(
        arguments: [
            ([], 0, "truncated"),
            ([3, 1], 0, "unknown member layout 3"),
            ([2, 1], 2, "truncated"),
            ([1, 0], 1, "member size 0 out of range"),
            ([1, 0x81, 0x80, 0x80, 0x80, 0x80, 0x20], 1, "member size 1099511627777 out of range"),
            ([1, 5, 5], 2, "trailing bytes after the member layout"),
            ([1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 11, "varint too long"),
        ] as [([UInt8], Int, String)])
    func malformedLayoutsAreRefused(payload: [UInt8], offset: Int, detail: String) {
        #expect(throws: RecipeError.malformed(offset: offset, detail: detail)) { try MemberLayout(payload: payload) }
    }

    @Test func aProducerThatDoesNotGoWithTheDeflaterIsRefused() throws {
        var recipe = RecompressionRecipe(
            format: .gzip, library: .zlib,
            gzip: GzipRecipe(header: GzipHeader(), deflater: .zlib, level: 6, memLevel: 8, strategy: .default))
        recipe.setExtension(.deflateProducer, payload: DeflateProducer.gnuRsyncable.payload)
        #expect(throws: RecipeError.self) { try recipe.makeEncoder() }
        recipe.gzip?.memLevel = 9
        recipe.setExtension(
            .deflateProducer, payload: DeflateProducer.pigz(blockSize: 128 << 10, independent: false).payload)
        #expect(throws: RecipeError.self) { try recipe.makeEncoder() }
        recipe.setExtension(.deflateProducer, payload: [9])
        #expect(throws: RecipeError.malformed(offset: 0, detail: "unknown deflate producer 9")) {
            try recipe.makeEncoder()
        }
    }

    @Test func recipesWithProducerAndLayoutRoundTripInBothForms() throws {
        var recipe = RecompressionRecipe(format: .bzip2, library: .libbz2, bzip2: Bzip2Recipe(blockSize: 9))
        recipe.setExtension(.memberLayout, payload: MemberLayout.uniform(memberSize: 900_000).payload)
        #expect(try RecompressionRecipe(serialized: recipe.serialized()) == recipe)
        #expect(try JSONDecoder().decode(RecompressionRecipe.self, from: JSONEncoder().encode(recipe)) == recipe)
        #expect(try recipe.memberLayout() == .uniform(memberSize: 900_000))
        #expect(try recipe.deflateProducer() == nil)
    }

    /// The FuzzRecipes seeds for these payloads are valid recipes of the committed tool outputs,
    /// so that replaying them exercises the payload parsers' success paths.
    @Test func fuzzSeedsParse() throws {
        let directory = TestPaths.repositoryRoot.appendingPathComponent("Tests/DeltaCoreTests/Fuzz/FuzzRecipes")
        func seed(_ name: String) throws -> RecompressionRecipe {
            try RecompressionRecipe(serialized: [UInt8](Data(contentsOf: directory.appendingPathComponent(name))))
        }
        #expect(try seed("seed-recipe-gnu-rsyncable").deflateProducer() == .gnuRsyncable)
        #expect(try seed("seed-recipe-pigz").deflateProducer() == .pigz(blockSize: 64 << 10, independent: true))
        #expect(try seed("seed-recipe-pbzip2-layout").memberLayout() == .uniform(memberSize: 100_000))
        let go = try seed("seed-recipe-go-flate")
        #expect(try go.deflateProducer() == .goFlate(generation: 1))
        #expect(go.gzip?.deflater == .goFlate)
        let libdeflate = try seed("seed-recipe-libdeflate")
        #expect(try libdeflate.deflateProducer() == .libdeflate(generation: 1))
        #expect(libdeflate.gzip?.deflater == .libdeflate)
        #expect(libdeflate.library == .libdeflate)
    }
}
