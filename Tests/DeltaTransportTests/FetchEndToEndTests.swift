import DeltaCore
import DeltaTransport
import Foundation
import Testing

/// `deltafetch fetch` end to end: patches made by the real `mkpatch create`, served by a real
/// nginx on 127.0.0.1 (flat and GLEP 75) or by the fault server, applied to a base in a
/// distdir, checked, recompressed and renamed, or replaced by a full download.
@Suite(.serialized)
struct FetchEndToEndTests {
    static let old = TestPaths.testdata("six-1.16.0.tar.gz")
    static let new = TestPaths.testdata("six-1.17.0.tar.gz")
    static let target = "six-1.17.0.tar.gz"
    static let patch = "six-1.16.0-1.17.0.tar.gz.patch"

    static func sixMirror() throws -> PreparedMirror { try PreparedMirror.shared([old, new]) }

    @Test func rebuildsBitForBitFetchingOnlyThePatch() throws {
        let world = try FetchWorld(try Self.sixMirror())
        let outcome = try world.fetch(Self.target)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let report = try FetchReportJSON(outcome)
        #expect(report.action == "patched")
        #expect(report.chain == [Self.patch])
        #expect(report.base == "six-1.16.0.tar.gz")
        #expect(report.bytesDownloaded == world.mirror.size(of: Self.patch))
        #expect(report.fullSize == world.mirror.size(of: Self.target))
        #expect(report.alternateRecorded == false)
        #expect(try contents(of: world.distdirFile(Self.target)) == contents(of: Self.new))
        #expect(world.servedPaths == ["/flat/\(Self.patch)"], "the patch, not the tarball, was fetched")
        #expect(world.distdirNames == ["six-1.16.0.tar.gz", Self.target], "no scratch or lock files left")
        #expect(
            TestPaths.entries(of: world.distdir.appendingPathComponent(".deltafetch/patches")) == [],
            "patch deleted after use")

        let again = try world.fetch(Self.target)
        #expect(again.status == 0)
        #expect(try FetchReportJSON(again).action == "present")
        #expect(world.servedPaths.count == 1, "nothing fetched the second time")
    }

    @Test func glep75MirrorServesThePatch() throws {
        let world = try FetchWorld(try Self.sixMirror())
        let outcome = try world.fetch(Self.target, mirrorPath: "/glep")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try FetchReportJSON(outcome).action == "patched")
        let patchPath = "/glep/" + MirrorLayout.gentoo.relativePath(for: Self.patch)
        #expect(world.servedPaths == ["/glep/layout.conf", patchPath])
        #expect(try contents(of: world.distdirFile(Self.target)) == contents(of: Self.new))
    }

    /// The in-process stand-in serves what nginx does (GLEP 75 layout, Range), so the suites
    /// run on a machine without nginx; checked here even where nginx is installed.
    @Test func theInProcessServerStandsInForNginx() throws {
        let world = try FetchWorld(try Self.sixMirror(), inProcessServer: true)
        let outcome = try world.fetch(Self.target, mirrorPath: "/glep")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try FetchReportJSON(outcome).action == "patched")
        #expect(
            world.servedPaths == ["/glep/layout.conf", "/glep/" + MirrorLayout.gentoo.relativePath(for: Self.patch)])
        #expect(try contents(of: world.distdirFile(Self.target)) == contents(of: Self.new))
        let empty = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: empty) }
        let whole = try DeltaFetchBinary.run([
            "download", Self.target, "--into", empty.path, "--mirror", world.server.url("/flat"), "--quiet",
        ])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(try contents(of: empty.appendingPathComponent(Self.target).path) == contents(of: Self.new))
    }

    @Test func aBadPatchMirrorFailsOverToTheNext() async throws {
        let world = try FetchWorld(try Self.sixMirror())
        let fault = try await FaultServer()
        fault.add(Self.patch, try contents(of: world.mirror.flat.appendingPathComponent(Self.patch).path))
        let outcome = try DeltaFetchBinary.run([
            "fetch", Self.target, "--distdir", world.distdir.path, "--patches", world.mirror.patchList,
            "--manifest", world.mirror.manifest, "--mirror", fault.mirror("wrong"), "--mirror",
            world.server.url("/flat"),
            "--retries", "0", "--json",
        ])
        await fault.stop()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try FetchReportJSON(outcome).action == "patched")
        #expect(fault.requests.map(\.path) == ["/wrong/layout.conf", "/wrong/\(Self.patch)"])
        #expect(world.servedPaths == ["/flat/\(Self.patch)"])
        #expect(try contents(of: world.distdirFile(Self.target)) == contents(of: Self.new))
    }

    /// Every way a patch server can misbehave ends in a verified full download (exit 10),
    /// never in a wrong file.
    @Test(arguments: ["wrong", "404", "500", "drop", "long", "stall", "chunked-long"])
    func aBadPatchFallsBackToTheFullFile(mode: String) async throws {
        let world = try FetchWorld(try Self.sixMirror())
        let fault = try await FaultServer()
        fault.add(Self.patch, try contents(of: world.mirror.flat.appendingPathComponent(Self.patch).path))
        let outcome = try DeltaFetchBinary.run([
            "fetch", Self.target, "--distdir", world.distdir.path, "--patches", world.mirror.patchList,
            "--manifest", world.mirror.manifest, "--mirror", fault.mirror(mode),
            "--uri", world.server.url("/flat/\(Self.target)"), "--timeout", "1", "--retries", "0", "--json",
        ])
        await fault.stop()
        #expect(outcome.status == 10, "mode \(mode): \(outcome.stderr)")
        let report = try FetchReportJSON(outcome)
        #expect(report.action == "downloaded")
        #expect(report.fallbackReason?.contains(Self.patch) == true, "\(report.fallbackReason ?? "nil")")
        #expect(try contents(of: world.distdirFile(Self.target)) == contents(of: Self.new))
        #expect(world.servedPaths == ["/flat/\(Self.target)"])
        #expect(world.distdirNames == ["six-1.16.0.tar.gz", Self.target])
    }

    @Test func noFallbackFailsWithExit8AndLeavesNothing() async throws {
        let world = try FetchWorld(try Self.sixMirror())
        let fault = try await FaultServer()
        let outcome = try DeltaFetchBinary.run([
            "fetch", Self.target, "--distdir", world.distdir.path, "--patches", world.mirror.patchList,
            "--manifest", world.mirror.manifest, "--mirror", fault.mirror("404"), "--no-fallback", "--retries", "0",
            "--json",
        ])
        await fault.stop()
        #expect(outcome.status == 8, "\(outcome.stderr)")
        let report = try FetchReportJSON(outcome)
        #expect(report.action == "failed")
        #expect(report.exitStatus == 8)
        #expect(outcome.stderr.contains("no fallback allowed"))
        #expect(world.distdirNames == ["six-1.16.0.tar.gz"])
    }

    @Test func withoutPatchesItDownloadsWholeWithExit10() throws {
        let world = try FetchWorld(try Self.sixMirror())
        try FileManager.default.removeItem(atPath: world.distdirFile("six-1.16.0.tar.gz"))
        let outcome = try world.fetch(Self.target)
        #expect(outcome.status == 10, "\(outcome.stderr)")
        let report = try FetchReportJSON(outcome)
        #expect(report.action == "downloaded")
        #expect(report.fallbackReason?.contains("no chain") == true, "\(report.fallbackReason ?? "nil")")
        #expect(report.bytesDownloaded == world.mirror.size(of: Self.target))
        #expect(world.servedPaths == ["/flat/\(Self.target)"])
    }

    /// `--prefer time`: on a fast link the whole file wins, on a slow one the patch.
    @Test func preferTimeWeighsTheLinkAgainstTheRebuild() throws {
        let world = try FetchWorld(try Self.sixMirror())
        let fast = try world.fetch(Self.target, extra: ["--prefer", "time", "--bandwidth", "10G"])
        #expect(fast.status == 10, "\(fast.stderr)")
        #expect(try FetchReportJSON(fast).fallbackReason?.hasPrefix("not worth it: patching would take about") == true)
        try FileManager.default.removeItem(atPath: world.distdirFile(Self.target))
        let slow = try world.fetch(Self.target, extra: ["--prefer", "time", "--bandwidth", "10k"])
        #expect(slow.status == 0, "\(slow.stderr)")
        #expect(try FetchReportJSON(slow).action == "patched")
    }

    @Test func twoConcurrentRunsRebuildOnce() throws {
        let world = try FetchWorld(try Self.sixMirror())
        let logs = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: logs) }
        let arguments = [
            "fetch", Self.target, "--distdir", world.distdir.path, "--patches", world.mirror.patchList,
            "--manifest", world.mirror.manifest, "--mirror", world.server.url("/flat"), "--json",
        ]
        let first = try DeltaFetchBinary.start(arguments, logDirectory: logs, tag: "a")
        let second = try DeltaFetchBinary.start(arguments, logDirectory: logs, tag: "b")
        first.waitUntilExit()
        second.waitUntilExit()
        #expect(
            first.terminationStatus == 0 && second.terminationStatus == 0,
            "\(DeltaFetchBinary.stderr(in: logs, tag: "a")) \(DeltaFetchBinary.stderr(in: logs, tag: "b"))")
        let actions = try ["a", "b"].map { tag in
            try FetchReportJSON(
                .init(
                    status: 0, stdout: String(contentsOf: logs.appendingPathComponent("\(tag).out"), encoding: .utf8),
                    stderr: "")
            ).action
        }
        #expect(actions.sorted() == ["patched", "present"])
        #expect(world.servedPaths == ["/flat/\(Self.patch)"])
        #expect(try contents(of: world.distdirFile(Self.target)) == contents(of: Self.new))
    }
}
