@testable import DeltaCore
import Foundation
import Testing

/// `mkpatch create` proves a patch by rebuilding the new file from it, and that rebuild is a
/// deflate reconstruction's only replay (the analysis skips its own): a reconstruction that
/// replays is published with its patch, one whose replay differs or is refused is dropped and
/// the patch goes without a recipe, as the analysis's own replay would have decided, and an
/// exact recipe that misses still stops the patch.
@Suite struct PatchCreatorProofTests {
    static let old = TestPaths.testdata("six-1.16.0.tar.gz")
    /// The six 1.17.0 tar as 7-Zip -mx9 compresses it: deflate reconstruction, no exact recipe.
    static let sevenZip = TestPaths.testdata("deflate-reconstruction/six-1.17.0.tar.7zip-9.gz")

    /// The 7-Zip file under the name a release would have in `directory`, and an empty `out`
    /// folder there for the patch.
    static func newFile(in directory: URL) throws -> String {
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("out"), withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("six-1.17.0.tar.gz").path
        try FileManager.default.copyItem(atPath: sevenZip, toPath: path)
        return path
    }

    /// The recipe with bytes of its reconstruction payload inverted: 16 in the middle (the
    /// replay writes another stream), the last 64 (the replay refuses a match), or all of them
    /// (the version is refused). (Its last byte alone is slack in the range coder's flush.)
    static func corrupted(_ recipe: RecompressionRecipe, _ place: String) throws -> RecompressionRecipe {
        var payload = try #require(recipe.extensionPayload(.deflateReconstruction))
        let range =
            switch place {
            case "middle": payload.count / 2..<payload.count / 2 + 16
            case "end": payload.count - 64..<payload.count
            default: 0..<payload.count
            }
        for index in range { payload[index] ^= 0xFF }
        var broken = recipe
        broken.setExtension(.deflateReconstruction, payload: payload)
        return broken
    }

    @Test func aReconstructionIsPublishedAfterTheRebuildProvesIt() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let new = try Self.newFile(in: directory)
        let output = directory.appendingPathComponent("out").path
        let created = try PatchCreator.create(oldPath: Self.old, newPath: new, outputDirectory: output)
        let recipe = try #require(created.recipe, "\(created.notReproducibleReason ?? "")")
        #expect(recipe.usesDeflateReconstruction && created.notReproducibleReason == nil)
        let rebuilt = directory.appendingPathComponent("rebuilt.tar.gz").path
        let content = directory.appendingPathComponent("content.tar").path
        try PatchFileApplier.apply(basePath: Self.old, patchPath: created.patchPath, outputPath: content)
        try Recompressor.recompress(inputPath: content, recipe: recipe, outputPath: rebuilt)
        #expect(FileManager.default.contentsEqual(atPath: rebuilt, andPath: new))
    }

    /// Corrupt reconstructions (a stream that differs, a payload the replay refuses): the
    /// patch is published without a recipe, with the reason, and still rebuilds the content.
    @Test(arguments: ["middle", "end", "all"])
    func aReconstructionThatDoesNotReplayIsDropped(corrupted place: String) throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let new = try Self.newFile(in: directory)
        let output = directory.appendingPathComponent("out").path
        var detections = 0
        let created = try PatchCreator.create(
            oldPath: Self.old, newPath: new, outputDirectory: output, options: PatchCreationOptions()
        ) { path, goal in
            detections += 1
            var detection = try RecipeDetector.detect(path: path, reconstruction: goal, provesReconstruction: false)
            detection.recipe = try Self.corrupted(#require(detection.recipe), place)
            return detection
        }
        let published = try NativePatchHeader.read(
            from: InMemorySource([UInt8](Data(contentsOf: URL(fileURLWithPath: created.patchPath)))))
        let (kept, carried) = (created.recipe != nil, published.metadata.recipe != nil)
        #expect(detections == 1 && !kept && !carried, "\(place): the recipe was kept")
        #expect(created.notReproducibleReason == RecompressionRecipe.unreplayedReason)
        let content = directory.appendingPathComponent("content.tar").path
        let applied = try PatchFileApplier.apply(basePath: Self.old, patchPath: created.patchPath, outputPath: content)
        #expect(applied.result.matches(try FileInspector.inspect(path: new, algorithms: [.sha256]).uncompressed))
        let left = try FileManager.default.contentsOfDirectory(atPath: output)
        #expect(left == [created.patchPath.split(separator: "/").last.map(String.init)!], "\(left)")
    }

    /// An exact recipe that misses the file is not dropped: the patch is refused, and nothing
    /// is published.
    @Test func anExactRecipeThatMissesStopsThePatch() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out").path
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let new = TestPaths.testdata("six-1.17.0.tar.gz")
        #expect(throws: (any Error).self) {
            try PatchCreator.create(
                oldPath: Self.old, newPath: new, outputDirectory: output, options: PatchCreationOptions()
            ) { path, goal in
                var detection = try RecipeDetector.detect(path: path, reconstruction: goal)
                detection.recipe?.gzip?.level = 1
                return detection
            }
        }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []
        #expect(!left.contains { $0.hasSuffix(".patch") }, "\(left)")
    }
}
