import ArgumentParser
import DeltaCore
import DeltaTransport
import Foundation

/// `deltafetch portage URI DISTDIR FILE [DIGESTS]`: Portage's FETCHCOMMAND and RESUMECOMMAND.
struct PortageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portage",
        abstract:
            "Portage's FETCHCOMMAND/RESUMECOMMAND: write DISTDIR/FILE, rebuilt bit for bit from patches or downloaded from URI.",
        discussion: """
            In make.conf (keep the placeholders escaped, as make.globals does):
              FETCHCOMMAND="deltafetch portage \\"\\${URI}\\" \\"\\${DISTDIR}\\" \\"\\${FILE}\\" \\"\\${DIGESTS}\\""
              RESUMECOMMAND="deltafetch portage \\"\\${URI}\\" \\"\\${DISTDIR}\\" \\"\\${FILE}\\" \\"\\${DIGESTS}\\""

            FILE is Portage's temporary name (NAME.__download__); exactly DISTDIR/FILE is \
            written, and only with a rebuild whose compressed bytes match DIGESTS (or the \
            Manifest); anything else downloads URI. Bases are the files already in DISTDIR.

            Patch lists: the ebuild's tree (from $EBUILD: its package's `patches`, the tree's \
            profiles/patches.global and those of the masters its metadata/layout.conf names), \
            $DELTAFETCH_PATCHES (files or directories, separated by ':') and the config file \
            ($DELTAFETCH_CONFIG, default /etc/deltafetch.conf). Patches named without a URL come \
            from $DELTAFETCH_MIRRORS (URL prefixes, separated by spaces), then from each \
            $GENTOO_MIRRORS entry's distfiles/; mirror://NAME/ URLs from the tree's \
            profiles/thirdpartymirrors. require-strong-hashes (config) or \
            $DELTAFETCH_REQUIRE_STRONG_HASHES refuses MD5-only lines. Problems with these \
            settings are warnings: the fetch then downloads URI.

            Exit status: 0 DISTDIR/FILE was written (rebuilt or downloaded) or was already \
            complete; otherwise as `deltafetch fetch` (3 not found, 4 network, 5 wrong file, \
            6 local I/O, 7 disk full, 64 bad arguments, 130 cancelled). Portage checks the \
            file's size and digests itself.
            """
    )

    @Argument(help: "The URL Portage would download (${URI}).")
    var uri: String

    @Argument(help: "The real distdir (${DISTDIR}).")
    var distdir: String

    @Argument(help: "The file name to write in the distdir (${FILE}, e.g. foo-1.0.tar.gz.__download__).")
    var file: String

    @Argument(help: "The Manifest's digests (${DIGESTS}: 'blake2b:<hex> sha512:<hex>'; may be empty).")
    var digests: String = ""

    /// Portage's suffix for the file being downloaded.
    static let temporarySuffix = ".__download__"

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let target = file.hasSuffix(Self.temporarySuffix) ? String(file.dropLast(Self.temporarySuffix.count)) : file
        let url = try parseSourceURL(uri, option: "URI")
        let given: ExpectedDistfile?
        do { given = try ExpectedDistfile.parse(portageDigests: digests) } catch { throw ValidationError("\(error)") }

        // Settings and lists only add chances to patch: any trouble with them is a warning,
        // and the download of URI still happens.
        let settings: FetchSettings
        do {
            settings = try FetchSettings.load(environment: environment)
        } catch {
            Console.writeDiagnostic("deltafetch: warning: \(error); using the environment's settings only")
            settings = FetchSettings.fromEnvironment(environment)
        }
        let packageDirectory = environment["EBUILD"].flatMap {
            $0.isEmpty ? nil : ($0 as NSString).deletingLastPathComponent
        }
        let prepared: PreparedFetch
        do {
            prepared = try FetchRequest.prepare(
                target: target, distdir: distdir, outputName: file,
                sources: DistfileSources(packageDirectory: packageDirectory),
                settings: settings, givenDigests: given, distfileURL: url, mode: .portage)
        } catch {
            // Portage mode turns every problem into a warning; only a bad name is left.
            Console.writeDiagnostic("deltafetch: error: \(error)")
            throw ExitCode(64)
        }
        for warning in prepared.warnings { Console.writeDiagnostic("deltafetch: warning: \(warning)") }
        var request = prepared.request
        request.exact = true
        let status = try await runFetch(
            request, settings: settings, quiet: false, json: false,
            statusForDownload: FetchExitStatus.patchedOrPresent)
        if status != 0 { throw ExitCode(status) }
    }
}
