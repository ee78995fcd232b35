import Foundation
import Testing

/// `mkpatch rebuild` when a write fails half-way through its pipeline: the failing stage's
/// error is reported, every other stage stops (no hang), and nothing is left behind.
@Suite(.timeLimit(.minutes(2))) struct RebuildFailureCommandTests {
    /// Runs `mkpatch rebuild` with files limited to `blocks` 512-byte blocks (`ulimit -f`), so
    /// that the first scratch file to grow past it fails with `EFBIG` (SIGXFSZ ignored).
    static func rebuildWithFileSizeLimit(_ arguments: [String], blocks: Int) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let command = Binaries.productsDirectory.appendingPathComponent("mkpatch").path
        process.arguments = ["-c", "trap '' XFSZ; ulimit -f \(blocks); exec \"$0\" \"$@\"", command] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: text, as: UTF8.self))
    }

    @Test(arguments: ["--sequential", "--jobs=2", "--jobs=1"])
    func aWriteErrorMidwayLeavesNothingAndDoesNotHang(mode: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rebuild-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = Binaries.testdata("six-1.16.0.tar.gz"), new = Binaries.testdata("six-1.17.0.tar.gz")
        let created = try Binaries.run("mkpatch", ["create", old, new, "-o", directory.path])
        #expect(created.status == 0, "\(created.stderr)")
        let patch = directory.appendingPathComponent("six-1.16.0-1.17.0.tar.gz.patch").path
        let output = directory.appendingPathComponent("six-1.17.0.tar.gz").path
        // 64 KiB: less than the 174 KB content, more than the patch.
        let result = try Self.rebuildWithFileSizeLimit(["rebuild", old, patch, "-o", output, mode], blocks: 128)
        #expect(result.status != 0, "\(mode): \(result.stderr)")
        #expect(result.stderr.contains("too large"), "\(mode): \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output), "\(mode)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(mode): \(leftovers)")
        // The same command without the limit rebuilds the file.
        let rebuilt = try Binaries.run("mkpatch", ["rebuild", old, patch, "-o", output, mode])
        #expect(rebuilt.status == 0, "\(mode): \(rebuilt.stderr)")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: output)) == Data(contentsOf: URL(fileURLWithPath: new)), "\(mode)"
        )
    }
}
