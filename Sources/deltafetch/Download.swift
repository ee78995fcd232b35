import ArgumentParser
import DeltaCore
import DeltaTransport
import Foundation

/// `deltafetch download NAME --into DIR --mirror URL… [--size N --digest ALG:HEX…]`
///
/// One file from mirrors, verified, and nothing else: no patches, Manifest or distdir
/// bookkeeping. ``FetchCommand`` (`deltafetch fetch`) obtains a distfile, patched or
/// downloaded whole, and uses the same downloader for the latter.
struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Fetch one file from mirrors into a directory, verified, with failover and resume.",
        discussion: """
            Mirrors are tried in order (each in the layout its layout.conf gives, GLEP 75), then \
            --url. The file is written to a hidden partial file in DIR, checked against --size and \
            every --digest, and only then renamed to NAME. An interrupted download resumes on the \
            next run. A second run for the same file waits for the first and then finds it there.
            Progress goes to standard error; the final path to standard output.

            Exit status: 0 done, 3 not found on any source, 4 network failures, 5 a source served \
            the wrong file (size or digest), 6 local I/O error, 7 disk full, 64 bad arguments, \
            130 cancelled. See docs/fetching.md.

            Example:
              deltafetch download six-1.17.0.tar.gz --into /var/cache/distfiles \\
                --mirror https://distfiles.gentoo.org/distfiles --size 34031 \\
                --digest "blake2b:<hex> sha512:<hex>"
            """
    )

    @Argument(help: "The file's name (also its name under each mirror).")
    var name: String

    @Option(name: .customLong("into"), help: "The directory to put the file in.")
    var directory: String = "."

    @Option(name: .customLong("mirror"), help: "A mirror URL prefix (http, https, file); repeatable, tried in order.")
    var mirrors: [String] = []

    @Option(help: "A full URL to try after the mirrors.")
    var url: String?

    @Option(help: "The expected size in bytes.")
    var size: UInt64?

    @Option(
        name: .customLong("digest"),
        help: "Expected digests as ALGORITHM:HEX, space-separated or repeated (Portage's ${DIGESTS}).")
    var digests: [String] = []

    @Option(help: "Seconds without progress before a source counts as failed.")
    var timeout: Double = FetchSettings.defaultTimeout

    @Option(help: "Retries per source after a transient failure.")
    var retries: Int = FetchSettings.defaultRetries

    @Flag(help: "Print no progress.")
    var quiet = false

    func validate() throws {
        if !digests.isEmpty && size == nil { throw ValidationError("--digest needs --size") }
        if mirrors.isEmpty && url == nil { throw ValidationError("give at least one --mirror or --url") }
        if timeout <= 0 { throw ValidationError("--timeout must be positive") }
        if retries < 0 { throw ValidationError("--retries cannot be negative") }
    }

    func run() async throws {
        var expected: DigestSet?
        if let size {
            let given: ExpectedDistfile?
            do { given = try ExpectedDistfile.parse(portageDigests: digests.joined(separator: " ")) } catch {
                throw ValidationError("\(error)")
            }
            expected = DigestSet(size: size, digests: given.map { Array($0.digests.values) } ?? [])
        }
        let mirrorList = try parseMirrors(mirrors)
        let direct = try url.map { try parseSourceURL($0, option: "--url") }

        var configuration = downloadConfiguration(timeoutSeconds: timeout, retries: retries)
        if !quiet {
            let reporter = ProgressReporter()
            configuration.progress = { reporter.handle($0) }
        }
        let request = DownloadRequest(
            name: name, expected: expected, directory: directory, mirrors: mirrorList, directURL: direct)
        let outcome: Result<DownloadResult, TransportError> = await Downloader.withDownloader(
            configuration: configuration
        ) { downloader in
            do throws(TransportError) { return .success(try await downloader.fetch(request)) } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let result):
            try writeResult(result.path)
        case .failure(let error):
            Console.writeDiagnostic("deltafetch: \(error)")
            throw ExitCode(Self.exitStatus(of: error.kind))
        }
    }

    /// The exit status for a kind of failure (documented in docs/fetching.md).
    static func exitStatus(of kind: TransportError.Kind) -> Int32 {
        switch kind {
        case .notFound: 3
        case .network: 4
        case .verification: 5
        case .localIO: 6
        case .diskFull: 7
        case .usage: 64
        case .cancelled: 130
        }
    }
}
