import DeltaCore
import DeltaTransport
import Foundation
import Testing

/// One download per target at a time, across tasks and processes; recovery after `kill -9`;
/// a full disk.
@Suite(.serialized) struct LockAndCrashTests {
    static let seed: UInt64 = 0x10c_4ed
    /// 1 MB: the fault server's `slow` mode needs about 2.5 s for it.
    static let bytes = seededBytes(count: 1_000_000, seed: seed)
    static let name = "locked-\(String(seed, radix: 16)).tar.xz"

    static func server() async throws -> FaultServer {
        let server = try await FaultServer()
        server.add(name, bytes)
        return server
    }

    static func digestArguments(_ expected: DigestSet) -> [String] {
        [
            "--size", "\(expected.size)", "--digest",
            expected.digests.values.map { "\($0.algorithm.rawValue.lowercased()):\($0.hex)" }.joined(separator: " "),
        ]
    }

    @Test func twoTasksForOneTargetDownloadItOnce() async throws {
        let server = try await Self.server()
        let target = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: target) }
        let request = DownloadRequest(
            name: Self.name, expected: try manifestEntry(of: Self.bytes), directory: target.path,
            mirrors: [try Mirror(server.mirror("slow"), layout: .flat)])
        var configuration = DownloadConfiguration()
        configuration.lockPollInterval = .milliseconds(20)
        // A CI machine running every suite at once can stall a transfer for long: this test is
        // about the lock, not timeouts, so give the transfer room (and allow a resumed retry).
        configuration.timeout = .seconds(120)
        let waited = EventLog()
        configuration.progress = { if $0.event == .waitingForLock { waited.append($0.name) } }
        let results = await Downloader.withDownloader(configuration: configuration) { downloader in
            await downloader.fetchAll([request, request], parallelism: 2)
        }
        let done = try results.map { try $0.get() }
        #expect(done.filter(\.alreadyPresent).count == 1)
        #expect(done.filter(\.alreadyPresent).map(\.bytesTransferred) == [0], "the waiter fetched nothing")
        #expect(try contents(of: target.appendingPathComponent(Self.name).path) == Self.bytes)
        // Downloaded once: one request from the start; any others only resume it.
        #expect(server.requests.allSatisfy { $0.path == "/slow/\(Self.name)" })
        #expect(server.requests.filter { $0.range == nil }.count == 1, "\(server.requests)")
        #expect(waited.events == [Self.name])
        #expect(TestPaths.entries(of: target) == [Self.name])
        await server.stop()
    }

    @Test func twoProcessesForOneTargetDownloadItOnce() async throws {
        let server = try await Self.server()
        let target = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: target) }
        let logs = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: logs) }
        let arguments =
            ["download", Self.name, "--into", target.path, "--mirror", server.mirror("slow")]
            + Self.digestArguments(try manifestEntry(of: Self.bytes))
        let first = try DeltaFetchBinary.start(arguments, logDirectory: logs, tag: "first")
        let second = try DeltaFetchBinary.start(arguments, logDirectory: logs, tag: "second")
        first.waitUntilExit()
        second.waitUntilExit()
        #expect(
            first.terminationStatus == 0 && second.terminationStatus == 0,
            "\(DeltaFetchBinary.stderr(in: logs, tag: "first")) \(DeltaFetchBinary.stderr(in: logs, tag: "second"))")
        let messages =
            DeltaFetchBinary.stderr(in: logs, tag: "first") + DeltaFetchBinary.stderr(in: logs, tag: "second")
        #expect(messages.contains("waiting for another download of it to finish"))
        #expect(messages.contains("already present and verified"))
        // Both processes read layout.conf (404 here), but only one fetched the file.
        #expect(server.requests.map(\.path).filter { $0.hasSuffix(Self.name) } == ["/slow/\(Self.name)"])
        #expect(try contents(of: target.appendingPathComponent(Self.name).path) == Self.bytes, "seed \(Self.seed)")
        #expect(TestPaths.entries(of: target) == [Self.name])
        await server.stop()
    }

    @Test func killNineMidDownloadThenTheNextRunResumes() async throws {
        let server = try await Self.server()
        let target = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: target) }
        let logs = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: logs) }
        let expected = try manifestEntry(of: Self.bytes)
        let process = try DeltaFetchBinary.start(
            ["download", Self.name, "--into", target.path, "--mirror", server.mirror("slow"), "--quiet"]
                + Self.digestArguments(expected),
            logDirectory: logs, tag: "killed")
        let partialPath = target.appendingPathComponent(".\(Self.name).partial").path
        // Polled without suspending: a task waiting for its turn on a cooperative pool busy
        // with other tests could wake only after the download had finished.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline && process.isRunning {
            let size =
                (try? FileManager.default.attributesOfItem(atPath: partialPath)[.size] as? NSNumber)?.intValue ?? 0
            if size >= 200_000 { break }
            usleep(20_000)
        }
        try #require(
            process.isRunning,
            "the download ended before it could be killed: \(DeltaFetchBinary.stderr(in: logs, tag: "killed"))")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(!TestPaths.entries(of: target).contains(Self.name), "no final name after kill -9")
        let kept = try #require(try FileManager.default.attributesOfItem(atPath: partialPath)[.size] as? NSNumber)
            .uint64Value
        #expect(kept >= 200_000 && kept < UInt64(Self.bytes.count))

        let result = try await Downloader.withDownloader { downloader in
            try await downloader.fetch(
                name: Self.name, expected: expected, into: target.path,
                mirrors: [try Mirror(server.mirror("serve"), layout: .flat)])
        }
        #expect(result.resumed)
        #expect(result.bytesTransferred == UInt64(Self.bytes.count) - kept)
        #expect(server.requests.last == .init(path: "/serve/\(Self.name)", range: "bytes=\(kept)-"))
        #expect(try contents(of: result.path) == Self.bytes, "seed \(Self.seed)")
        #expect(TestPaths.entries(of: target) == [Self.name], "lock, partial and sidecar are gone")
        await server.stop()
    }

    /// Whether this process may mount a tmpfs (root, outside a restricted sandbox).
    static let canMountTmpfs: Bool = {
        guard let probe = try? TestPaths.temporaryDirectory() else { return false }
        defer { try? FileManager.default.removeItem(at: probe) }
        guard mountTmpfs(at: probe, size: "64k") else { return false }
        unmount(probe)
        return true
    }()

    static func mountTmpfs(at directory: URL, size: String) -> Bool {
        guard
            let mount = try? Process.run(
                URL(fileURLWithPath: "/bin/mount"),
                arguments: ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", directory.path])
        else { return false }
        mount.waitUntilExit()
        return mount.terminationStatus == 0
    }

    static func unmount(_ directory: URL) {
        let unmount = try? Process.run(URL(fileURLWithPath: "/bin/umount"), arguments: [directory.path])
        unmount?.waitUntilExit()
    }

    @Test(.enabled(if: canMountTmpfs, "needs root to mount a 1 MiB tmpfs"))
    func fullDiskLeavesNoFileAndSaysSo() async throws {
        let mountPoint = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: mountPoint) }
        try #require(Self.mountTmpfs(at: mountPoint, size: "1m"))
        defer { Self.unmount(mountPoint) }
        let server = try await FaultServer()
        let big = seededBytes(count: 2_000_000, seed: Self.seed)
        server.add("big.tar.gz", big)
        let start = ContinuousClock.now
        await #expect {
            try await Downloader.withDownloader { downloader in
                try await downloader.fetch(
                    name: "big.tar.gz", expected: try manifestEntry(of: big), into: mountPoint.path,
                    mirrors: [
                        try Mirror(server.mirror("serve"), layout: .flat),
                        try Mirror(server.mirror("serve2"), layout: .flat),
                    ])
            }
        } throws: { error in
            guard let error = error as? TransportError, case .diskFull(let path) = error else { return false }
            return error.isDiskFull && path.hasPrefix(mountPoint.path) && "\(error)".hasSuffix("disk full")
        }
        // Loose, since this task may wait for a cooperative thread while other tests hold
        // them; the requests below show that nothing was retried.
        #expect(ContinuousClock.now - start < .seconds(25))
        #expect(TestPaths.entries(of: mountPoint) == [], "no partial, no final name, no lock")
        // A full disk is local: the second mirror was not tried.
        #expect(server.requests.map(\.path) == ["/serve/big.tar.gz"])
        await server.stop()
    }

    @Test func lockWaitsAndCanBeCancelled() async throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent(".x.lock").path
        let held = try await ExclusiveFileLock.acquire(path: path)
        let waiter = Task { try await ExclusiveFileLock.acquire(path: path, pollInterval: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        waiter.cancel()
        await #expect(throws: TransportError.cancelled(name: path)) { try await waiter.value }
        let second = Task { try await ExclusiveFileLock.acquire(path: path, pollInterval: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(50))
        held.release()
        let got = try await second.value
        #expect(FileManager.default.fileExists(atPath: path))
        got.release()
        #expect(!FileManager.default.fileExists(atPath: path), "the lock file is removed on release")
    }
}

/// Collects strings from any task.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage = [String]()
    func append(_ event: String) { lock.withLock { storage.append(event) } }
    var events: [String] { lock.withLock { storage } }
}
