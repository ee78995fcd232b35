import DeltaCore
import Foundation
import Testing

/// The chain rebuild behind `deltafetch fetch`: per-link content checks against the list,
/// the recipe from the patch or the name's convention, and nothing left behind on failure.
struct ChainRebuilderTests {
    static let old = TestPaths.testdata("six-1.16.0.tar.gz")
    static let new = TestPaths.testdata("six-1.17.0.tar.gz")

    /// A patch with the recipe and target digests (as `mkpatch create` makes it), and one without.
    static func patches(in directory: URL) throws -> (withRecipe: String, bare: String) {
        let created = try PatchCreator.create(oldPath: old, newPath: new, outputDirectory: directory.path)
        let bare = directory.appendingPathComponent("bare.patch").path
        try FileDiffer.diff(oldPath: old, newPath: new, outputPath: bare)
        return (created.patchPath, bare)
    }

    static func content(of path: String) throws -> DigestSet {
        try FileInspector.inspect(path: path, algorithms: [.sha256, .md5]).uncompressed
    }

    @Test func rebuildsBitForBitAndPublishesOnlyWhenAsked() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (patch, _) = try Self.patches(in: directory)
        var stages = [RebuildStage]()
        let rebuilt = try Rebuilder.rebuild(
            basePath: Self.old, chain: [ChainLink(patchPath: patch, expectedContent: try Self.content(of: Self.new))],
            targetName: "six-1.17.0.tar.gz", in: directory.path, digesting: [.blake2b, .sha256],
            progress: { stages.append($0) })
        #expect(rebuilt.recipeFromPatch)
        #expect(rebuilt.matchesRecordedTarget == true)
        let upstream = try FileInspector.inspect(path: Self.new, algorithms: [.blake2b, .sha256]).compressed
        #expect(rebuilt.compressed == upstream)
        let steps = stages.filter { if case .recompressed = $0 { false } else { true } }
        #expect(
            steps == [.decompressingBase(Self.old), .applying(index: 1, count: 1, patch: patch), .recompressing(.gzip)])
        #expect(stages.last == .recompressed(done: 174_080, total: 174_080))
        let output = directory.appendingPathComponent("six-1.17.0.tar.gz").path
        #expect(!FileManager.default.fileExists(atPath: output))
        try rebuilt.publish(as: output)
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == Data(contentsOf: URL(fileURLWithPath: Self.new)))
    }

    @Test func aLinkYieldingOtherContentThanTheListSaysIsRefused() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (patch, _) = try Self.patches(in: directory)
        var promised = try Self.content(of: Self.new)
        promised.digests[.md5] = try Digest(algorithm: .md5, hex: String(repeating: "0", count: 32))
        #expect {
            try Rebuilder.rebuild(
                basePath: Self.old, chain: [ChainLink(patchPath: patch, expectedContent: promised)],
                targetName: "six-1.17.0.tar.gz", in: directory.path)
        } throws: { error in
            guard let error = error as? FileError, error.path == patch,
                case .contentMismatch = error.underlying as? RebuildError
            else { return false }
            return "\(error)".contains("MD5")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasPrefix(".deltafetch-work")
        }
        #expect(leftovers.isEmpty)
    }

    @Test func withoutARecipeTheNamesConventionIsUsedAndTheContentStillVerified() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (_, bare) = try Self.patches(in: directory)
        let rebuilt = try Rebuilder.rebuild(
            basePath: Self.old, chain: [ChainLink(patchPath: bare, expectedContent: try Self.content(of: Self.new))],
            targetName: "six-1.17.0.tar.gz", in: directory.path)
        #expect(!rebuilt.recipeFromPatch)
        #expect(rebuilt.recipe == RecompressionRecipe.conventional(forFileName: "x.tar.gz"))
        #expect(rebuilt.matchesRecordedTarget == nil)
        #expect(rebuilt.content.matches(try Self.content(of: Self.new)))
        // The strict API used by `mkpatch rebuild` still refuses a patch without a recipe.
        #expect(throws: RebuildError.noRecipe(bare)) {
            try Rebuilder.rebuild(
                basePath: Self.old, chain: [bare], outputPath: directory.appendingPathComponent("out.tar.gz").path)
        }
    }

    @Test func conventionalRecipesFollowTheSuffix() {
        #expect(RecompressionRecipe.conventional(forFileName: "a-1.tar.gz")?.format == .gzip)
        #expect(RecompressionRecipe.conventional(forFileName: "a-1.TGZ")?.format == .gzip)
        #expect(RecompressionRecipe.conventional(forFileName: "a-1.tar.bz2")?.bzip2?.blockSize == 9)
        #expect(RecompressionRecipe.conventional(forFileName: "a-1.tar.xz")?.xz?.preset == 6)
        #expect(RecompressionRecipe.conventional(forFileName: "a-1.tar") == nil)
        #expect(RecompressionRecipe.conventional(forFileName: "a-1.zip") == nil)
    }

    /// A run killed mid-rebuild leaves its labelled scratch directory; the next rebuild of the
    /// same target removes it, and leaves other targets' directories alone.
    @Test func staleScratchDirectoriesOfTheTargetAreRemoved() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (patch, _) = try Self.patches(in: directory)
        let stale = directory.appendingPathComponent(".deltafetch-work-six-1.17.0.tar.gz-AbC123")
        let other = directory.appendingPathComponent(".deltafetch-work-six-1.17.0.tar.gz.sig-AbC123")
        for dir in [stale, other] {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data("half".utf8).write(to: dir.appendingPathComponent("content-0"))
        }
        _ = try Rebuilder.rebuild(
            basePath: Self.old, chain: [ChainLink(patchPath: patch)], targetName: "six-1.17.0.tar.gz",
            in: directory.path)
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(FileManager.default.fileExists(atPath: other.path))
    }
}
