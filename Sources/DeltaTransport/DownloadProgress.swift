import DeltaCore
import Foundation
import Synchronization

/// One progress event of one download, passed to ``DownloadConfiguration/progress``.
public struct DownloadProgress: Sendable {
    /// What happened.
    public enum Event: Sendable, Equatable {
        /// Another task or process holds the target's lock; this one waits for it.
        case waitingForLock
        /// Bytes started to arrive from ``DownloadProgress/url``; `resumingAt` is non-zero when
        /// an earlier partial download is continued.
        case started(resumingAt: UInt64)
        /// More bytes arrived (at most about ten events a second per download).
        case advanced
        /// A source failed; the downloader retries it (after `delay` seconds) or moves on.
        case sourceFailed(TransportError, willRetry: Bool)
        /// The file is complete and verified under its final name.
        case finished(alreadyPresent: Bool)
        /// The download failed for good.
        case failed(TransportError)
    }

    /// The file's name.
    public var name: String
    /// The URL being read, if any.
    public var url: URL?
    /// What happened.
    public var event: Event
    /// Bytes of the file on disk so far (resumed bytes included).
    public var bytesOnDisk: UInt64
    /// The file's full size when known (expected or declared by the server).
    public var totalBytes: UInt64?
    /// Bytes received in this run.
    public var bytesTransferred: UInt64
    /// Seconds since the download started.
    public var elapsed: Double
}

/// Renders progress events for people: a redrawn status line on a terminal, plain lines
/// otherwise (one when a transfer starts, fails or ends), so that logs stay readable.
///
/// Give ``handle(_:)`` to ``DownloadConfiguration/progress``. Thread-safe.
public final class ProgressReporter: Sendable {
    private let output: @Sendable (String) -> Void
    private let interactive: Bool
    /// The downloads in flight, by name, with their latest event.
    private let state = Mutex([String: DownloadProgress]())

    /// A reporter writing to a file descriptor (standard error by default).
    /// - Parameters:
    ///   - descriptor: where to write.
    ///   - interactive: redraw a status line; by default when `descriptor` is a terminal.
    public convenience init(descriptor: Int32 = 2, interactive: Bool? = nil) {
        // Progress never stops the work: a failed write (a full disk, a closed pipe) is dropped.
        self.init(
            interactive: interactive
                ?? FileDescriptor(rawValue: descriptor, path: "descriptor \(descriptor)").isTerminal
        ) { text in
            try? Console.write(text, to: descriptor, name: "descriptor \(descriptor)")
        }
    }

    /// A reporter handing its text to `output` (for tests, or a logger).
    public init(interactive: Bool, output: @escaping @Sendable (String) -> Void) {
        self.interactive = interactive
        self.output = output
    }

    /// Renders one event.
    public func handle(_ progress: DownloadProgress) {
        let text: String? = state.withLock { active in
            var lines = [String]()
            switch progress.event {
            case .waitingForLock:
                lines.append("\(progress.name): waiting for another download of it to finish")
            case .started(let offset):
                active[progress.name] = progress
                let from = progress.url.map { " from \($0.absoluteString)" } ?? ""
                lines.append("\(progress.name): fetching\(from)" + (offset > 0 ? ", resuming at byte \(offset)" : ""))
            case .advanced:
                active[progress.name] = progress
                guard interactive else { return nil }
            case let .sourceFailed(error, willRetry):
                lines.append("\(progress.name): \(error)" + (willRetry ? "; retrying" : "; trying the next source"))
            case .finished(let present):
                active[progress.name] = nil
                lines.append(
                    present
                        ? "\(progress.name): already present and verified"
                        : "\(progress.name): \(Self.size(progress.bytesOnDisk)) verified, \(Self.size(progress.bytesTransferred)) transferred in \(String(format: "%.1f", progress.elapsed)) s"
                )
            case .failed(let error):
                active[progress.name] = nil
                lines.append("\(progress.name): failed: \(error)")
            }
            guard interactive else { return lines.map { $0 + "\n" }.joined() }
            // Clear the status line, print what is permanent, then redraw the status line.
            let status = active.keys.sorted().map { Self.status(active[$0]!) }.joined(separator: "  ")
            return "\r\u{1B}[K" + lines.map { $0 + "\n" }.joined() + status
        }
        if let text { output(text) }
    }

    /// `name 42% 1.2 MB/s` or `name 3.4 MB` when the size is unknown.
    static func status(_ progress: DownloadProgress) -> String {
        let rate = progress.elapsed > 0 ? Double(progress.bytesTransferred) / progress.elapsed : 0
        if let total = progress.totalBytes, total > 0 {
            return "\(progress.name) \(progress.bytesOnDisk * 100 / total)% \(size(UInt64(rate)))/s"
        }
        return "\(progress.name) \(size(progress.bytesOnDisk)) \(size(UInt64(rate)))/s"
    }

    /// Bytes in decimal units, as download tools print them.
    static func size(_ bytes: UInt64) -> String {
        if bytes < 1000 { return "\(bytes) B" }
        let units = ["kB", "MB", "GB", "TB"]
        var value = Double(bytes) / 1000
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return String(format: "%.1f", value) + " " + units[unit]
    }

}
