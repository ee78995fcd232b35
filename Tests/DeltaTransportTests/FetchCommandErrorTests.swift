import DeltaCore
import Foundation
import Testing

/// `deltafetch fetch` on bad arguments and settings: a message naming the file (and line),
/// exit 64, nothing written.
struct FetchCommandErrorTests {
    static func world() throws -> (directory: URL, list: String, manifest: String) {
        let directory = try TestPaths.temporaryDirectory()
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("distdir"), withIntermediateDirectories: true)
        let list = directory.appendingPathComponent("patches").path
        let manifest = directory.appendingPathComponent("Manifest").path
        try "# a comment\nMD5 not-a-line\n".write(toFile: list, atomically: true, encoding: .utf8)
        try "DIST six-1.17.0.tar.gz 34031 BLAKE2B \(String(repeating: "0", count: 128))\n".write(
            toFile: manifest, atomically: true, encoding: .utf8)
        return (directory, list, manifest)
    }

    @Test func aMissingDistdirIsAUsageError() throws {
        let outcome = try DeltaFetchBinary.run(["fetch", "six-1.17.0.tar.gz", "--distdir", "/nonexistent/distdir"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("/nonexistent/distdir"))
    }

    @Test func aMalformedListLineIsFatalWithStrictAndNamesFileAndLine() throws {
        let (directory, list, manifest) = try Self.world()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try DeltaFetchBinary.run([
            "fetch", "six-1.17.0.tar.gz", "--distdir", directory.appendingPathComponent("distdir").path,
            "--patches", list, "--manifest", manifest, "--strict", "--no-fallback",
        ])
        #expect(outcome.status == 64, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("\(list):2:"))
        #expect(TestPaths.entries(of: directory.appendingPathComponent("distdir")).isEmpty)
    }

    @Test func withoutStrictTheLineIsAWarningAndTheRestGoesOn() throws {
        let (directory, list, manifest) = try Self.world()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try DeltaFetchBinary.run([
            "fetch", "six-1.17.0.tar.gz", "--distdir", directory.appendingPathComponent("distdir").path,
            "--patches", list, "--manifest", manifest, "--no-fallback",
        ])
        #expect(outcome.status == 8, "no patch, no fallback: \(outcome.stderr)")
        #expect(outcome.stderr.contains("warning: \(list):2:"))
    }

    @Test func aManifestWithoutTheFileIsAUsageError() throws {
        let (directory, list, manifest) = try Self.world()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try DeltaFetchBinary.run([
            "fetch", "other-1.0.tar.gz", "--distdir", directory.appendingPathComponent("distdir").path,
            "--patches", list, "--manifest", manifest,
        ])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("\(manifest): no DIST entry for other-1.0.tar.gz"))
    }

    @Test func aFileNameWithASlashIsRefused() throws {
        let (directory, _, _) = try Self.world()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try DeltaFetchBinary.run([
            "fetch", "../escape.tar.gz", "--distdir", directory.appendingPathComponent("distdir").path,
            "--uri", "http://127.0.0.1:1/escape.tar.gz",
        ])
        #expect(outcome.status == 64, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("not a plain file name"))
    }
}
