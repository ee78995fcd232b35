import DeltaCore
import Foundation
import Testing

/// Applying patch files: wrapped patches, compressed bases, verification and atomic output.
@Suite struct PatchFileApplierTests {
    static func sixPair() throws -> (old: [UInt8], new: [UInt8]) {
        func content(_ name: String) throws -> [UInt8] {
            let decoder = try CompressionFormat.gzip.makeDecoder()
            return try decoder.transform(Array(try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata(name)))))
        }
        return (try content("six-1.16.0.tar.gz"), try content("six-1.17.0.tar.gz"))
    }

    @Test func patchFilesRoundTripPlainAndWrapped() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (old, new) = try Self.sixPair()
        let oldPath = directory.appendingPathComponent("old.tar").path
        let newPath = directory.appendingPathComponent("new.tar").path
        try Data(old).write(to: URL(fileURLWithPath: oldPath))
        try Data(new).write(to: URL(fileURLWithPath: newPath))
        let patchPath = directory.appendingPathComponent("p.dfpatch").path
        let summary = try FileDiffer.diff(oldPath: oldPath, newPath: newPath, outputPath: patchPath)
        #expect(summary.new.size == UInt64(new.count))
        let patch = try Data(contentsOf: URL(fileURLWithPath: patchPath))

        let wrappers: [(String, any StreamEncoder)] = [
            ("none", PassthroughCodec()), ("gz", try GzipEncoder()),
            ("bz2", try Bzip2Encoder()), ("xz", try XZEncoder()),
        ]
        for (name, encoder) in wrappers {
            let wrapped = directory.appendingPathComponent("p.\(name)").path
            try Data(try encoder.transform(Array(patch))).write(to: URL(fileURLWithPath: wrapped))
            let output = directory.appendingPathComponent("out-\(name).tar").path
            let result = try PatchFileApplier.apply(basePath: oldPath, patchPath: wrapped, outputPath: output)
            #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == Data(new), "wrapped in \(name)")
            #expect(
                result.wrapping.rawValue
                    == (name == "none" ? "none" : ["gz": "gzip", "bz2": "bzip2", "xz": "xz"][name]!))
        }
        // The compressed tarball works as the base too, and as the differ's input.
        let output = directory.appendingPathComponent("from-gz.tar").path
        try PatchFileApplier.apply(
            basePath: TestPaths.testdata("six-1.16.0.tar.gz"), patchPath: patchPath, outputPath: output)
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == Data(new))
        let fromCompressed = directory.appendingPathComponent("gz.dfpatch").path
        try FileDiffer.diff(
            oldPath: TestPaths.testdata("six-1.16.0.tar.gz"), newPath: TestPaths.testdata("six-1.17.0.tar.gz"),
            outputPath: fromCompressed)
        #expect(try Data(contentsOf: URL(fileURLWithPath: fromCompressed)) == patch)
    }

    @Test func wrongBaseIsRefusedAndNoOutputIsLeft() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = Array("abcdefghijklmnopqrstuvwxyz".utf8), new = Array("abcdefghij-klmnopqrstuvwxyz".utf8)
        let patchPath = directory.appendingPathComponent("p").path
        try Data(try NativeDiffer.makePatch(old: old, new: new)).write(to: URL(fileURLWithPath: patchPath))
        let impostor = directory.appendingPathComponent("impostor").path
        try Data(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)).write(to: URL(fileURLWithPath: impostor))
        let output = directory.appendingPathComponent("out").path
        #expect {
            try PatchFileApplier.apply(basePath: impostor, patchPath: patchPath, outputPath: output)
        } throws: { error in
            guard let error = error as? FileError, case .baseMismatch? = error.underlying as? PatchFormatError else {
                return false
            }
            return error.path == impostor
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["impostor", "p"])
    }

    @Test func foreignFormatsAreRecognisedAndRoutedToTheirAppliers() throws {
        #expect(PatchFormat.detect(Array("BSDIFF40".utf8) + [0, 0]) == .bsdiff40)
        #expect(PatchFormat.detect([0xD6, 0xC3, 0xC4, 0x00, 0x00]) == .vcdiff)
        #expect(PatchFormat.detect(PatchFormat.nativeMagic) == .native)
        #expect(PatchFormat.detect(Array("hello".utf8)) == nil)
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let patchPath = directory.appendingPathComponent("p.bsdiff").path
        try Data(Array("BSDIFF40".utf8) + [1, 2, 3]).write(to: URL(fileURLWithPath: patchPath))
        #expect(throws: FileError.self) {
            try PatchFileApplier.apply(
                basePath: patchPath, patchPath: patchPath, outputPath: directory.appendingPathComponent("o").path)
        }
        // A real bsdiff patch, wrapped in xz, applies through the same entry point.
        guard Tools.available("bsdiff") else { return }
        let (old, new) = try Self.sixPair()
        let oldPath = directory.appendingPathComponent("old").path,
            newPath = directory.appendingPathComponent("new").path
        try Data(old).write(to: URL(fileURLWithPath: oldPath))
        try Data(new).write(to: URL(fileURLWithPath: newPath))
        let bsdiffPath = directory.appendingPathComponent("six.bsdiff").path
        #expect(try Tools.run("bsdiff", [oldPath, newPath, bsdiffPath]).status == 0)
        let wrapped = directory.appendingPathComponent("six.bsdiff.xz").path
        try Data(try XZEncoder().transform(Array(try Data(contentsOf: URL(fileURLWithPath: bsdiffPath))))).write(
            to: URL(fileURLWithPath: wrapped))
        let output = directory.appendingPathComponent("six.out").path
        let result = try PatchFileApplier.apply(basePath: oldPath, patchPath: wrapped, outputPath: output)
        #expect(result.format == .bsdiff40 && result.wrapping == .xz)
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == Data(new))
    }

    /// Patches made by earlier builds must keep applying: the format is a promise.
    @Test func goldenPatchesApply() throws {
        let golden = TestPaths.repositoryRoot.appendingPathComponent("Tests/DeltaCoreTests/Golden/native")
        let names = try FileManager.default.contentsOfDirectory(atPath: golden.path).filter { $0.hasSuffix(".dfpatch") }
        #expect(!names.isEmpty)
        let (old, new) = try Self.sixPair()
        for name in names {
            let patch = Array(try Data(contentsOf: golden.appendingPathComponent(name)))
            var output = [UInt8]()
            try NativePatchApplier.apply(base: InMemorySource(old), patch: InMemorySource(patch)) {
                output.append(contentsOf: $0)
            }
            #expect(output == new, "\(name)")
        }
    }
}
