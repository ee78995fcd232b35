import DeltaCore
import Foundation
import Testing

/// The search skips zlib candidates whose memLevel cannot have ended the stream's first block
/// where it ends (zlib ends a block after 2^(memLevel + 6) - 1 symbols): every memLevel and
/// strategy of the real zlib (through Python's `zlib`) must still be found.
@Suite struct ZlibFirstBlockRuleTests {
    /// Content long enough for several blocks even at memLevel 9 (32,767 symbols a block).
    static let content = RecipeFixtures.sixTar + RecipeFixtures.sixTar.reversed()

    /// `content` compressed by Python's zlib into a gzip file (its own header).
    static func zlibFile(level: Int, memLevel: Int, strategy: String) throws -> [UInt8] {
        let script =
            "import sys, zlib; c = zlib.compressobj(\(level), zlib.DEFLATED, 31, \(memLevel), zlib.\(strategy)); "
            + "sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read()) + c.flush())"
        return try RecipeFixtures.peer("python3", ["-c", script], input: content)
    }

    static let cases: [(level: Int, memLevel: Int, strategy: String)] =
        (1...9).map { (6, $0, "Z_DEFAULT_STRATEGY") } + [(9, 9, "Z_DEFAULT_STRATEGY"), (1, 7, "Z_DEFAULT_STRATEGY")]
        + ["Z_FILTERED", "Z_RLE", "Z_HUFFMAN_ONLY", "Z_FIXED"].map { (6, 8, $0) }

    @Test(.enabled(if: Tools.available("python3")))
    func everyMemLevelAndStrategyIsStillFound() throws {
        for (level, memLevel, strategy) in Self.cases {
            let file = try Self.zlibFile(level: level, memLevel: memLevel, strategy: strategy)
            let what = "zlib level \(level), memLevel \(memLevel), \(strategy)"
            let detection = try RecipeFixtures.detect(file)
            let recipe = try #require(detection.recipe, "\(what): \(detection.reason ?? "")")
            let exact = !recipe.usesDeflateReconstruction
            #expect(exact, "\(what) was not found by an exact recipe")
            if memLevel != 8 { #expect(recipe.gzip?.memLevel == memLevel, "\(what) was found at another memLevel") }
            #expect(try RecipeFixtures.rebuild(Self.content, with: recipe) == file, "\(what) is not rebuilt")
        }
    }
}
