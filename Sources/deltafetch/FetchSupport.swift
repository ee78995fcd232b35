import ArgumentParser
import DeltaCore
import DeltaTransport
import Foundation
import Synchronization

/// The exit statuses of `deltafetch fetch` and `deltafetch portage`, fixed so that package
/// managers can script them (README, docs/fetching.md).
enum FetchExitStatus {
    /// The distfile is in place: rebuilt from patches, or already there.
    static let patchedOrPresent: Int32 = 0
    /// The distfile is in place, downloaded whole (patching was not possible, not worth it,
    /// or failed). `deltafetch portage` exits 0 here instead: Portage only needs the file.
    static let downloadedWhole: Int32 = 10
    /// Not rebuilt, and `--no-fallback` forbade a full download.
    static let patchingUnavailable: Int32 = 8

    /// The status for a failure (the same numbers as `deltafetch download`).
    static func of(_ error: FetchError) -> Int32 {
        switch error.kind {
        case .usage: 64
        case .patchingUnavailable: patchingUnavailable
        case .transport(let kind): DownloadCommand.exitStatus(of: kind)
        }
    }

    /// The text every fetching command's `--help` shows.
    static let help = """
        Exit status: 0 the file is in place, rebuilt from patches or already there; \
        10 the file is in place, downloaded whole (patching impossible, not worth it or failed); \
        8 not rebuilt and --no-fallback given; 3 not found on any source; 4 network failure; \
        5 a source served the wrong file; 6 local I/O error (e.g. a read-only distdir); \
        7 disk full; 64 bad arguments or settings; 130 cancelled. \
        On every failure nothing is left under the file's name.
        """
}

/// Parses mirror URL prefixes.
func parseMirrors(_ texts: [String]) throws -> [Mirror] {
    var mirrors = [Mirror]()
    for text in texts {
        do { mirrors.append(try Mirror(text)) } catch { throw ValidationError("\(error)") }
    }
    return mirrors
}

/// A source URL from the command line (`--url`, `--uri`, Portage's `${URI}`): http, https or file.
func parseSourceURL(_ text: String, option: String) throws -> URL {
    guard let parsed = URL(string: text), ["http", "https", "file"].contains(parsed.scheme?.lowercased() ?? "") else {
        throw ValidationError("\(option) \(text): not an http, https or file URL")
    }
    return parsed
}

/// Download settings from the command line or the resolved settings.
func downloadConfiguration(timeoutSeconds: Double, retries: Int) -> DownloadConfiguration {
    var configuration = DownloadConfiguration()
    configuration.timeout = .milliseconds(Int64(timeoutSeconds * 1000))
    configuration.retries = retries
    return configuration
}

/// Prints what a fetch does, one plain line per step, on standard error; on a terminal also
/// a redrawn percentage while recompressing.
final class FetchProgressPrinter: Sendable {
    private let downloads: ProgressReporter
    private let interactive: Bool
    private let lastPercent = Mutex(-1)

    init() {
        downloads = ProgressReporter()
        interactive = Console.diagnosticsAreInteractive
    }

    func handle(download progress: DownloadProgress) { downloads.handle(progress) }

    func handle(_ event: FetchEvent) {
        switch event {
        case .planned(let plan):
            if plan.isWorthIt, let base = plan.baseFile {
                let percent =
                    plan.fullSize == 0 || plan.fullSize == .max
                    ? ""
                    : String(
                        format: " (%.1f%% of the full file)", Double(plan.patchBytes) * 100 / Double(plan.fullSize))
                Console.writeDiagnostic(
                    "deltafetch: \(plan.target): patching from \(base) with \(plan.chain.count) patch(es), \(plan.patchBytes) bytes\(percent)"
                )
            }
        case let .fetchingPatches(count, bytes):
            Console.writeDiagnostic("deltafetch: fetching \(count) patch(es), \(bytes) bytes")
        case .rebuilding(let stage):
            switch stage {
            case .decompressingBase(let path): Console.writeDiagnostic("deltafetch: decompressing \(path)")
            case let .applying(index, count, patch):
                Console.writeDiagnostic("deltafetch: applying patch \(index)/\(count) \(patch)")
            case .recompressing(let format): Console.writeDiagnostic("deltafetch: recompressing (\(format.rawValue))")
            case let .recompressed(done, total):
                guard interactive, total > 0 else { return }
                let percent = Int(done * 100 / total)
                let changed = lastPercent.withLock { last in
                    defer { last = percent }
                    return last != percent
                }
                if changed {
                    Console.writeDiagnostic(
                        raw: "\rdeltafetch: recompressing \(percent)%\u{1B}[K" + (done >= total ? "\n" : ""))
                }
            }
        case let .droppingPatches(patches, reason):
            Console.writeDiagnostic("deltafetch: planning again without \(patches.joined(separator: ", ")): \(reason)")
        case .fallingBack(let reason):
            Console.writeDiagnostic("deltafetch: downloading the whole file: \(reason)")
        case .recordedAlternate(let file):
            Console.writeDiagnostic(
                "deltafetch: \(file): compressed differently from upstream; alternate digest recorded")
        }
    }
}

/// Runs one fetch and prints its outcome; returns the exit status.
/// - Throws: ``FileSystemError`` when the `--json` result cannot be written (the file may be in
///   place, but the caller never learns how it got there: that is a failure too).
func runFetch(
    _ request: FetchRequest, settings: FetchSettings, quiet: Bool,
    json: Bool, statusForDownload: Int32
) async throws -> Int32 {
    var configuration = downloadConfiguration(timeoutSeconds: settings.timeout, retries: settings.retries)
    let printer: FetchProgressPrinter? = quiet ? nil : FetchProgressPrinter()
    if let printer { configuration.progress = { printer.handle(download: $0) } }
    var events: (@Sendable (FetchEvent) -> Void)?
    if let printer { events = { event in printer.handle(event) } }
    let downloader = Downloader(configuration: configuration)
    let fetcher = DistfileFetcher(downloader: downloader, events: events)
    let outcome: Result<FetchReport, FetchError>
    do throws(FetchError) {
        outcome = .success(try await fetcher.fetch(request))
    } catch {
        outcome = .failure(error)
    }
    await downloader.shutdown()
    switch outcome {
    case .success(let report):
        if json {
            try writeResult(encodeJSON(report))
        } else if !quiet {
            Console.writeDiagnostic("deltafetch: \(report.target): \(summary(report))")
            for note in report.notes { Console.writeDiagnostic("deltafetch: note: \(note)") }
        }
        return report.action == .downloaded ? statusForDownload : FetchExitStatus.patchedOrPresent
    case .failure(let error):
        let status = FetchExitStatus.of(error)
        Console.writeDiagnostic("deltafetch: error: \(error)")
        if json {
            try writeResult(
                encodeJSON(FailureReport(target: request.target, error: error.description, exitStatus: status)))
        }
        return status
    }
}

/// Writes a result to standard output; when that fails, says so on standard error (if it
/// still works) and exits with the local-failure status: 7 for a full disk, else 6.
func writeResult(_ text: String) throws {
    do {
        try Console.writeResult(text)
    } catch {
        Console.writeDiagnostic("deltafetch: write error: \(error)")
        throw ExitCode(error.isDiskFull ? 7 : 6)
    }
}

private func summary(_ report: FetchReport) -> String {
    let seconds = String(format: "%.2f s", report.seconds)
    switch report.action {
    case .present: return "already present"
    case .downloaded: return "downloaded whole, \(report.bytesDownloaded) bytes in \(seconds)"
    case .patched, .patchedAlternate:
        let saved =
            report.fullSize.map { full in
                full > report.bytesDownloaded ? ", \(full - report.bytesDownloaded) bytes saved" : ""
            } ?? ""
        let how = report.action == .patched ? "rebuilt bit for bit" : "rebuilt (alternate digest)"
        let recompression = report.recompression.map { ", recompressed \($0)" } ?? ""
        return
            "\(how) from \(report.base ?? "?") with \(report.chain.count) patch(es): \(report.bytesDownloaded) bytes downloaded\(saved), "
            + "\(seconds)\(recompression)"
    }
}

/// The JSON printed for a failed fetch with `--json`.
struct FailureReport: Encodable {
    var action = "failed"
    var target: String
    var error: String
    var exitStatus: Int32

    enum CodingKeys: String, CodingKey {
        case action, target, error
        case exitStatus = "exit_status"
    }
}

func encodeJSON(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
}
