import DeltaCore
import DeltaTransport
import Foundation
import Testing

/// `fetchAll` (a chain's patches at once) and progress reporting.
@Suite(.serialized) struct ParallelAndProgressTests {
    static let seed: UInt64 = 0xfe7c_4a11
    static let files: [(name: String, bytes: [UInt8])] = (0..<4).map { index in
        ("patch-\(index).dfpatch", seededBytes(count: 150_000 + index * 1000, seed: seed &+ UInt64(index)))
    }

    @Test func fetchAllKeepsOrderAndParallelismBound() async throws {
        let server = try await FaultServer()
        for file in Self.files { server.add(file.name, file.bytes) }
        let target = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: target) }
        let mirror = try Mirror(server.mirror("slow"), layout: .flat)
        let requests = try Self.files.map {
            DownloadRequest(
                name: $0.name, expected: try manifestEntry(of: $0.bytes), directory: target.path, mirrors: [mirror])
        }
        let tracker = ConcurrencyTracker()
        var configuration = DownloadConfiguration()
        configuration.progress = { progress in
            switch progress.event {
            case .started: tracker.begin()
            case .finished, .failed: tracker.end()
            default: break
            }
        }
        let results = await Downloader.withDownloader(configuration: configuration) { downloader in
            await downloader.fetchAll(requests, parallelism: 2)
        }
        let done = try results.map { try $0.get() }
        #expect(done.map(\.name) == Self.files.map(\.name))
        for (result, file) in zip(done, Self.files) {
            #expect(try contents(of: result.path) == file.bytes, "seed \(Self.seed)")
        }
        #expect(tracker.maximum == 2)
        #expect(TestPaths.entries(of: target) == Self.files.map(\.name))
        await server.stop()
    }

    @Test func stopOnFirstFailureCancelsTheRest() async throws {
        let server = try await FaultServer()
        for file in Self.files { server.add(file.name, file.bytes) }
        let target = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: target) }
        let mirror = try Mirror(server.mirror("serve"), layout: .flat)
        var requests = [
            DownloadRequest(name: "missing.dfpatch", expected: nil, directory: target.path, mirrors: [mirror])
        ]
        requests += try Self.files.map {
            DownloadRequest(
                name: $0.name, expected: try manifestEntry(of: $0.bytes), directory: target.path, mirrors: [mirror])
        }
        let results = await Downloader.withDownloader { downloader in
            await downloader.fetchAll(requests, parallelism: 1, stopOnFirstFailure: true)
        }
        #expect(
            throws: TransportError.allSourcesFailed(
                name: "missing.dfpatch", attempts: [.notFound(url: server.mirror("serve") + "/missing.dfpatch")])
        ) {
            try results[0].get()
        }
        for (index, result) in results.enumerated().dropFirst() {
            #expect(throws: TransportError.cancelled(name: requests[index].name)) { try result.get() }
        }
        #expect(server.requests.map(\.path) == ["/serve/missing.dfpatch"])
        #expect(TestPaths.entries(of: target) == [])
        await server.stop()
    }

    @Test func reporterWritesPlainLinesOrAStatusLine() async throws {
        let server = try await FaultServer()
        let file = Self.files[0]
        server.add(file.name, file.bytes)
        let target = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: target) }
        let plain = EventLog(), terminal = EventLog()
        let plainReporter = ProgressReporter(interactive: false) { plain.append($0) }
        let terminalReporter = ProgressReporter(interactive: true) { terminal.append($0) }
        var configuration = DownloadConfiguration()
        configuration.progress = {
            plainReporter.handle($0); terminalReporter.handle($0)
        }
        let url = server.mirror("slow") + "/" + file.name
        try await Downloader.withDownloader(configuration: configuration) { downloader in
            _ = try await downloader.fetch(
                name: file.name, expected: try manifestEntry(of: file.bytes), into: target.path,
                mirrors: [try Mirror(server.mirror("slow"), layout: .flat)])
            _ = try await downloader.fetch(
                name: file.name, expected: try manifestEntry(of: file.bytes), into: target.path,
                mirrors: [try Mirror(server.mirror("slow"), layout: .flat)])
        }
        let lines = plain.events.joined().split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.first == "\(file.name): fetching from \(url)")
        #expect(lines[1].hasPrefix("\(file.name): 150.0 kB verified, 150.0 kB transferred in "))
        #expect(lines.last == "\(file.name): already present and verified")
        // On a terminal the status line is redrawn in place with a percentage and a rate.
        let screen = terminal.events.joined()
        #expect(screen.contains("\r\u{1B}[K"))
        #expect(screen.contains("\(file.name) ") && screen.contains("%") && screen.contains("/s"))
        #expect(!plain.events.joined().contains("\u{1B}"))
        await server.stop()
    }
}

/// Counts downloads in flight and remembers the most at once.
final class ConcurrencyTracker: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    private(set) var maximum = 0
    func begin() {
        lock.withLock {
            current += 1; maximum = max(maximum, current)
        }
    }
    func end() { lock.withLock { current -= 1 } }
}
