import DeltaCore
import DeltaTransport
import Foundation
import Synchronization
import Testing

/// Downloads from a real nginx on 127.0.0.1: flat and GLEP 75 mirrors, failover,
/// verification, the size cap, and Range resume across mirrors.
@Suite(.enabled(if: NginxServer.available, "needs /usr/sbin/nginx (apt-get install nginx)"), .serialized)
final class NginxDownloadTests {
    /// The served tree, the server, and the directory downloads go to; one set per test.
    let root: URL
    let nginx: NginxServer
    let target: URL

    init() throws {
        root = try Self.makeTree()
        nginx = try NginxServer(root: root)
        target = try TestPaths.temporaryDirectory()
    }

    deinit {
        nginx.stop()
        try? FileManager.default.removeItem(at: root)
        try? FileManager.default.removeItem(at: target)
    }

    /// Fetches `name` from nginx's `mirrors` (paths under it) into ``target``.
    func fetch(_ name: String, expected: DigestSet, mirrors: [String], layout: MirrorLayout? = .flat) async throws
        -> DownloadResult
    {
        let list = try mirrors.map { try Mirror(nginx.url($0), layout: layout) }
        return try await Downloader.withDownloader(configuration: Self.quickConfiguration()) { downloader in
            try await downloader.fetch(name: name, expected: expected, into: target.path, mirrors: list)
        }
    }

    /// The SHA256 digests published in testdata/SHA256SUMS (made by sha256sum).
    static func published(_ name: String) throws -> DigestSet {
        let text = try String(contentsOfFile: TestPaths.testdata("SHA256SUMS"), encoding: .utf8)
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count == 2, parts[1] == name {
                let size =
                    try FileManager.default.attributesOfItem(atPath: TestPaths.testdata(name))[.size] as! NSNumber
                return DigestSet(size: size.uint64Value, digests: [try Digest(algorithm: .sha256, hex: parts[0])])
            }
        }
        throw TransportError.notFound(url: name)
    }

    /// A served tree: `flat/` with the testdata files, `glep/` in the GLEP 75 layout (the
    /// directories computed by Python's hashlib, see MirrorLayoutTests), `big/` with a file
    /// larger than the testdata one of the same name.
    static func makeTree() throws -> URL {
        let root = try TestPaths.temporaryDirectory()
        let fm = FileManager.default
        let names = ["six-1.16.0.tar.gz": "38", "six-1.17.0.tar.gz": "1c", "asm_9.3.orig.tar.xz": "1d"]
        for sub in ["flat", "glep", "big"] {
            try fm.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        for (name, hashDir) in names {
            try fm.copyItem(atPath: TestPaths.testdata(name), toPath: root.appendingPathComponent("flat/\(name)").path)
            try fm.createDirectory(
                at: root.appendingPathComponent("glep/\(hashDir)"), withIntermediateDirectories: true)
            try fm.copyItem(
                atPath: TestPaths.testdata(name), toPath: root.appendingPathComponent("glep/\(hashDir)/\(name)").path)
        }
        try "[structure]\n0=filename-hash BLAKE2B 8\n1=flat\n".write(
            to: root.appendingPathComponent("glep/layout.conf"), atomically: true, encoding: .utf8)
        let big = try contents(of: TestPaths.testdata("six-1.17.0.tar.gz")) + [UInt8](repeating: 0, count: 4096)
        try Data(big).write(to: root.appendingPathComponent("big/six-1.17.0.tar.gz"))
        return root
    }

    static func quickConfiguration() -> DownloadConfiguration {
        var configuration = DownloadConfiguration()
        configuration.timeout = .seconds(5)
        configuration.retries = 0
        configuration.retryDelay = .milliseconds(10)
        return configuration
    }

    @Test func flatMirrorDownloadIsVerifiedAndRenamed() async throws {
        let expected = try Self.published("six-1.17.0.tar.gz")
        let result = try await fetch("six-1.17.0.tar.gz", expected: expected, mirrors: ["/flat"], layout: nil)
        #expect(try contents(of: result.path) == contents(of: TestPaths.testdata("six-1.17.0.tar.gz")))
        #expect(result.bytesTransferred == expected.size)
        #expect(!result.resumed && !result.alreadyPresent)
        #expect(result.url?.absoluteString == nginx.url("/flat/six-1.17.0.tar.gz"))
        #expect(TestPaths.entries(of: target) == ["six-1.17.0.tar.gz"])
        // No layout.conf on this mirror: one 404 for it, then the flat path.
        #expect(
            nginx.requests().map { "\($0.uri) \($0.status)" } == [
                "/flat/layout.conf 404", "/flat/six-1.17.0.tar.gz 200",
            ])
    }

    @Test func glep75MirrorIsReadThroughItsLayoutConf() async throws {
        let mirror = try Mirror(nginx.url("/glep"))
        let results = try await Downloader.withDownloader(configuration: Self.quickConfiguration()) { downloader in
            #expect(
                try await downloader.layout(of: mirror)
                    == MirrorLayout([.filenameHash(algorithm: .blake2b, cutoffs: [8]), .flat]))
            var results = [DownloadResult]()
            for name in ["six-1.16.0.tar.gz", "six-1.17.0.tar.gz"] {
                results.append(
                    try await downloader.fetch(
                        name: name, expected: try Self.published(name), into: target.path, mirrors: [mirror]))
            }
            return results
        }
        #expect(results.map { $0.url?.path } == ["/glep/38/six-1.16.0.tar.gz", "/glep/1c/six-1.17.0.tar.gz"])
        // layout.conf is read once per downloader, and the flat fallback is never needed.
        #expect(
            nginx.requests().map { "\($0.uri) \($0.status)" }
                == ["/glep/layout.conf 200", "/glep/38/six-1.16.0.tar.gz 200", "/glep/1c/six-1.17.0.tar.gz 200"])
        #expect(TestPaths.entries(of: target) == ["six-1.16.0.tar.gz", "six-1.17.0.tar.gz"])
    }

    @Test func missingFileFailsOverToTheNextMirrorAndPresentFileIsNotFetchedAgain() async throws {
        let expected = try Self.published("asm_9.3.orig.tar.xz")
        let mirrors = [try Mirror(nginx.url("/nowhere"), layout: .flat), try Mirror(nginx.url("/glep"))]
        try await Downloader.withDownloader(configuration: Self.quickConfiguration()) { downloader in
            let first = try await downloader.fetch(
                name: "asm_9.3.orig.tar.xz", expected: expected, into: target.path, mirrors: mirrors)
            #expect(first.mirror == mirrors[1])
            #expect(first.url?.path == "/glep/1d/asm_9.3.orig.tar.xz")
            let second = try await downloader.fetch(
                name: "asm_9.3.orig.tar.xz", expected: expected, into: target.path, mirrors: mirrors)
            #expect(second.alreadyPresent && second.bytesTransferred == 0 && second.url == nil)
        }
        #expect(
            nginx.requests().map { "\($0.uri) \($0.status)" }
                == ["/nowhere/asm_9.3.orig.tar.xz 404", "/glep/layout.conf 200", "/glep/1d/asm_9.3.orig.tar.xz 200"])
    }

    @Test func digestMismatchNamesURLAndLeavesNothingBehind() async throws {
        // six-1.16.0's real size with six-1.17.0's digest: the size fits, the digest does not.
        var expected = try Self.published("six-1.17.0.tar.gz")
        expected.size = try Self.published("six-1.16.0.tar.gz").size
        let url = nginx.url("/flat/six-1.16.0.tar.gz")
        await #expect {
            try await self.fetch("six-1.16.0.tar.gz", expected: expected, mirrors: ["/flat"])
        } throws: { error in
            guard case let .allSourcesFailed(name, attempts) = error as? TransportError, name == "six-1.16.0.tar.gz",
                case let .digestMismatch(failedURL, algorithm, want, have)? = attempts.first
            else { return false }
            return failedURL == url && algorithm == .sha256 && want == expected[.sha256]!.hex
                && have == "1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926"
                && "\(error)".contains(url) && "\(error)".contains("SHA256")
        }
        #expect(TestPaths.entries(of: target) == [])
    }

    @Test func fileLargerThanExpectedIsRefusedBeforeItsBody() async throws {
        let expected = try Self.published("six-1.17.0.tar.gz")
        await #expect {
            try await self.fetch("six-1.17.0.tar.gz", expected: expected, mirrors: ["/big"])
        } throws: { error in
            guard case let .allSourcesFailed(_, attempts) = error as? TransportError,
                case let .tooLarge(_, limit, received)? = attempts.first
            else { return false }
            return limit == expected.size && received == expected.size + 4096
        }
        #expect(TestPaths.entries(of: target) == [])
    }

    @Test func partialFromADroppedMirrorIsResumedWithRangeFromNginx() async throws {
        let faults = try await FaultServer()
        let bytes = try contents(of: TestPaths.testdata("asm_9.3.orig.tar.xz"))
        faults.add("asm_9.3.orig.tar.xz", bytes)
        var expected = try manifestEntry(of: bytes)
        expected.digests[.sha256] = try Self.published("asm_9.3.orig.tar.xz")[.sha256]
        let result = try await Downloader.withDownloader(configuration: Self.quickConfiguration()) { downloader in
            try await downloader.fetch(
                name: "asm_9.3.orig.tar.xz", expected: expected, into: target.path,
                mirrors: [
                    try Mirror(faults.mirror("drop"), layout: .flat), try Mirror(nginx.url("/flat"), layout: .flat),
                ])
        }
        await faults.stop()
        // The dropping server sent half; the client kept what it had consumed before the drop.
        let requests = nginx.requests()
        try #require(requests.count == 1)
        let kept = try #require(UInt64(requests[0].range.dropFirst("bytes=".count).dropLast()))
        #expect(kept > 0 && kept <= UInt64(bytes.count / 2))
        #expect(result.resumed)
        #expect(result.bytesTransferred == UInt64(bytes.count) - kept)
        #expect(try contents(of: result.path) == bytes)
        #expect(
            requests == [
                .init(
                    method: "GET", uri: "/flat/asm_9.3.orig.tar.xz", status: 206,
                    range: "bytes=\(kept)-", bytes: bytes.count - Int(kept))
            ])
        #expect(TestPaths.entries(of: target) == ["asm_9.3.orig.tar.xz"])
    }

    /// Synchronous work holding every thread of the cooperative pool for longer than the
    /// timeout, while a live server streams a large file, does not time the transfer out:
    /// transfers run on their own executor, so the stall timer measures the server.
    @Test func busyCooperativePoolDoesNotTimeOutALiveServer() async throws {
        let size = 48 << 20
        try Data(count: size).write(to: root.appendingPathComponent("flat/large.bin"))
        let blockersStarted = Mutex(false)
        var configuration = Self.quickConfiguration()
        configuration.timeout = .seconds(1)
        configuration.progress = { progress in
            guard case .advanced = progress.event else { return }
            let first = blockersStarted.withLock { started in
                defer { started = true }
                return !started
            }
            guard first else { return }
            for _ in 0...ProcessInfo.processInfo.activeProcessorCount {
                Task.detached { usleep(2_500_000) }
            }
        }
        let start = ContinuousClock.now
        let result = try await Downloader.withDownloader(configuration: configuration) { downloader in
            try await downloader.fetch(
                name: "large.bin", expected: nil, into: target.path,
                mirrors: [try Mirror(nginx.url("/flat"), layout: .flat)])
        }
        #expect(blockersStarted.withLock { $0 })
        #expect(result.bytesTransferred == UInt64(size))
        #expect(TestPaths.entries(of: target) == ["large.bin"])
        print(
            "measured: \(size >> 20) MiB over a 1 s timeout while the pool was blocked for 2.5 s: \(ContinuousClock.now - start)"
        )
    }

    @Test func fileMirrorAndDirectURL() async throws {
        let expected = try Self.published("six-1.16.0.tar.gz")
        let testdata = TestPaths.repositoryRoot.appendingPathComponent("testdata").path
        try await Downloader.withDownloader(configuration: Self.quickConfiguration()) { downloader in
            let fromMirror = try await downloader.fetch(
                name: "six-1.16.0.tar.gz", expected: expected, into: target.path,
                mirrors: [try Mirror(directory: "/nonexistent-mirror"), try Mirror(directory: testdata)])
            #expect(fromMirror.bytesTransferred == expected.size)
            #expect(fromMirror.mirror == (try Mirror(directory: testdata)))
            let direct = try await downloader.fetch(
                name: "copy.tar.gz", expected: expected, into: target.path, mirrors: [],
                directURL: URL(fileURLWithPath: TestPaths.testdata("six-1.16.0.tar.gz")))
            #expect(direct.mirror == nil && direct.url?.isFileURL == true)
        }
        #expect(
            try contents(of: target.appendingPathComponent("copy.tar.gz").path)
                == contents(of: TestPaths.testdata("six-1.16.0.tar.gz")))
        #expect(TestPaths.entries(of: target) == ["copy.tar.gz", "six-1.16.0.tar.gz"])
    }
}
