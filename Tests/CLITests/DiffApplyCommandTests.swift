import Foundation
import Testing

@Suite struct DiffApplyCommandTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("diffapply-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func diffThenApplyRoundTripsCompressedTarballs() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let patch = directory.appendingPathComponent("six.dfpatch").path
        let old = Binaries.testdata("six-1.16.0.tar.gz"), new = Binaries.testdata("six-1.17.0.tar.gz")
        let diff = try Binaries.run("mkpatch", ["diff", old, new, "-o", patch])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("six.dfpatch"))
        let output = directory.appendingPathComponent("six-1.17.0.tar").path
        let apply = try Binaries.run("mkpatch", ["apply", old, patch, "-o", output])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("verified"))
        let expected = try Data(contentsOf: URL(fileURLWithPath: new))
        let decoded = try Shell.firstWord("gzip -dc '\(new)' | sha256sum")
        #expect(try Shell.firstWord("sha256sum < '\(output)'") == decoded)
        #expect(!expected.isEmpty)
    }

    @Test func applyRefusesAnotherBaseAndLeavesNoOutput() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let patch = directory.appendingPathComponent("p.dfpatch").path
        let diff = try Binaries.run(
            "mkpatch",
            ["diff", Binaries.testdata("six-1.16.0.tar.gz"), Binaries.testdata("six-1.17.0.tar.gz"), "-o", patch])
        #expect(diff.status == 0, "\(diff.stderr)")
        let output = directory.appendingPathComponent("out.tar").path
        let apply = try Binaries.run(
            "mkpatch", ["apply", Binaries.testdata("asm_9.3.orig.tar.xz"), patch, "-o", output])
        #expect(apply.status != 0)
        #expect(apply.stderr.contains("asm_9.3.orig.tar.xz"), "\(apply.stderr)")
        #expect(apply.stderr.contains("not the one this patch was made for"), "\(apply.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["p.dfpatch"])
    }

    @Test func applyRefusesGarbageWithTheFileNamed() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let garbage = directory.appendingPathComponent("garbage.patch").path
        try Data("not a patch at all".utf8).write(to: URL(fileURLWithPath: garbage))
        let output = directory.appendingPathComponent("out").path
        let apply = try Binaries.run("mkpatch", ["apply", garbage, garbage, "-o", output])
        #expect(apply.status != 0)
        #expect(apply.stderr.contains("garbage.patch"), "\(apply.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        let diff = try Binaries.run(
            "mkpatch", ["diff", directory.appendingPathComponent("missing").path, garbage, "-o", output])
        #expect(diff.status != 0)
        #expect(diff.stderr.contains("missing"), "\(diff.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
