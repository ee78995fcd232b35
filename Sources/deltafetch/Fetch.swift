import ArgumentParser
import DeltaCore
import DeltaTransport
import Foundation

/// `deltafetch fetch FILE --distdir DIR [--patches LIST]... [--manifest M] [--mirror URL]... [--uri URL]`
struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Obtain a distfile: rebuilt from files in the distdir plus patches when that pays, else downloaded whole.",
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

    @OptionGroup var sources: PatchSourceOptions

    @Option(help: "The distdir: bases are found here and the file is written here.")
    var distdir: String

    @Option(name: .customLong("mirror"), help: "A mirror URL prefix for patches and distfiles (http, https, file); repeatable, tried in order.")
    var mirrors: [String] = []

    @Option(help: "The distfile's own URL, tried after the mirrors for a full download.")
    var uri: String?

    @Flag(help: "Accept only a bit-exact rebuild; discard any other and download the file whole.")
    var exact = false

    @Flag(help: "Never download the whole file: fail (exit 8) when it cannot be rebuilt.")
    var noFallback = false

    @Option(help: "Patch only when the chain costs less than this fraction of a full download (GLEP 25: 1.0).")
    var worthItRatio: Double?

    @Option(help: "What to minimise: bytes (GLEP 25) or time (download at --bandwidth against the rebuild's cost).")
    var prefer: PlanCommand.Preference = .bytes

    @Option(help: "The link's speed in bytes per second, with k, M or G (e.g. 50M); needed by --prefer time.")
    var bandwidth: String?

    @Option(help: "Seconds without progress before a source counts as failed.")
    var timeout: Double?

    @Option(help: "Retries per source after a transient failure.")
    var retries: Int?

    @Option(help: "The alternate-digest database (default: DISTDIR/.deltafetch/alternate-digests).")
    var alternateDigests: String?

    @Flag(help: "Keep the downloaded patches (in DISTDIR/.deltafetch/patches) after a rebuild.")
    var keepPatches = false

    @Flag(help: "Print one JSON object on standard output: action, bytes_downloaded, full_size, seconds, chain, alternate_recorded, …")
    var json = false

    @Flag(help: "Print no progress.")
    var quiet = false

    func validate() throws {
        if let worthItRatio, worthItRatio <= 0 { throw ValidationError("--worth-it-ratio must be above 0") }
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be positive") }
        if let retries, retries < 0 { throw ValidationError("--retries cannot be negative") }
        if prefer == .time && bandwidth == nil {
            throw ValidationError("--prefer time needs --bandwidth (the link's speed, e.g. 20M)")
        }
    }

    func run() async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: distdir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("distdir '\(distdir)' is not a directory")
        }
        let settings: FetchSettings
        do { settings = try FetchSettings.load(environment: ProcessInfo.processInfo.environment) } catch { throw ValidationError("\(error)") }
        let options = sources.readOptions
        let listPaths = sources.listPaths(settings: settings)
        // Lists and the Manifest are settings: what is wrong with them is a usage error (64).
        let entries: [PatchListEntry]
        var expected: ExpectedDistfile?
        do {
            entries = try loadPatchEntries(listPaths, options: options, fatal: true)
            if let manifestPath = sources.manifestPath {
                let (manifestFile, problems) = try Manifest.load(path: manifestPath, options: options)
                for problem in problems { warnLine("warning: \(problem)") }
                guard let entry = manifestFile[file] else {
                    throw CLIError("\(manifestPath): no DIST entry for \(file)")
                }
                expected = ExpectedDistfile(entry.digests)
            }
        } catch {
            warnLine("deltafetch: error: \(error)")
            throw ExitCode(64)
        }
        let mirrorList = try parseMirrors(mirrors + settings.mirrors)
        let url = try uri.map { try parseSourceURL($0, option: "--uri") }

        let directory = absoluteDirectory(distdir)
        var request = FetchRequest(
            target: file, distdir: directory, expected: expected, patchEntries: entries, patchMirrors: mirrorList,
            distfileMirrors: mirrorList, distfileURL: url,
            policy: PlanPolicy(worthItRatio: worthItRatio ?? settings.worthItRatio ?? 1.0,
                               preference: prefer == .time && bandwidth != nil
                                   ? try timePreference(bandwidth: bandwidth!, applySpeed: nil, recompressSpeeds: []) : .bytes),
            exact: exact, fallback: !noFallback)
        if let database = alternateDigests ?? settings.alternateDigests {
            request.alternateDatabase = AlternateDigestDatabase(path: database)
        }
        request.keepPatches = keepPatches

        let configuration = downloadConfiguration(timeoutSeconds: timeout ?? settings.timeout ?? 30,
                                                  retries: retries ?? settings.retries ?? 2)
        let status = await runFetch(request, configuration: configuration, quiet: quiet, json: json,
                                    statusForDownload: FetchExitStatus.downloadedWhole)
        if status != 0 { throw ExitCode(status) }
    }
}
