import DeltaCore
import Foundation
import Testing

@Suite struct AtomicFileWriterTests {
    @Test func commitPublishesAndDropWithoutCommitLeavesNothing() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("out.bin").path
        do {
            let writer = try AtomicFileWriter(path: target)
            try writer.write(Array("partial".utf8))
            #expect(!FileManager.default.fileExists(atPath: target), "nothing under the final name before commit")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "temporary file removed")

        let writer = try AtomicFileWriter(path: target)
        try writer.write(Array("complete".utf8))
        try writer.commit()
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "complete")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.bin"])
    }

    /// A full disk is an error that says so and names the file, and leaves no partial file.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func fullDiskIsReportedAndLeavesNothing() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer {
            _ = try? Tools.run("umount", [directory.path])
            try? FileManager.default.removeItem(at: directory)
        }
        let mount = try Tools.run("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", directory.path])
        try #require(mount.status == 0, "cannot mount a tmpfs here: \(String(decoding: mount.stderr, as: UTF8.self))")
        let target = directory.appendingPathComponent("big.tar").path
        let chunk = [UInt8](repeating: 0x5a, count: 64 << 10)
        var caught: FileSystemError?
        do {
            let writer = try AtomicFileWriter(path: target)
            for _ in 0..<64 { try writer.write(chunk) }
            try writer.commit()
        } catch {
            // Every call in the block throws only FileSystemError (typed throws), so `error` is one.
            caught = error
        }
        let error = try #require(caught, "4 MiB fitted in a 256 KiB file system")
        #expect(error.isDiskFull, "\(error)")
        #expect(error.description.contains("big.tar"), "the message names the file: \(error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "no partial file left")
    }
}
