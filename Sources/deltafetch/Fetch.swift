import ArgumentParser
import DeltaCore
import DeltaTransport
import Foundation

/// `deltafetch fetch FILE --distdir DIR [--patches LIST]... [--manifest M] [--mirror URL]... [--uri URL]`
///
/// A distfile, by the cheapest way: rebuilt from the distdir and patches, else downloaded
/// whole as ``DownloadCommand`` (`deltafetch download`) downloads one file.
struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract:
            "Obtain a distfile: rebuilt from files in the distdir plus patches when that pays, else downloaded whole.",
        discussion: """
            Plans the cheapest chain of patches (as `deltafetch plan`), downloads its patches from \
            --mirror (patches named without a URL) in parallel, each checked against the list's \
            size and digests, decompresses the base and applies the chain (intermediate versions \
            are never recompressed), checks the content against the list, recompresses with the \
            recipe in the last patch, and compares the result with the Manifest (else with the \
            digests the patch carries). A match is renamed into the distdir. A mismatch is kept \
            under the file's name and an alternate digest recorded (GLEP 25), or with --exact \
            discarded. Anything not worth it, impossible or failing downloads the whole file from \
            the mirrors and then --uri, unless --no-fallback.

            Patch lists also come from --package-dir (its `patches` and the tree's \
            profiles/patches.global), $DELTAFETCH_PATCHES (separated by ':') and the config file \
            ($DELTAFETCH_CONFIG, default /etc/deltafetch.conf); mirrors also from \
            $DELTAFETCH_MIRRORS (separated by spaces). See docs/fetching.md.

            \(FetchExitStatus.help)

            Example:
              deltafetch fetch Django-5.0.7.tar.gz --distdir /var/cache/distfiles \\
                --patches /var/db/repos/gentoo/profiles/patches.global \\
                --manifest /var/db/repos/gentoo/dev-python/django/Manifest \\
                --mirror https://distfiles.example.org/distfiles --json
            """
    )

    @Argument(help: "The distfile wanted.")
    var file: String

    @OptionGroup var options: FetchSettingsOptions

    @Option(help: "The distdir: bases are found here and the file is written here.")
    var distdir: String

    @Option(
        name: .customLong("mirror"),
        help: "A mirror URL prefix for patches and distfiles (http, https, file); repeatable, tried in order.")
    var mirrors: [String] = []

    @Option(help: "The distfile's own URL, tried after the mirrors for a full download.")
    var uri: String?

    @Flag(help: "Accept only a bit-exact rebuild; discard any other and download the file whole.")
    var exact = false

    @Flag(help: "Never download the whole file: fail (exit 8) when it cannot be rebuilt.")
    var noFallback = false

    @Option(help: "Seconds without progress before a source counts as failed (default: the config's timeout, else 30).")
    var timeout: Double?

    @Option(help: "Retries per source after a transient failure (default: the config's retries, else 2).")
    var retries: Int?

    @Option(
        help:
            "Threads for the rebuild (default: the config's jobs, else every core); the output is the same for any number."
    )
    var jobs: Int?

    @Flag(help: "Keep the downloaded patches (in DISTDIR/.deltafetch/patches) after a rebuild.")
    var keepPatches = false

    @Flag(
        help:
            "Print one JSON object on standard output: action, bytes_downloaded, full_size, seconds, chain, alternate_recorded, …"
    )
    var json = false

    @Flag(help: "Print no progress.")
    var quiet = false

    func validate() throws {
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be positive") }
        if let retries, retries < 0 { throw ValidationError("--retries cannot be negative") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        try requireDirectory(distdir)
        let settings = try resolvedSettings(
            options.overrides { overrides in
                overrides.mirrors = mirrors
                overrides.timeout = timeout
                overrides.retries = retries
                overrides.jobs = jobs
            })
        var request = try prepareFetch(target: file, distdir: distdir, options: options, settings: settings)
        request.distfileURL = try uri.map { try parseSourceURL($0, option: "--uri") }
        request.exact = exact
        request.fallback = !noFallback
        request.keepPatches = keepPatches
        let status = try await runFetch(
            request, settings: settings, quiet: quiet, json: json,
            statusForDownload: FetchExitStatus.downloadedWhole)
        if status != 0 { throw ExitCode(status) }
    }
}
