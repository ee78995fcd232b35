import DeltaCore
import Foundation
import Testing

/// The recipe's two serialisations, and honest failure when a rebuild does not match.
@Suite struct RecipeCodingTests {
    static let samples: [RecompressionRecipe] = [
        RecompressionRecipe(
            format: .gzip, library: .zlib,
            gzip: GzipRecipe(
                header: GzipHeader(
                    modificationTime: 1_733_333_724, operatingSystem: 255, name: Array("six-1.17.0.tar".utf8),
                    extraFlags: 2),
                deflater: .zlib, level: 9, memLevel: 8, strategy: .default),
            target: RecipeTarget(
                size: 34031, sha256: "ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81")),
        RecompressionRecipe(
            format: .gzip, library: .gnuDeflate,
            gzip: GzipRecipe(
                header: GzipHeader(
                    operatingSystem: 3, comment: [0x41], extra: [9, 9], headerCRC: true, isText: true, extraFlags: 0),
                deflater: .gnuGzip, level: 6),
            trailingZeroBytes: 512),
        RecompressionRecipe(format: .bzip2, library: .libbz2, bzip2: Bzip2Recipe(blockSize: 9, workFactor: 30)),
        RecompressionRecipe(
            format: .xz, library: .liblzma, xz: XZRecipe(preset: 6, extreme: true, check: .sha256, blockSize: 3 << 20),
            trailingZeroBytes: 4),
        RecompressionRecipe(
            format: .xz, library: .liblzma,
            xz: XZRecipe(preset: 0, extreme: false, check: .none, blockSize: 40000, threaded: false)),
        RecompressionRecipe(format: .xz, library: .liblzma, xz: XZRecipe(preset: 9, extreme: false, check: .crc32)),
    ]

    @Test func binaryFormRoundTrips() throws {
        for recipe in Self.samples {
            let bytes = recipe.serialized()
            #expect(bytes.count < 120, "\(bytes.count) bytes is not compact")
            #expect(try RecompressionRecipe(serialized: bytes) == recipe)
        }
    }

    @Test func jsonFormRoundTrips() throws {
        for recipe in Self.samples {
            let json = try JSONEncoder().encode(recipe)
            #expect(try JSONDecoder().decode(RecompressionRecipe.self, from: json) == recipe)
        }
    }

    @Test func malformedBinaryFormsAreRejectedWithTheOffset() throws {
        let bytes = Self.samples[0].serialized()
        #expect(throws: RecipeError.malformed(offset: 0, detail: "not a recipe")) {
            try RecompressionRecipe(serialized: Array("NOPE".utf8) + bytes.dropFirst(4))
        }
        for cut in [3, 6, 20, bytes.count - 1] {
            #expect(throws: RecipeError.self) { try RecompressionRecipe(serialized: Array(bytes.prefix(cut))) }
        }
        #expect(throws: RecipeError.malformed(offset: bytes.count, detail: "trailing bytes after the recipe")) {
            try RecompressionRecipe(serialized: bytes + [0])
        }
        var badVersion = bytes
        badVersion[4] = 99
        #expect(throws: RecipeError.malformed(offset: 4, detail: "unknown recipe version 99")) {
            try RecompressionRecipe(serialized: badVersion)
        }
    }

    /// The FuzzRecipes seeds are valid, so that replaying them exercises the parsers' success paths.
    @Test func fuzzSeedsParse() throws {
        let directory = TestPaths.repositoryRoot.appendingPathComponent("Tests/DeltaCoreTests/Fuzz/FuzzRecipes")
        for name in ["seed-recipe-gzip", "seed-recipe-xz", "seed-recipe-bzip2", "seed-recipe-extensions"] {
            let recipe = try RecompressionRecipe(
                serialized: [UInt8](Data(contentsOf: directory.appendingPathComponent(name))))
            #expect(try RecompressionRecipe(serialized: recipe.serialized()) == recipe, "\(name)")
        }
        let xz = try RecompressionRecipe(
            serialized: [UInt8](Data(contentsOf: directory.appendingPathComponent("seed-recipe-xz"))))
        #expect(xz.xz == XZRecipe(preset: 6, extreme: true, check: .sha256, blockSize: 7232, threaded: true))
        #expect(xz.trailingZeroBytes == 4)
        #expect(xz.target?.size == 601_088)
        let header = try [UInt8](Data(contentsOf: directory.appendingPathComponent("seed-gzip-header-all-flags")))
            .withUnsafeBytes {
                try GzipHeader.parse($0)
            }
        #expect(header.length == 20)
        #expect(header.header.extra == Array("ab".utf8))
        #expect(header.header.headerCRC)
    }

    @Test func rebuildFromTheCommittedTarballVerifies() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tar = directory.appendingPathComponent("six.tar").path
        try Data(RecipeFixtures.sixTar).write(to: URL(fileURLWithPath: tar))
        let detection = try RecipeDetector.detect(path: TestPaths.testdata("six-1.17.0.tar.gz"))
        let recipe = try #require(detection.recipe)
        let output = directory.appendingPathComponent("six.tar.gz").path
        let result = try Recompressor.recompress(inputPath: tar, recipe: recipe, outputPath: output)
        #expect(result.verified)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: output))
                == Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata("six-1.17.0.tar.gz"))))
    }

    @Test func aMismatchIsReportedAndLeavesNoFile() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tar = directory.appendingPathComponent("six.tar").path
        try Data(RecipeFixtures.sixTar).write(to: URL(fileURLWithPath: tar))
        // As if the recipe came from another zlib whose level 9 differs: level 8 here.
        var recipe = Self.samples[0]
        recipe.gzip?.level = 8
        recipe.library = CodecLibrary(name: "zlib", version: "0.9-elsewhere")
        let output = directory.appendingPathComponent("six.tar.gz").path
        do {
            try Recompressor.recompress(inputPath: tar, recipe: recipe, outputPath: output)
            Issue.record("a mismatching rebuild was accepted")
        } catch let error as RecipeError {
            guard case let .mismatch(expected, _, actual, library, local) = error else {
                Issue.record("wrong error \(error)"); return
            }
            #expect(expected == recipe.target)
            #expect(actual != expected.sha256)
            #expect(library.version == "0.9-elsewhere")
            #expect(local == .zlib)
            #expect(error.description.contains("0.9-elsewhere"))
        }
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["six.tar"])
    }
}
