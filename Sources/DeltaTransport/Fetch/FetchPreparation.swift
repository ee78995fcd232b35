import DeltaCore
import Foundation

/// Where one distfile's patch lists and Manifest come from, besides the settings' lists.
public struct DistfileSources: Sendable, Equatable {
    /// Patch lists named explicitly (`--patches`): read as given, so a missing one is an
    /// error on the command line; read before the settings' lists.
    public var patchLists: [String]
    /// A package directory of a Portage tree (`--package-dir`, or the directory of Portage's
    /// `$EBUILD`): its `patches`, its `Manifest` and the tree's `profiles/patches.global`.
    public var packageDirectory: String?
    /// The Manifest giving the distfile's size and digests; nil for the package directory's.
    public var manifestPath: String?

    /// Sources from explicit lists, a package directory and/or an explicit Manifest.
    public init(patchLists: [String] = [], packageDirectory: String? = nil, manifestPath: String? = nil) {
        self.patchLists = patchLists
        self.packageDirectory = packageDirectory
        self.manifestPath = manifestPath
    }

    /// `manifestPath`, else the package directory's Manifest.
    public var effectiveManifestPath: String? {
        manifestPath ?? packageDirectory.map { PortageTree.manifestPath(packageDirectory: $0) }
    }
}

/// How trouble with lists, the Manifest and mirrors is taken.
public enum PreparationMode: Sendable, Equatable {
    /// A person typed the command: a bad list, Manifest or mirror is an error
    /// (``FetchError/invalidRequest(_:)``, exit 64), and the Manifest must name the file.
    /// `strict` makes any malformed line fatal too.
    case commandLine(strict: Bool)
    /// Portage's FETCHCOMMAND: everything here only adds chances to patch, so any trouble is
    /// a warning and the download of `${URI}` still happens.
    case portage
}

/// A request ready for ``DistfileFetcher`` (or ``FetchPlanning``), and what was noticed on the way.
public struct PreparedFetch: Sendable {
    /// The request.
    public var request: FetchRequest
    /// Problems that did not stop the preparation (malformed lines skipped, missing lists),
    /// each naming its file and line, for the command to print.
    public var warnings: [String]
}

extension FetchRequest {
    /// Builds the request for one distfile from the resolved settings, the same way for
    /// `deltafetch plan`, `fetch` and `portage`: reads the patch lists (the package's tree's
    /// and its masters',
    /// then the settings' lists, with directories expanded; one entry per patch file, see
    /// ``PatchListMerge``), the Manifest (merged with
    /// Portage's `${DIGESTS}` when both are given: the Manifest gives the size
    /// `${DIGESTS}` lacks), the mirrors and the alternate-digest database's path.
    /// - Parameters:
    ///   - target: the distfile's name.
    ///   - distdir: the distdir (made absolute and standardised).
    ///   - outputName: the name to write (Portage's temporary name), else `target`.
    ///   - sources: the package directory and Manifest.
    ///   - settings: the effective settings.
    ///   - givenDigests: digests from the caller (Portage's `${DIGESTS}`), if any.
    ///   - distfileURL: the distfile's own URL, tried after the mirrors.
    ///   - mode: how strictly problems are taken.
    /// - Throws: ``FetchError/invalidRequest(_:)`` in ``PreparationMode/commandLine(strict:)``
    ///   for an unreadable list or Manifest, a Manifest without the file, a malformed line
    ///   when strict, or a bad mirror.
    public static func prepare(
        target: String, distdir: String, outputName: String? = nil, sources: DistfileSources,
        settings: FetchSettings, givenDigests: ExpectedDistfile? = nil, distfileURL: URL? = nil,
        mode: PreparationMode
    ) throws(FetchError) -> PreparedFetch {
        var warnings = [String]()
        let strict: Bool
        if case .commandLine(let isStrict) = mode { strict = isStrict } else { strict = false }
        let options = settings.readOptions(strict: strict)

        let (settingLists, missing) = settings.patchListFiles()
        warnings += missing.map { "patch list \($0) (from the settings) does not exist" }
        let given = sources.patchLists + settingLists
        let tree = sources.packageDirectory.map { PortageTree(packageDirectory: $0) }
        let masters = tree?.masters() ?? []
        let listPaths =
            sources.packageDirectory.map {
                PortageTree(packageDirectory: $0).patchListPaths(packageDirectory: $0, extra: given, masters: masters)
            } ?? given
        if listPaths.isEmpty { warnings.append("no patch list given or found; only a full download is possible") }

        var listed = [ListedPatchEntry]()
        for path in listPaths {
            do {
                let (list, problems) = try PatchList.load(path: path, options: options)
                warnings += problems.map(\.description)
                listed += list.listed(path: path)
            } catch {
                guard mode == .portage else { throw .invalidRequest("\(error)") }
                warnings.append("\(path): \(error); list skipped")
            }
        }
        // One entry per patch file: duplicates and contradictions between the lists are
        // resolved (stronger hashes win) and named, both lines, FILE:LINE.
        let (merged, conflicts) = PatchListMerge.merge(listed, for: target)
        warnings += conflicts.map(\.description)
        let entries = merged.map(\.entry)

        var expected = givenDigests
        if let manifestPath = sources.effectiveManifestPath {
            do {
                expected = try Self.expectation(
                    target: target, manifestPath: manifestPath, given: givenDigests,
                    options: options, warnings: &warnings, required: mode != .portage)
            } catch {
                guard mode == .portage else { throw .invalidRequest("\(error)") }
                warnings.append("\(error)")
            }
        }

        var mirrors = [Mirror]()
        for text in settings.allMirrors {
            do {
                mirrors.append(try Mirror(text))
            } catch {
                guard mode == .portage else { throw .invalidRequest("\(error)") }
                warnings.append("\(error)")
            }
        }

        let directory = URL(fileURLWithPath: distdir).standardizedFileURL.path
        let measurementsPath = ThroughputMemory.defaultPath(distdir: directory)
        let (memory, memoryWarnings) = ThroughputMemory.load(
            path: measurementsPath, now: ThroughputMemory.currentTime())
        warnings += memoryWarnings
        let linkHost = FetchRequest.linkHost(mirrors: mirrors, url: distfileURL)
        let cpuShare = settings.cpuShare.map(CPUShare.init) ?? .free
        let (policy, basis) = settings.planPolicy(memory: memory, linkHost: linkHost, cpuShare: cpuShare)
        var request = FetchRequest(
            target: target, distdir: directory, outputName: outputName, expected: expected, patchEntries: entries,
            // Portage downloads the whole file from `${URI}` alone: its own mirrors are in it.
            patchMirrors: mirrors, distfileMirrors: mode == .portage ? [] : mirrors,
            distfileURL: distfileURL, policy: policy)
        request.alternateDatabase = settings.alternateDatabase(distdir: directory)
        request.mirrorAliases = tree?.thirdPartyMirrors(masters: masters) ?? [:]
        if !settings.gentooMirrors.isEmpty {
            request.mirrorAliases["gentoo"] = settings.gentooDistfileMirrors + (request.mirrorAliases["gentoo"] ?? [])
        }
        request.sharedDatabase = settings.sharedDatabase
        request.measurementsPath = measurementsPath
        request.estimateBasis = basis
        request.jobs = settings.jobs
        request.cpuShare = cpuShare
        // Soonest finished with patches to weigh and no share set: measured when a plan patches.
        if settings.cpuShare == nil, settings.preference == .time, !entries.isEmpty {
            request.cpuShareProbe = FetchRequest.CPUShareProbe(
                settings: settings, memory: memory, linkHost: linkHost,
                threads: settings.jobs ?? Recompressor.defaultJobs)
        }
        return PreparedFetch(request: request, warnings: warnings)
    }

    /// The host whose measured speed stands for the link: the first mirror's, else the
    /// distfile URL's (`file` for local sources).
    static func linkHost(mirrors: [Mirror], url: URL?) -> String? {
        (mirrors.first?.base ?? url).map(ThroughputMemory.linkKey(for:))
    }

    /// What the Manifest says the distfile must be, merged with digests given by the caller.
    private static func expectation(
        target: String, manifestPath: String, given: ExpectedDistfile?, options: MetadataReadOptions,
        warnings: inout [String], required: Bool
    ) throws -> ExpectedDistfile? {
        if !required && !FileSystem.exists(manifestPath) { return given }
        let (manifest, problems) = try Manifest.load(path: manifestPath, options: options)
        warnings += problems.map(\.description)
        guard let entry = manifest[target] else {
            if required {
                throw FetchError.invalidRequest(
                    "\(manifestPath): no DIST entry for \(target), so its size and digests are unknown")
            }
            return given
        }
        guard let given else { return ExpectedDistfile(entry.digests) }
        // The Manifest adds the size, but only when it agrees with what was given.
        return given.matches(entry.digests)
            ? ExpectedDistfile(size: entry.digests.size, digests: given.digests.values) : given
    }
}

extension ThroughputMemory {
    /// The key a source URL's link is remembered under: its lowercased host and port, or `file`.
    public static func linkKey(for url: URL) -> String {
        guard url.scheme?.lowercased() != "file", let host = url.host, !host.isEmpty else { return "file" }
        let name = host.lowercased().filter { $0 != " " && $0 != "\n" }
        return url.port.map { "\(name):\($0)" } ?? name
    }
}
