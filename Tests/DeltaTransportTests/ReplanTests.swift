import DeltaCore
import DeltaTransport
import Foundation
import Testing

/// A patch that fails (not found, wrong bytes) is left out and the fetch plans again: another
/// chain to the same file is used before any full download.
@Suite(.serialized)
struct ReplanTests {
    static let target = FetchEndToEndTests.target
    static let patch = FetchEndToEndTests.patch

    /// The mirror's list with a first, equally cheap line for the same patch at `url`: the
    /// planner picks it first.
    static func listWithABadFirstLine(_ world: FetchWorld, url: String) throws -> String {
        let line = try String(contentsOfFile: world.mirror.patchList, encoding: .utf8).split(separator: "\n")[0]
        let bad = line.replacingOccurrences(of: " \(patch) ", with: " \(url) ")
        let path = world.distdir.deletingLastPathComponent().appendingPathComponent("patches-\(UUID().uuidString)").path
        try "\(bad)\n\(line)\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: ["/missing/\(patch)", "/flat/six-1.16.0.tar.gz"])
    func aFailedPatchIsDroppedAndAnotherChainUsed(badPath: String) throws {
        let world = try FetchWorld(try FetchEndToEndTests.sixMirror())
        let list = try Self.listWithABadFirstLine(world, url: world.server.url(badPath))
        defer { try? FileManager.default.removeItem(atPath: list) }
        let outcome = try DeltaFetchBinary.run([
            "fetch", Self.target, "--distdir", world.distdir.path, "--patches", list, "--manifest",
            world.mirror.manifest,
            "--mirror", world.server.url("/flat"), "--timeout", "10", "--retries", "0", "--json",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let report = try FetchReportJSON(outcome)
        #expect(report.action == "patched")
        #expect(report.chain == [Self.patch])
        #expect(outcome.stderr.contains("planning again without \(world.server.url(badPath))"), "\(outcome.stderr)")
        #expect(!world.servedPaths.contains("/flat/\(Self.target)"), "no full download")
        #expect(try contents(of: world.distdirFile(Self.target)) == contents(of: FetchEndToEndTests.new))
    }

    /// When every chain has failed, the full download follows, and its reason names each failure.
    @Test func whenNoChainRemainsTheFileIsDownloadedWhole() throws {
        let world = try FetchWorld(try FetchEndToEndTests.sixMirror())
        let list = try Self.listWithABadFirstLine(world, url: world.server.url("/missing/\(Self.patch)"))
        defer { try? FileManager.default.removeItem(atPath: list) }
        let outcome = try DeltaFetchBinary.run([
            "fetch", Self.target, "--distdir", world.distdir.path, "--patches", list, "--manifest",
            world.mirror.manifest,
            "--mirror", world.server.url("/nowhere"), "--uri", world.server.url("/flat/\(Self.target)"),
            "--timeout", "10", "--retries", "0", "--json",
        ])
        #expect(outcome.status == 10, "\(outcome.stderr)")
        let report = try FetchReportJSON(outcome)
        #expect(report.action == "downloaded")
        #expect(
            report.fallbackReason?.components(separatedBy: "patch download failed").count == 3,
            "\(report.fallbackReason ?? "")")
        #expect(try contents(of: world.distdirFile(Self.target)) == contents(of: FetchEndToEndTests.new))
    }
}
