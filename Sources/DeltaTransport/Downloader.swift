import AsyncHTTPClient
import DeltaCore
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Gets files from mirrors into a directory, safely.
///
/// For each file: take the target's ``ExclusiveFileLock``; if a verified file is already there, done;
/// otherwise try each mirror in order (in its GLEP 75 layout), then the direct URL, retrying
/// transient failures with back-off and resuming with HTTP Range where it can; write into
/// `.<name>.partial`, never accept more than the expected (or declared) size, verify size and
/// digests, and only then rename to the final name. See `docs/fetching.md`.
///
/// One downloader shares one HTTP connection pool; call ``shutdown()`` when done (or use
/// ``withDownloader(configuration:_:)``).
public final class Downloader: Sendable {
    /// The settings it was made with.
    public let configuration: DownloadConfiguration
    let client: HTTPClient
    /// The process's one event loop for HTTP, never shut down (it ends with the process).
    /// Not NIO's shared group: that one sizes itself by reading cgroup and /proc files with a
    /// `try!` around `close`, and shutting a group down closes its selector with another
    /// `try!`; both trapped (SIGILL) when the fault soak made that close fail. A fixed-size
    /// group reads no such file, and one never shut down closes no selector. One loop carries
    /// a handful of parallel downloads easily.
    private static let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let layouts = LayoutCache()

    /// A downloader with its own HTTP client on an event loop of its own.
    public init(configuration: DownloadConfiguration = DownloadConfiguration()) {
        self.configuration = configuration
        let timeout = TimeAmount(configuration.timeout)
        var http = HTTPClient.Configuration(
            redirectConfiguration: configuration.maximumRedirects > 0
                ? .follow(max: configuration.maximumRedirects, allowCycles: false) : .disallow,
            timeout: .init(connect: timeout, read: timeout, write: timeout),
            decompression: .disabled
        )
        http.httpVersion = .automatic
        client = HTTPClient(eventLoopGroup: Self.eventLoops, configuration: http)
    }

    /// Closes the connection pool. Call once, after the last download.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Runs `body` with a downloader and shuts it down afterwards, also when `body` throws.
    public static func withDownloader<T>(
        configuration: DownloadConfiguration = DownloadConfiguration(),
        _ body: (Downloader) async throws -> T
    ) async rethrows -> T {
        let downloader = Downloader(configuration: configuration)
        do {
            let result = try await body(downloader)
            await downloader.shutdown()
            return result
        } catch {
            await downloader.shutdown()
            throw error
        }
    }

    /// Fetches one file; see ``fetch(_:)``.
    public func fetch(
        name: String, expected: DigestSet?, into directory: String, mirrors: [Mirror], directURL: URL? = nil
    ) async throws(TransportError) -> DownloadResult {
        try await fetch(
            DownloadRequest(
                name: name, expected: expected, directory: directory, mirrors: mirrors, directURL: directURL))
    }

    /// Fetches one file into its directory, verified, under its final name.
    /// - Returns: what was done; ``DownloadResult/alreadyPresent`` when a verified copy was there.
    /// - Throws: ``TransportError/allSourcesFailed(name:attempts:)`` with every source's error
    ///   when none served a good file; a local error (``TransportError/diskFull(path:)``,
    ///   ``TransportError/io(_:)``, ``TransportError/cancelled(name:)``) at once.
    public func fetch(_ request: DownloadRequest) async throws(TransportError) -> DownloadResult {
        let start = ContinuousClock.now
        let reporter = Reporter(name: request.name, start: start, handler: configuration.progress)
        do {
            let result = try await fetchLocked(request, start: start, reporter: reporter)
            reporter.emit(
                .finished(alreadyPresent: result.alreadyPresent), url: result.url,
                onDisk: result.digests.size, total: result.digests.size, transferred: result.bytesTransferred)
            return result
        } catch {
            reporter.emit(.failed(error), url: nil, onDisk: 0, total: request.expected?.size, transferred: 0)
            throw error
        }
    }

    /// Fetches several files, at most `parallelism` at a time (a chain's patches, say).
    /// - Parameters:
    ///   - requests: the files; two requests for the same target are safe (the second finds
    ///     the first's file).
    ///   - parallelism: downloads in flight at once (at least 1).
    ///   - stopOnFirstFailure: cancel the rest once one fails (they report ``TransportError/cancelled(name:)``).
    /// - Returns: one result per request, in the order given.
    public func fetchAll(
        _ requests: [DownloadRequest], parallelism: Int = 4, stopOnFirstFailure: Bool = false
    ) async -> [Result<DownloadResult, TransportError>] {
        var results = [Result<DownloadResult, TransportError>?](repeating: nil, count: requests.count)
        let run: @Sendable (Int) async -> (Int, Result<DownloadResult, TransportError>) = { index in
            do throws(TransportError) {
                return (index, .success(try await self.fetch(requests[index])))
            } catch {
                return (index, .failure(error))
            }
        }
        await withTaskGroup(of: (Int, Result<DownloadResult, TransportError>).self) { group in
            var pending = requests.indices.makeIterator()
            for _ in 0..<max(parallelism, 1) {
                guard let index = pending.next() else { break }
                group.addTask { await run(index) }
            }
            var failed = false
            while let (index, result) = await group.next() {
                results[index] = result
                if case .failure = result, stopOnFirstFailure, !failed {
                    failed = true
                    group.cancelAll()
                }
                if !failed, let index = pending.next() { group.addTask { await run(index) } }
            }
        }
        return results.enumerated().map { index, result in
            result ?? .failure(.cancelled(name: requests[index].name))
        }
    }

    /// The layout of a mirror: the one it was given, else its `layout.conf`, read once per
    /// downloader (flat when the mirror has none).
    public func layout(of mirror: Mirror) async throws(TransportError) -> MirrorLayout {
        if let layout = mirror.layout { return layout }
        return try await layouts.layout(for: mirror) { () async throws(TransportError) -> MirrorLayout in
            try await self.withRetries(url: mirror.layoutURL, reporter: nil) { () async throws(TransportError) in
                try await self.readLayout(of: mirror)
            }
        }
    }

    // MARK: - One file

    private func fetchLocked(_ request: DownloadRequest, start: ContinuousClock.Instant, reporter: Reporter)
        async throws(TransportError) -> DownloadResult
    {
        try FileName.validate(request.name)
        guard !request.mirrors.isEmpty || request.directURL != nil else { throw .noSources(name: request.name) }
        let directory = Paths.trimmingTrailingSlash(request.directory)
        let lock = try await ExclusiveFileLock.acquire(
            path: Paths.join(directory, "." + request.name + ".lock"),
            pollInterval: configuration.lockPollInterval,
            onWait: {
                reporter.emit(.waitingForLock, url: nil, onDisk: 0, total: request.expected?.size, transferred: 0)
            }
        )
        defer { lock.release() }
        Self.removeStaleTemporaries(of: request.name, in: directory)

        let algorithms = Self.algorithms(for: request.expected)
        let finalPath = Paths.join(directory, request.name)
        // Hashing a big file is blocking work: off the cooperative pool.
        let expected = request.expected
        if let present = try await BlockingWork.run({ () throws(TransportError) -> DigestSet? in
            try Self.verifiedExistingFile(at: finalPath, expected: expected, algorithms: algorithms)
        }) {
            return DownloadResult(
                name: request.name, path: finalPath, url: nil, mirror: nil, bytesTransferred: 0,
                resumed: false, alreadyPresent: true, seconds: Self.seconds(since: start), digests: present)
        }

        let partial = try PartialDownload(directory: directory, name: request.name, algorithms: algorithms)
        let job = Job(request: request, partial: partial, reporter: reporter)
        if let digests = try finishIfPartialIsComplete(job) {
            return DownloadResult(
                name: request.name, path: finalPath, url: nil, mirror: nil, bytesTransferred: 0,
                resumed: true, alreadyPresent: false, seconds: Self.seconds(since: start), digests: digests)
        }

        var failures = [TransportError]()
        for source in sources(of: request) {
            let urls: [URL]
            switch source {
            case .mirror(let mirror):
                do {
                    urls = try await layout(of: mirror).structures.map { mirror.url(for: request.name, structure: $0) }
                } catch {
                    if error.isLocal { throw error }
                    failures.append(error)
                    continue
                }
            case .direct(let url):
                urls = [url]
            }
            for (index, url) in urls.enumerated() {
                do {
                    let outcome = try await withRetries(url: url, reporter: reporter) {
                        () async throws(TransportError) in
                        try await self.transferAndVerify(url: url, job: job)
                    }
                    try partial.commit()
                    partial.closeFile()
                    return DownloadResult(
                        name: request.name, path: finalPath, url: url, mirror: source.mirror,
                        bytesTransferred: outcome.transferred, resumed: outcome.resumed, alreadyPresent: false,
                        seconds: Self.seconds(since: start), digests: outcome.digests)
                } catch {
                    if error.isLocal {
                        if error.isDiskFull { partial.discard() }
                        partial.closeFile()
                        throw error
                    }
                    failures.append(error)
                    reporter.emit(
                        .sourceFailed(error, willRetry: false), url: url, onDisk: partial.length,
                        total: request.expected?.size, transferred: 0)
                    // A structure further down the mirror's layout.conf is worth a try only if
                    // the preferred one lacks the file.
                    guard case .notFound = error, index + 1 < urls.count else { break }
                }
            }
        }
        if partial.length == 0 || !job.partialIsResumable { partial.discard() }
        partial.closeFile()
        throw .allSourcesFailed(name: request.name, attempts: failures)
    }

    /// A partial file that already has the expected size (the previous run was killed between
    /// the last byte and the rename) is verified without a request.
    private func finishIfPartialIsComplete(_ job: Job) throws(TransportError) -> DigestSet? {
        guard let expected = job.request.expected, job.partial.length == expected.size, expected.size > 0,
            job.partial.loadMetadata()?.expectation == job.expectation
        else { return nil }
        try job.partial.hashExistingBytes()
        let digests = try job.partial.finish()
        do {
            try Self.verify(digests, against: expected, source: job.partial.path)
        } catch {
            try job.partial.restart()
            return nil
        }
        try job.partial.commit()
        job.partial.closeFile()
        return digests
    }

    /// Retries `body` after transient failures, with doubling back-off. Each try runs on the
    /// ``TransferExecutor``, so a busy cooperative pool cannot make a live server time out.
    func withRetries<T>(url: URL, reporter: Reporter?, _ body: () async throws(TransportError) -> T)
        async throws(TransportError) -> T
    {
        var retry = 0
        while true {
            do {
                return try await withTaskExecutorPreference(TransferExecutor.shared) {
                    () async throws(TransportError) -> T in
                    try await body()
                }
            } catch {
                guard !error.isLocal, error.isTransient, retry < configuration.retries else { throw error }
                reporter?.emit(.sourceFailed(error, willRetry: true), url: url, onDisk: 0, total: nil, transferred: 0)
                let delay = configuration.retryDelay * (1 << min(retry, 10))
                retry += 1
                do { try await Task.sleep(for: delay) } catch { throw .cancelled(name: url.lastPathComponent) }
            }
        }
    }

    /// One try at one URL: bytes into the partial file, then size and digests checked.
    /// Bytes kept from an earlier run (maybe another mirror's) may be the bad ones, so a
    /// resumed file that fails verification is fetched once more from the start before the
    /// source is blamed.
    private func transferAndVerify(url: URL, job: Job) async throws(TransportError) -> TransferOutcome {
        while true {
            var outcome: TransferOutcome
            if url.isFileURL {
                outcome = try await FileTransfer.copy(from: url, job: job, configuration: configuration)
            } else {
                outcome = try await HTTPTransfer(client: client, configuration: configuration).transfer(
                    from: url, job: job)
            }
            let digests = try job.partial.finish()
            do {
                try Self.verify(digests, against: job.request.expected, source: url.absoluteString)
            } catch {
                try job.partial.restart()
                if outcome.resumed { continue }
                throw error
            }
            outcome.digests = digests
            return outcome
        }
    }

    // MARK: - Helpers

    private enum Source {
        case mirror(Mirror)
        case direct(URL)
        var mirror: Mirror? { if case .mirror(let mirror) = self { mirror } else { nil } }
    }

    private func sources(of request: DownloadRequest) -> [Source] {
        request.mirrors.map(Source.mirror) + (request.directURL.map { [Source.direct($0)] } ?? [])
    }

    private func readLayout(of mirror: Mirror) async throws(TransportError) -> MirrorLayout {
        let url = mirror.layoutURL
        let text: String?
        if mirror.isLocal {
            text = try FileTransfer.readSmallFile(url, limit: LayoutCache.maximumSize)
        } else {
            text = try await HTTPTransfer(client: client, configuration: configuration).readSmallFile(
                url, limit: LayoutCache.maximumSize)
        }
        guard let text else { return .flat }
        return try MirrorLayout(parsing: text, source: url.absoluteString)
    }

    /// The algorithms to compute: the expected ones, or Gentoo's Manifest pair.
    static func algorithms(for expected: DigestSet?) -> [DigestAlgorithm] {
        let wanted = expected.map { Array($0.digests.keys) } ?? []
        return wanted.isEmpty ? [.blake2b, .sha512] : wanted.sorted(by: >)
    }

    /// Checks size, then every expected digest, strongest first.
    static func verify(_ actual: DigestSet, against expected: DigestSet?, source: String) throws(TransportError) {
        guard let expected else { return }
        guard actual.size == expected.size else {
            throw .sizeMismatch(url: source, expected: expected.size, actual: actual.size)
        }
        for algorithm in expected.digests.keys.sorted(by: >) {
            let want = expected.digests[algorithm]!
            guard let have = actual[algorithm], have == want else {
                throw .digestMismatch(
                    url: source, algorithm: algorithm, expected: want.hex,
                    actual: actual[algorithm]?.hex ?? "not computed")
            }
        }
    }

    /// The digests of the file at `path` if it is there and matches `expected` (any file
    /// there is taken when nothing is expected); nil when it must be fetched.
    static func verifiedExistingFile(at path: String, expected: DigestSet?, algorithms: [DigestAlgorithm])
        throws(TransportError) -> DigestSet?
    {
        let file: ReadableFile
        do {
            file = try ReadableFile(path: path)
        } catch {
            if error.isNotFound { return nil }
            throw .local(error)
        }
        if let expected, (try? file.size()) != expected.size { return nil }
        var digest: MultiDigest
        do { digest = try MultiDigest(algorithms) } catch { preconditionFailure("digest setup: \(error)") }
        do {
            try file.forEachChunk { digest.update($0) }
        } catch let error as FileSystemError {
            throw .local(error)
        } catch {
            throw .io(FileSystemError(.read, path: path, detail: "\(error)"))
        }
        let digests = digest.finalize()
        guard (try? verify(digests, against: expected, source: path)) != nil else { return nil }
        return digests
    }

    /// Deletes what interrupted downloads of `name` left in `directory` (a partial file and
    /// its sidecar, sidecar temporaries, a lock file whose unlink failed), once the file is in
    /// place by other means. Skipped while another download of it holds its lock.
    static func removeLeftovers(of name: String, in directory: String) {
        guard let lock = try? ExclusiveFileLock.tryAcquire(path: Paths.join(directory, "." + name + ".lock")) else {
            return
        }
        removeStaleTemporaries(of: name, in: directory)
        PartialDownload.removeLeftover(directory: directory, name: name)
        lock.release()  // which deletes the lock file
    }

    /// Deletes the download lock files in `directory` that no live download holds: a run
    /// killed, or whose unlink failed, leaves its lock file behind (the lock itself dies with it).
    static func removeStaleLocks(in directory: String) {
        guard let entries = try? FileSystem.entries(in: directory) else { return }
        for entry in entries where entry.hasPrefix(".") && entry.hasSuffix(".lock") && !entry.hasSuffix(".fetch.lock") {
            if let lock = try? ExclusiveFileLock.tryAcquire(path: Paths.join(directory, entry)) { lock.release() }
        }
    }

    /// Deletes temporary files a killed run may have left (sidecar writes in progress).
    static func removeStaleTemporaries(of name: String, in directory: String) {
        guard let entries = try? FileSystem.entries(in: directory) else { return }
        let prefix = "..\(name).partial.meta.deltafetch-"
        for entry in entries where entry.hasPrefix(prefix) {
            FileSystem.removeFileIfPresent(Paths.join(directory, entry))
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).inSeconds
    }
}

/// The state of one file's download shared by its attempts.
final class Job {
    let request: DownloadRequest
    let partial: PartialDownload
    let reporter: Reporter
    let expectation: String
    /// Whether the partial file could be continued by a later run.
    var partialIsResumable = false

    init(request: DownloadRequest, partial: PartialDownload, reporter: Reporter) {
        self.request = request
        self.partial = partial
        self.reporter = reporter
        self.expectation = ResumeMetadata.expectation(of: request.expected)
    }

    /// Whether the expected digests identify the content, so bytes from any source fit.
    var isContentAddressed: Bool { !(request.expected?.digests.isEmpty ?? true) }
}

/// What one transfer did.
struct TransferOutcome {
    var transferred: UInt64
    var resumed: Bool
    var digests = DigestSet(size: 0, digests: [Digest]())
}

/// Sends progress events for one download, throttling `advanced` ones.
final class Reporter: Sendable {
    let name: String
    let start: ContinuousClock.Instant
    let handler: (@Sendable (DownloadProgress) -> Void)?
    /// When the last `advanced` event went out: transfers of one download may report from
    /// different threads (a retry, a mirror switch).
    private let lastAdvance = Mutex<ContinuousClock.Instant?>(nil)

    init(name: String, start: ContinuousClock.Instant, handler: (@Sendable (DownloadProgress) -> Void)?) {
        self.name = name
        self.start = start
        self.handler = handler
    }

    func emit(_ event: DownloadProgress.Event, url: URL?, onDisk: UInt64, total: UInt64?, transferred: UInt64) {
        guard let handler else { return }
        if event == .advanced {
            let now = ContinuousClock.now
            let due = lastAdvance.withLock { last in
                if let previous = last, now - previous < .milliseconds(100) { return false }
                last = now
                return true
            }
            guard due else { return }
        }
        handler(
            DownloadProgress(
                name: name, url: url, event: event, bytesOnDisk: onDisk, totalBytes: total,
                bytesTransferred: transferred, elapsed: Downloader.seconds(since: start)))
    }
}

/// Mirror layouts, read once per mirror even when many downloads ask at once: the first
/// asker starts the lookup, later ones wait for the same task.
final class LayoutCache: Sendable {
    static let maximumSize = 64 << 10
    private typealias Lookup = Task<Result<MirrorLayout, TransportError>, Never>
    private let entries = Mutex([URL: Lookup]())

    func layout(for mirror: Mirror, load: @escaping @Sendable () async throws(TransportError) -> MirrorLayout)
        async throws(TransportError) -> MirrorLayout
    {
        let task = entries.withLock { entries in
            if let existing = entries[mirror.base] { return existing }
            let task = Lookup {
                do throws(TransportError) { return .success(try await load()) } catch { return .failure(error) }
            }
            entries[mirror.base] = task
            return task
        }
        let result = await task.value
        // A cancelled lookup says nothing about the mirror: forget it so a later call tries again.
        if case .failure(.cancelled) = result {
            entries.withLock { entries in
                if entries[mirror.base] == task { entries[mirror.base] = nil }
            }
        }
        return try result.get()
    }
}
