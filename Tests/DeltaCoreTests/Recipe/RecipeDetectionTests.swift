import DeltaCore
import Foundation
import Testing

/// Detection over files made by the real tools: every recipe found must rebuild its file, and
/// files no setting reproduces must say so.
@Suite struct RecipeDetectionTests {
    /// Detects, checks the recipe rebuilds the file, and returns it.
    /// `rebuild: false` skips the second, independent compression for big files (detection
    /// already ran the recipe to the end; the target digest is still checked).
    private func reproducibleRecipe(_ file: [UInt8], _ what: String, rebuild: Bool = true) throws
        -> RecompressionRecipe?
    {
        let detection = try RecipeFixtures.detect(file)
        #expect(detection.reproducible, "\(what): \(detection.reason ?? "")")
        guard let recipe = detection.recipe else { return nil }
        #expect(recipe.target?.size == UInt64(file.count))
        #expect(recipe.target?.sha256 == (try DigestContext.digest(.sha256, of: file).hex))
        if rebuild {
            let content = try recipe.format.makeDecoder().transform(file)
            #expect(
                try RecipeFixtures.rebuild(content, with: recipe) == file,
                "\(what): the recipe does not rebuild the file")
        }
        return recipe
    }

    @Test func committedRealFilesReproduce() throws {
        let six = try reproducibleRecipe(
            [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata("six-1.17.0.tar.gz")))),
            "six (Python tarfile)")
        #expect(six?.gzip?.deflater == .zlib)
        #expect(six?.gzip?.level == 9)
        #expect(six?.gzip?.header.name == Array("six-1.17.0.tar".utf8))
        #expect(six?.gzip?.header.operatingSystem == 255)
        #expect(six?.library == .zlib)
        let efi = try reproducibleRecipe(
            [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata("gnu-efi_3.0.15.orig.tar.bz2")))),
            "gnu-efi")
        #expect(efi?.bzip2 == Bzip2Recipe(blockSize: 9))
        #expect(efi?.library == .libbz2)
        let asm = try reproducibleRecipe(
            [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata("asm_9.3.orig.tar.xz")))), "asm",
            rebuild: false)
        #expect(asm?.xz == XZRecipe(preset: 6, extreme: false, check: .crc64))
    }

    @Test(.enabled(if: Tools.available("gzip")), arguments: 1...9)
    func gnuGzipOutputIsDetected(level: Int) throws {
        let file = try RecipeFixtures.peer("gzip", ["-n", "-\(level)"], input: RecipeFixtures.sixTar)
        let recipe = try reproducibleRecipe(file, "gzip -n -\(level)")
        #expect(recipe?.gzip?.deflater == .gnuGzip)
        #expect(recipe?.gzip?.level == level)
        #expect(recipe?.library == .gnuDeflate)
    }

    @Test(.enabled(if: Tools.available("gzip")))
    func gnuGzipWithNameAndTimeAndTarPaddingIsDetected() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tar = directory.appendingPathComponent("six.tar")
        try Data(RecipeFixtures.sixTar).write(to: tar)
        for level in [6, 9] {
            let result = try Tools.run("gzip", ["-k", "-f", "-\(level)", tar.path])
            #expect(result.status == 0)
            let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tar.path + ".gz")))
            let recipe = try reproducibleRecipe(file, "gzip -\(level) FILE")
            #expect(recipe?.gzip?.header.name == Array("six.tar".utf8))
            #expect(recipe?.gzip?.header.modificationTime != 0)
            let padded = try reproducibleRecipe(file + [UInt8](repeating: 0, count: 700), "gzip -\(level) with padding")
            #expect(padded?.trailingZeroBytes == 700)
        }
    }

    /// `tar czf` pipes tar's output into gzip, which then reads a pipe, not a file.
    @Test(.enabled(if: Tools.available("gzip") && Tools.available("tar")))
    func tarCzfOutputIsDetected() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(RecipeFixtures.sixTar).write(to: directory.appendingPathComponent("six.tar"))
        try Data(RecipeFixtures.sixTar.reversed()).write(to: directory.appendingPathComponent("six.rat"))
        for options in ["", "GZIP=-9 "] {
            let result = try Tools.run(
                "/bin/sh", ["-c", "cd '\(directory.path)' && \(options)tar czf - six.tar six.rat"])
            #expect(result.status == 0)
            let recipe = try reproducibleRecipe([UInt8](result.stdout), "\(options)tar czf")
            #expect(recipe?.gzip?.deflater == .gnuGzip)
        }
    }

    /// pigz's own `--rsyncable` (`-R`) cuts its blocks where a hash of the content hits, which
    /// no exact recipe follows (plain pigz is reproduced: ProducerRecipeTests): every exact
    /// candidate is tried, then deflate reconstruction rebuilds it.
    @Test(.enabled(if: Tools.available("pigz")))
    func pigzRsyncableOutputIsReconstructed() throws {
        for arguments in [["-6", "-R"], ["-9", "-b", "32", "-R"]] {
            let content = RecipeFixtures.sixTar + RecipeFixtures.sixTar
            let file = try RecipeFixtures.peer("pigz", ["-n", "-c"] + arguments, input: content)
            let detection = try RecipeFixtures.detect(file)
            let recipe = try #require(detection.recipe, "pigz \(arguments): \(detection.reason ?? "")")
            #expect(recipe.usesDeflateReconstruction, "pigz \(arguments) claimed by an exact recipe")
            #expect(try RecipeFixtures.rebuild(content, with: recipe) == file)
            #expect(detection.candidatesTried > 10)
        }
    }

    /// A deflate stream no zlib or GNU gzip setting writes (stored blocks of 1000 bytes, as a
    /// naive encoder might): valid, decodable, claimed by no exact recipe, and rebuilt by
    /// deflate reconstruction.
    @Test func foreignDeflateIsReconstructed() throws {
        let content = Array(RecipeFixtures.sixTar.prefix(20_000))
        var file: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]
        var start = 0
        while start < content.count {
            let end = min(content.count, start + 1000)
            let length = UInt16(end - start)
            file += [
                end == content.count ? 1 : 0, UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff),
                UInt8(~length >> 8),
            ]
            file += content[start..<end]
            start = end
        }
        var crc: UInt32 = 0xffff_ffff
        for byte in content {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        crc ^= 0xffff_ffff
        for value in [crc, UInt32(content.count)] {
            file += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        }
        #expect(try GzipDecoder().transform(file) == content)
        let detection = try RecipeFixtures.detect(file)
        let recipe = try #require(detection.recipe)
        #expect(recipe.usesDeflateReconstruction)
        #expect(try RecipeFixtures.rebuild(content, with: recipe) == file)
    }

    /// Two members (`cat a.gz a.gz`) get a recipe each (member layout 2), both exact.
    @Test func multiMemberGzipIsClaimedMemberByMember() throws {
        let content = Array(RecipeFixtures.sixTar.prefix(1000))
        let member = try GzipEncoder(level: 6).transform(content)
        let recipe = try #require(try RecipeFixtures.detect(member + member).recipe)
        guard case let .listed(list)? = try recipe.memberLayout() else {
            Issue.record("no member list"); return
        }
        #expect(list.members.map(\.contentSize) == [1000, 1000])
        #expect(!recipe.usesDeflateReconstruction)
        #expect(try RecipeFixtures.rebuild(content + content, with: recipe) == member + member)
    }

    @Test func zlibSettingsAreDetected() throws {
        let content = Array(RecipeFixtures.sixTar.prefix(60_000))
        let header = GzipHeader(
            modificationTime: 1_700_000_000, operatingSystem: 255, name: Array("x.tar".utf8),
            comment: Array("made by a test".utf8), extra: [1, 2, 3], headerCRC: true)
        for (level, memLevel, strategy) in [
            (9, 8, DeflateStrategy.default), (6, 9, .default), (1, 8, .default), (5, 8, .filtered), (6, 8, .rle),
        ] {
            let file = try GzipEncoder(level: level, memLevel: memLevel, strategy: strategy, header: header).transform(
                content)
            let recipe = try reproducibleRecipe(file, "zlib level \(level) memLevel \(memLevel) \(strategy)")
            #expect(recipe?.gzip?.deflater == .zlib)
            #expect(recipe?.gzip?.header.comment == header.comment)
            #expect(recipe?.gzip?.header.extra == header.extra)
        }
    }

    @Test(.enabled(if: Tools.available("xz")))
    func xzPresetsChecksAndBlocksAreDetected() throws {
        let content = RecipeFixtures.sixTar
        let cases: [([String], XZRecipe)] = [
            (["-0"], XZRecipe(preset: 0, extreme: false, check: .crc64)),
            (["-3", "-C", "sha256"], XZRecipe(preset: 3, extreme: false, check: .sha256)),
            (["-6e", "-C", "crc32"], XZRecipe(preset: 6, extreme: true, check: .crc32)),
            (["-1", "-C", "none"], XZRecipe(preset: 1, extreme: false, check: .none)),
            (["-T2", "--block-size=50000"], XZRecipe(preset: 6, extreme: false, check: .crc64, blockSize: 50000)),
            (["-T2"], XZRecipe(preset: 6, extreme: false, check: .crc64, blockSize: 24 << 20)),
            (
                ["-T1", "--block-size=40000"],
                XZRecipe(preset: 6, extreme: false, check: .crc64, blockSize: 40000, threaded: false)
            ),
            (
                ["-T1", "--block-size=43520"],
                XZRecipe(preset: 6, extreme: false, check: .crc64, blockSize: 43520, threaded: false)
            ),
        ]
        for (arguments, expected) in cases {
            let file = try RecipeFixtures.peer("xz", ["-c"] + arguments, input: content)
            let recipe = try reproducibleRecipe(file, "xz \(arguments)")
            #expect(recipe?.xz == expected, "xz \(arguments)")
        }
    }

    @Test(.enabled(if: Tools.available("bzip2")), arguments: [1, 5, 9])
    func bzip2BlockSizesAreDetected(blockSize: Int) throws {
        let file = try RecipeFixtures.peer("bzip2", ["-c", "-\(blockSize)"], input: RecipeFixtures.sixTar)
        let recipe = try reproducibleRecipe(file, "bzip2 -\(blockSize)")
        #expect(recipe?.bzip2?.blockSize == blockSize)
    }

    @Test func uncompressedInputHasNoRecipe() throws {
        let detection = try RecipeFixtures.detect(Array(RecipeFixtures.sixTar.prefix(1000)))
        #expect(!detection.reproducible)
        #expect(detection.reason == "not compressed")
    }

    @Test func corruptInputThrowsTheCodecError() throws {
        var file = try GzipEncoder(level: 6).transform(RecipeFixtures.sixTar.prefix(5000))
        file.removeLast(20)
        #expect(throws: CompressionError.truncated(.gzip)) { try RecipeFixtures.detect(file) }
    }
}
