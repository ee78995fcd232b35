import AsyncHTTPClient
import DeltaCore
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP(S) GET into a partial file: Range resume, size limits, error mapping.
struct HTTPTransfer {
    let client: HTTPClient
    let configuration: DownloadConfiguration

    /// Fetches `url` into the job's partial file, continuing it when its sidecar allows.
    func transfer(from url: URL, job: Job) async throws(TransportError) -> TransferOutcome {
        let partial = job.partial
        let expected = job.request.expected
        let urlText = url.absoluteString

        // Decide whether the bytes already there may be continued from this URL.
        var resumeAt: UInt64 = 0
        var ifRange: String?
        if partial.length > 0, let metadata = partial.loadMetadata(), metadata.expectation == job.expectation,
            partial.length < (expected?.size ?? UInt64.max)
        {
            if metadata.url == urlText, let validator = metadata.ifRangeValidator {
                resumeAt = partial.length
                ifRange = validator
            } else if job.isContentAddressed {
                resumeAt = partial.length
            }
        }

        var request = HTTPClientRequest(url: urlText)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(name: "Accept-Encoding", value: "identity")
        if resumeAt > 0 {
            request.headers.add(name: "Range", value: "bytes=\(resumeAt)-")
            if let ifRange { request.headers.add(name: "If-Range", value: ifRange) }
        }

        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: TimeAmount(configuration.timeout))
        } catch {
            throw Self.map(error, url: urlText, job: job, configuration: configuration)
        }

        let declaredLength = response.headers.first(name: "Content-Length").flatMap { UInt64($0) }
        let total: UInt64?
        switch response.status.code {
        case 200:
            if partial.length > 0 { try partial.restart() }
            resumeAt = 0
            total = declaredLength
        case 206:
            guard resumeAt > 0 else { throw .badRange(url: urlText, reason: "206 to a request without Range") }
            let range = try Self.parseContentRange(response.headers.first(name: "Content-Range"), url: urlText)
            guard range.first == resumeAt else {
                throw .badRange(url: urlText, reason: "asked from byte \(resumeAt), got from \(range.first)")
            }
            if let declaredLength, declaredLength != range.last - range.first + 1 {
                throw .badRange(url: urlText, reason: "Content-Length \(declaredLength) does not match Content-Range")
            }
            try partial.hashExistingBytes()
            total = range.total ?? (range.last + 1)
        case 404, 410:
            throw .notFound(url: urlText)
        case 416:
            // Our partial file is not a prefix of what the server has: start over next time.
            try partial.restart()
            throw .badRange(url: urlText, reason: "range not satisfiable; starting over")
        default:
            throw .httpStatus(url: urlText, status: Int(response.status.code))
        }

        // The most bytes this file may have: the expected size, else what the server declared.
        let limit = expected?.size ?? total ?? configuration.maximumUndeclaredSize
        if let total, total > limit {
            try partial.restart()
            throw .tooLarge(url: urlText, limit: limit, received: total)
        }
        if let expected, let total, total < expected.size {
            throw .sizeMismatch(url: urlText, expected: expected.size, actual: total)
        }
        try partial.saveMetadata(
            ResumeMetadata(
                url: urlText, expectation: job.expectation,
                etag: response.headers.first(name: "ETag"), lastModified: response.headers.first(name: "Last-Modified"),
                totalSize: total))
        job.partialIsResumable =
            job.isContentAddressed
            || response.headers.first(name: "ETag").map { !$0.hasPrefix("W/") } == true
            || response.headers.first(name: "Last-Modified") != nil

        let reporter = job.reporter
        reporter.emit(
            .started(resumingAt: resumeAt), url: url, onDisk: partial.length, total: total ?? expected?.size,
            transferred: 0)
        var transferred: UInt64 = 0
        do {
            for try await buffer in response.body {
                let count = UInt64(buffer.readableBytes)
                let received = partial.length + count
                if received > limit {
                    try partial.restart()
                    throw TransportError.tooLarge(url: urlText, limit: limit, received: received)
                }
                try buffer.withUnsafeReadableBytes { (bytes) throws(TransportError) in try partial.append(bytes) }
                transferred += count
                reporter.emit(
                    .advanced, url: url, onDisk: partial.length, total: total ?? expected?.size,
                    transferred: transferred)
            }
        } catch {
            let mapped = Self.map(error, url: urlText, job: job, configuration: configuration)
            // A connection that broke before the declared end is a truncated body: say so.
            if case .connection = mapped, let end = total ?? expected?.size, partial.length < end {
                throw .truncated(url: urlText, expected: end, received: partial.length)
            }
            throw mapped
        }
        if let end = total ?? expected?.size, partial.length < end {
            throw .truncated(url: urlText, expected: end, received: partial.length)
        }
        return TransferOutcome(transferred: transferred, resumed: resumeAt > 0)
    }

    /// Reads a small file (a `layout.conf`): its text, or nil when the server has none.
    func readSmallFile(_ url: URL, limit: Int) async throws(TransportError) -> String? {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        do {
            let response = try await client.execute(request, timeout: TimeAmount(configuration.timeout))
            switch response.status.code {
            case 200:
                let body = try await response.body.collect(upTo: limit)
                return String(buffer: body)
            case 404, 410:
                return nil
            default:
                throw TransportError.httpStatus(url: url.absoluteString, status: Int(response.status.code))
            }
        } catch let error as TransportError {
            throw error
        } catch is NIOTooManyBytesError {
            throw .tooLarge(url: url.absoluteString, limit: UInt64(limit), received: UInt64(limit) + 1)
        } catch {
            throw Self.map(error, url: url.absoluteString, job: nil, configuration: configuration)
        }
    }

    /// A `Content-Range: bytes first-last/total` header (total may be `*`).
    static func parseContentRange(_ header: String?, url: String) throws(TransportError) -> (
        first: UInt64, last: UInt64, total: UInt64?
    ) {
        guard let header else { throw .badRange(url: url, reason: "206 without Content-Range") }
        let text = header.trimmingWhitespace()
        guard text.hasPrefix("bytes ") else { throw .badRange(url: url, reason: "Content-Range '\(header)'") }
        let spec = text.dropFirst(6)
        let parts = spec.split(separator: "/", maxSplits: 1)
        let bounds = parts.first?.split(separator: "-", maxSplits: 1) ?? []
        guard parts.count == 2, bounds.count == 2, let first = UInt64(bounds[0]), let last = UInt64(bounds[1]),
            last >= first
        else {
            throw .badRange(url: url, reason: "Content-Range '\(header)'")
        }
        if parts[1] == "*" { return (first, last, nil) }
        guard let total = UInt64(parts[1]), total > last else {
            throw .badRange(url: url, reason: "Content-Range '\(header)'")
        }
        return (first, last, total)
    }

    /// Maps what the HTTP stack threw to a ``TransportError``.
    static func map(_ error: any Error, url: String, job: Job?, configuration: DownloadConfiguration) -> TransportError
    {
        if let error = error as? TransportError { return error }
        let seconds = configuration.timeout.inSeconds
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .connectTimeout, .deadlineExceeded, .writeTimeout, .tlsHandshakeTimeout,
                .getConnectionFromPoolTimeout:
                return .timedOut(url: url, seconds: seconds)
            case .cancelled where Task.isCancelled:
                return .cancelled(name: job?.request.name ?? url)
            case .remoteConnectionClosed:
                return .connection(url: url, reason: "the server closed the connection")
            default:
                return .connection(url: url, reason: "\(error)")
            }
        }
        if error is CancellationError || Task.isCancelled { return .cancelled(name: job?.request.name ?? url) }
        return .connection(url: url, reason: "\(error)")
    }
}

