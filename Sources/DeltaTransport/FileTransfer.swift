import DeltaCore
import Foundation

/// Copies from a `file:` mirror into a partial file, with the same limits as HTTP.
enum FileTransfer {
    /// Copies the file at `url` into the job's partial file, from the start (a local copy is
    /// cheap, so it never resumes).
    static func copy(from url: URL, job: Job, configuration: DownloadConfiguration) async throws(TransportError)
        -> TransferOutcome
    {
        let urlText = url.absoluteString
        let file: ReadableFile
        do {
            file = try ReadableFile(path: url.path)
        } catch {
            throw sourceError(error, url: urlText)
        }
        let size: UInt64
        do { size = try file.size() } catch { throw sourceError(error, url: urlText) }
        let expected = job.request.expected
        let limit = expected?.size ?? configuration.maximumUndeclaredSize
        if size > limit { throw .tooLarge(url: urlText, limit: limit, received: size) }
        if let expected, size < expected.size {
            throw .sizeMismatch(url: urlText, expected: expected.size, actual: size)
        }

        let partial = job.partial
        try partial.restart()
        job.partialIsResumable = false
        job.reporter.emit(.started(resumingAt: 0), url: url, onDisk: 0, total: size, transferred: 0)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        var offset: UInt64 = 0
        while offset < size {
            if Task.isCancelled { throw .cancelled(name: job.request.name) }
            let count = Int(min(UInt64(chunk.count), size - offset))
            do {
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: chunk[0..<count]), at: offset)
            } catch {
                throw sourceError(error, url: urlText)
            }
            try partial.append(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            offset += UInt64(count)
            job.reporter.emit(.advanced, url: url, onDisk: offset, total: size, transferred: offset)
            // Let other downloads run between chunks: this loop is on the shared executor.
            await Task.yield()
        }
        return TransferOutcome(transferred: size, resumed: false)
    }

    /// Reads a small file (a `layout.conf`): its text, or nil when it does not exist.
    static func readSmallFile(_ url: URL, limit: Int) throws(TransportError) -> String? {
        do {
            let file = try ReadableFile(path: url.path)
            let size = try file.size()
            guard size <= UInt64(limit) else {
                throw TransportError.tooLarge(url: url.absoluteString, limit: UInt64(limit), received: size)
            }
            return String(decoding: try file.prefix(Int(size)), as: UTF8.self)
        } catch let error as FileSystemError {
            if error.isNotFound { return nil }
            throw sourceError(error, url: url.absoluteString)
        } catch let error as TransportError {
            throw error
        } catch {
            throw .connection(url: url.absoluteString, reason: "\(error)")
        }
    }

    /// A failure reading the source is the source's problem: the next mirror may do better.
    private static func sourceError(_ error: FileSystemError, url: String) -> TransportError {
        if error.isNotFound || error.errno == .notDirectory { return .notFound(url: url) }
        return .connection(url: url, reason: error.description)
    }
}
