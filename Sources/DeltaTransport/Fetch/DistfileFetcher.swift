import DeltaCore
import Foundation

/// The GLEP 25 client: obtains one distfile, from patches when that pays, else whole.
///
/// Under one lock per target (`DISTDIR/.NAME.fetch.lock`): if a verified copy is there, done.
/// Otherwise plan the cheapest chain from files in the distdir; download its patches in
/// parallel, each checked against the list's size and digests; decompress the base and apply
/// the chain, checking each link's content against the list (a patch that cannot be
/// fetched, fails its digests or does not apply is left out and the fetch plans again, so
/// another chain gets its chance before any full download); recompress with the last
/// patch's recipe; compare the compressed file with the expected digests (else those the
/// patch records). A match is renamed into place. A mismatch is given an alternate-digest
/// entry (written and fsynced first, so that no file is ever there unvouched) and kept apart
/// in `DISTDIR/.deltafetch/alternates/` (``AlternateFiles``), or under the distfile's own
/// name in GLEP 25's shared-database mode; when the request is ``FetchRequest/exact`` it is
/// discarded. Whatever is not worth it, impossible or failing ends in a full download,
/// unless ``FetchRequest/fallback`` is off. Nothing partial or unverified ever appears under
/// a final name: scratch files live in a hidden directory of the distdir, removed by the
/// next run if a crash left them.
public final class DistfileFetcher: Sendable {
    /// The downloader used for patches and full files.
    public let downloader: Downloader
    private let events: (@Sendable (FetchEvent) -> Void)?

    /// A fetcher downloading through `downloader`, telling `events` what it does.
    public init(downloader: Downloader, events: (@Sendable (FetchEvent) -> Void)? = nil) {
        self.downloader = downloader
        self.events = events
    }

    /// Obtains `request.target` as `request.outputPath`.
    /// - Returns: what was done and what it cost.
    /// - Throws: ``FetchError``: a bad request, no patch path without fallback, a failed full
    ///   download (with why patching was not used), or a local failure (disk full, read-only
    ///   distdir). Nothing is left under the output name on any error.
    public func fetch(_ request: FetchRequest) async throws(FetchError) -> FetchReport {
        let start = ContinuousClock.now
        do {
            try FileName.validate(request.target)
            try FileName.validate(request.outputName)
        } catch {
            throw .invalidRequest(error.description)
        }
        let lock: ExclusiveFileLock
        do {
            lock = try await ExclusiveFileLock.acquire(
                path: Paths.join(request.distdir, "." + request.outputName + ".fetch.lock"),
                pollInterval: downloader.configuration.lockPollInterval)
        } catch {
            throw .local(error)
        }
        defer { lock.release() }

        var context = Context(request: request, start: start)
        // What a killed or faulted run for this target left: its work directories now (no
        // live run has them: we hold the target's lock), its download's leftovers once the
        // file is in place.
        Rebuilder.removeLeftovers(of: request.target, in: request.distdir)
        AtomicFileWriter.removeStaleTemporaries(in: request.distdir + "/.deltafetch")
        for store in [request.measurementsPath, request.digestCachePath].compactMap({ $0 }) {
            AtomicFileWriter.removeDeadWriters(of: store)
        }
        if let present = try await present(request, context: context) {
            removeLeftoversOnceInPlace(request)
            return present
        }

        // Plan, and on a failed patch plan again without it: each round leaves out at least
        // one entry, so this ends, in a rebuild or a full download.
        var current = request
        var failures = [String]()
        while true {
            let plan: Plan
            do {
                plan = try FetchPlanning.plan(&current)
            } catch {
                context.fallbackReason = (failures + ["planning failed: \(error)"]).joined(separator: "; ")
                return try await downloadWhole(request, context: &context)
            }
            events?(.planned(plan))
            if let estimate = plan.estimate, let basis = current.estimateBasis {
                context.estimate = FetchEstimate(estimate, basis: basis)
            }
            guard plan.isWorthIt, let base = plan.baseFile else {
                context.fallbackReason = (failures + [plan.explanation]).joined(separator: "; ")
                return try await downloadWhole(request, context: &context)
            }
            do {
                return try await patch(current, plan: plan, base: base, context: &context)
            } catch let failure as PatchingFailure {
                failures.append(failure.reason)
                guard !failure.edges.isEmpty else {
                    context.fallbackReason = failures.joined(separator: "; ")
                    return try await downloadWhole(request, context: &context)
                }
                events?(.droppingPatches(failure.edges.map(\.patchLocation), reason: failure.reason))
                current.patchEntries.removeAll { failure.edges.contains($0) }
            } catch let error as FetchError {
                throw error
            } catch {
                context.fallbackReason = (failures + ["\(error)"]).joined(separator: "; ")
                return try await downloadWhole(request, context: &context)
            }
        }
    }

    // MARK: - Steps

    /// What one fetch has spent and learnt so far.
    private struct Context {
        var request: FetchRequest
        var start: ContinuousClock.Instant
        var bytesDownloaded: UInt64 = 0
        var fallbackReason: String?
        var chain: [String] = []
        var base: String?
        var estimate: FetchEstimate?
        /// What this fetch measured, remembered when it ends.
        var samples: [ThroughputMemory.Sample] = []

        var seconds: Double {
            (ContinuousClock.now - start).inSeconds
        }
    }

    /// A reason to abandon a chain: without `edges` (the patch list entries at fault) for a
    /// full download, with them to plan again without those entries.
    private struct PatchingFailure: Error {
        var reason: String
        var edges: [PatchListEntry] = []
    }

    /// The report for a verified copy already in place, or nil: the file under the output
    /// name, or (unless only the exact bytes will do) a rebuilt file the alternate-digest
    /// database vouches for, apart or under the distfile's name.
    private func present(_ request: FetchRequest, context: Context) async throws(FetchError) -> FetchReport? {
        let report = { (path: String) in
            FetchReport(
                action: .present, target: request.target, path: path, bytesDownloaded: 0,
                fullSize: request.expected?.size, seconds: context.seconds)
        }
        let exists = FileSystem.exists(request.outputPath)
        guard let expected = request.expected else {
            // Nothing to check against: as the downloader does, take what is there, but never
            // a leftover under a temporary name.
            return exists && request.outputName == request.target ? report(request.outputPath) : nil
        }
        if exists, expected.matches(try await Self.digests(ofFile: request.outputPath, algorithms: expected.algorithms))
        {
            return report(request.outputPath)
        }
        guard !request.exact, request.outputName == request.target, let set = expected.digestSet else { return nil }
        let entries = (try? request.alternateDatabase.entries().entries) ?? []
        guard entries.contains(where: { $0.originalName == request.target }) else { return nil }
        let cache = DigestCache(storePath: request.digestCachePath)
        defer { try? cache.save() }
        let inventory = DistdirInventory(distdir: request.distdir, cache: cache, alternates: entries)
        guard let relative = try? inventory.vouchedAlternate(of: request.target, original: set) else { return nil }
        return report(Paths.join(request.distdir, relative))
    }

    /// Downloads the chain, rebuilds, judges and publishes. Throws ``PatchingFailure`` (or
    /// any error) to fall back, ``FetchError`` to stop.
    private func patch(_ request: FetchRequest, plan: Plan, base: String, context: inout Context) async throws
        -> FetchReport
    {
        context.base = base
        context.chain = plan.chain.map(\.patchLocation)
        let downloads = try await downloadPatches(plan.chain, request: request, context: &context)
        let patchPaths = downloads.map(\.path)
        let recipe = patchPaths.last.flatMap { Rebuilder.recipe(ofPatch: $0) }
        let costFactor = recipe?.recompressionCostFactor ?? 1
        let timeAware = try recheckAfterPatchDownload(
            plan: plan, request: request, downloads: downloads, recipe: recipe, costFactor: costFactor)
        let links = zip(plan.chain, patchPaths).map { ChainLink(patchPath: $1, expectedContent: $0.target.digests) }

        let rebuilt: RebuiltDistfile
        let timing = RebuildTiming()
        // Soonest finished: a rebuild that falls far behind a plain download is given up.
        let deadline = timeAware.flatMap { timeAware in
            request.expected?.size.map {
                RebuildDeadline(downloadSeconds: timeAware.model.downloadSeconds($0), rule: request.rebuildDeadline)
            }
        }
        do {
            rebuilt = try await BlockingWork.run { [events] in
                try Rebuilder.rebuild(
                    basePath: Paths.join(request.distdir, base), chain: links, targetName: request.target,
                    in: request.distdir,
                    digesting: DigestAlgorithm.allCases, jobs: request.jobs ?? Recompressor.defaultJobs,
                    cancellation: deadline?.cancellation,
                    progress: { stage in
                        timing.note(stage)
                        deadline?.observe(stage)
                        events?(.rebuilding(stage))
                    })
            }
            context.samples += timing.samples(
                contentBytes: rebuilt.content.size, parallel: rebuilt.parallelism.isParallel,
                cpuShare: request.cpuShare, costFactor: costFactor)
        } catch RebuildError.cancelled where deadline?.reason != nil {
            // The patches are sound; the machine was too slow. What it ran at is remembered.
            context.samples += timing.samplesOfUnfinishedRebuild(
                parallel: timeAware?.parallel ?? true, cpuShare: request.cpuShare, costFactor: costFactor)
            throw PatchingFailure(reason: deadline?.reason ?? "the rebuild was cancelled")
        } catch {
            if let local = Self.localFailure(error) { throw FetchError.local(local) }
            // A patch that verified against the list but does not apply is useless next time too.
            if !request.keepPatches { patchPaths.forEach { FileSystem.removeFileIfPresent($0) } }
            throw PatchingFailure(
                reason: "rebuild failed: \(error)",
                edges: Self.culprits(of: error, chain: plan.chain, patchPaths: patchPaths))
        }

        let reference = request.expected ?? rebuilt.recordedTarget.map(ExpectedDistfile.init)
        var notes = [String]()
        var action = FetchReport.Action.patched
        var recorded = false
        var outputPath = request.outputPath
        if let reference, !reference.matches(rebuilt.compressed) {
            let difference =
                "the recompressed file (\(rebuilt.compressed.size) bytes) differs from the expected one"
                + (reference.size.map { " (\($0) bytes)" } ?? "")
            guard !request.exact, request.outputName == request.target, let original = reference.digestSet else {
                // Another last patch may carry a recipe that gives the exact bytes.
                throw PatchingFailure(
                    reason: difference + "; only the exact file is accepted", edges: [plan.chain[plan.chain.count - 1]])
            }
            // GLEP 25: keep it, and record that its digests stand for the original's: the
            // entry first (fsynced), then the rename, so that a crash between leaves a line
            // `clean` drops, never a file nothing vouches for.
            let last = plan.chain[plan.chain.count - 1]
            let destination = request.alternatePath
            outputPath = destination
            do {
                let proof = try VerifiedContent(
                    expected: last.target.digests, actual: rebuilt.content, file: request.target)
                if !request.sharedDatabase { try AlternateFiles.createDirectory(distdir: request.distdir) }
                // With the patch's record of the original's MD5, so that GLEP 25 readers can parse the line.
                let originalDigests = AlternateDigestEntry.originalDigests(
                    tree: original, recorded: rebuilt.recordedTarget)
                let entry = AlternateDigestEntry(
                    original: HashedPart(name: request.target, digests: originalDigests),
                    alternate: HashedPart(name: nil, digests: rebuilt.compressed))
                // Added now or already there (a rebuild repeated): either way the database vouches for it.
                try request.alternateDatabase.add(
                    entry, verifiedBy: proof,
                    thenWhileLocked: { try self.publish(rebuilt, at: destination, request: request) })
                recorded = true
            } catch let error as FetchError {
                throw error
            } catch let error as FileSystemError {
                throw FetchError.local(TransportError.local(error))
            } catch {
                throw FetchError.recordingAlternate(database: request.alternateDatabase.path, error)
            }
            events?(.recordedAlternate(file: destination))
            notes.append(difference + "; alternate digest recorded")
            action = .patchedAlternate
        } else {
            if reference == nil {
                guard !request.exact else {
                    throw PatchingFailure(
                        reason:
                            "no compressed digests to check the rebuilt file against; only the exact file is accepted",
                        edges: [plan.chain[plan.chain.count - 1]])
                }
                notes.append("no compressed digests known: the content was verified, the compressed bytes were not")
            }
            try publish(rebuilt, at: request.outputPath, request: request)
        }
        if !request.keepPatches { patchPaths.forEach { FileSystem.removeFileIfPresent($0) } }
        var report = FetchReport(
            action: action, target: request.target, path: outputPath,
            bytesDownloaded: context.bytesDownloaded, fullSize: request.expected?.size, seconds: context.seconds,
            base: base, chain: context.chain, alternateRecorded: recorded, notes: notes)
        report.recompression = rebuilt.parallelism.description
        return finish(report, request: request, context: context)
    }

    /// Adds the estimate to the report and remembers what the fetch measured (a failure to
    /// remember, in a read-only distdir say, only loses the memory).
    private func finish(_ report: FetchReport, request: FetchRequest, context: Context) -> FetchReport {
        var report = report
        report.estimate = context.estimate
        if let path = request.measurementsPath, !context.samples.isEmpty {
            try? ThroughputMemory.record(context.samples, path: path, now: ThroughputMemory.currentTime())
        }
        return report
    }

    /// The plan assumed what it could not know yet; the downloaded patches tell three things:
    /// on a cold start (no measured link) the link's real speed, whether the last patch's
    /// recipe can share recompression out over the cores (plans assume it can), and whether
    /// it rebuilds slower than the format's usual recompression (an optimal-parse deflate
    /// reconstruction, ``RecompressionRecipe/recompressionCostFactor``). If any changes the
    /// estimate so that a full download now looks faster than the rebuild still to do,
    /// patching is abandoned before the expensive part.
    /// `recipe` is the last patch's and `costFactor` its ``RecompressionRecipe/recompressionCostFactor``.
    /// - Returns: the time-aware model with what the patches taught, and whether
    ///   recompression will be shared out; nil when bytes are preferred (or the file's size
    ///   is unknown).
    private func recheckAfterPatchDownload(
        plan: Plan, request: FetchRequest, downloads: [DownloadResult], recipe: RecompressionRecipe?,
        costFactor: Double
    ) throws -> (model: RebuildCostModel, parallel: Bool)? {
        guard case .time(var model) = request.policy.preference, let fullSize = request.expected?.size,
            !downloads.isEmpty
        else { return nil }
        let parallel = Self.sharesRecompression(request: request, recipe: recipe)
        var learnt: [String] = []
        if let recipe, costFactor > 1 {
            model = model.recompressing(recipe.format, slowerBy: costFactor)
            let tenths = Int((costFactor * 10).rounded())
            learnt.append(
                "the recipe replays an optimal parse (about \(tenths / 10).\(tenths % 10) x the usual recompression time)"
            )
        }
        if request.estimateBasis?.link == .builtIn {
            let bytes = downloads.reduce(0) { $0 + $1.bytesTransferred }
            let seconds = downloads.map(\.seconds).max() ?? 0
            if bytes >= ThroughputMemory.minimumSampleBytes, seconds > 0 {
                model.bandwidth = Double(bytes) / seconds
                learnt.append("the link measured \(Int(model.bandwidth / 1000)) kB/s while fetching the patches")
            }
        }
        if !parallel { learnt.append("the recompression will be serial") }
        guard !learnt.isEmpty else { return (model, parallel) }
        let rebuildSeconds =
            ChainPlanner.seconds(of: plan.chain, model: model, parallelRecompression: parallel)
            - model.downloadSeconds(plan.patchBytes)
        let downloadSeconds = model.downloadSeconds(fullSize)
        if rebuildSeconds >= request.policy.worthItRatio * downloadSeconds {
            throw PatchingFailure(
                reason: learnt.joined(separator: " and ") + ": "
                    + "a full download (about \(Plan.format(downloadSeconds)) s) beats rebuilding (about \(Plan.format(rebuildSeconds)) s)"
            )
        }
        return (model, parallel)
    }

    /// Whether the rebuild can share recompression out over the cores: more than one job,
    /// and a last patch whose recipe is not serial (plans assume it is not).
    private static func sharesRecompression(request: FetchRequest, recipe: RecompressionRecipe?) -> Bool {
        (request.jobs ?? Recompressor.defaultJobs) > 1 && (recipe?.parallelism.isParallel ?? true)
    }

    /// Renames the rebuilt file to `path` (the output, or where an alternate is kept), and
    /// drops what an earlier, interrupted full download of it left behind: nothing will
    /// resume it now.
    private func publish(_ rebuilt: RebuiltDistfile, at path: String, request: FetchRequest) throws(FetchError) {
        do {
            try rebuilt.publish(as: path)
        } catch {
            throw .local(TransportError.local(error))
        }
        removeLeftoversOnceInPlace(request)
    }

    /// Once the file is in place, what earlier runs kept for it is of no more use: an
    /// interrupted full download of it, the patches that yield it (kept after a failed
    /// rebuild for the next try), and lock files whose unlink failed.
    private func removeLeftoversOnceInPlace(_ request: FetchRequest) {
        Downloader.removeLeftovers(of: request.outputName, in: request.distdir)
        if !request.keepPatches {
            for entry in request.patchEntries where entry.targetName == request.target {
                let name = Paths.name(of: entry.patchLocation)
                guard (try? FileName.validate(name)) != nil else { continue }
                Downloader.removeLeftovers(of: name, in: request.patchDirectory)
                FileSystem.removeFileIfPresent(Paths.join(request.patchDirectory, name))
            }
        }
        Downloader.removeStaleLocks(in: request.patchDirectory)
    }

    /// Downloads the chain's patches in parallel into the patch directory.
    private func downloadPatches(_ chain: [PatchListEntry], request: FetchRequest, context: inout Context) async throws
        -> [DownloadResult]
    {
        do {
            try FileSystem.createDirectory(request.patchDirectory, intermediates: true)
        } catch {
            throw FetchError.local(.io(error))
        }
        var requests = [DownloadRequest]()
        for entry in chain {
            let location = entry.patchLocation
            if location.hasPrefix(Self.mirrorScheme) {
                requests.append(try Self.mirrorRequest(entry, request: request))
            } else if entry.patchIsURL {
                guard let url = URL(string: location),
                    ["http", "https", "file"].contains(url.scheme?.lowercased() ?? ""),
                    !url.lastPathComponent.isEmpty, url.lastPathComponent != "/"
                else {
                    throw PatchingFailure(
                        reason: "patch URL \(location) is not an http, https or file URL of a file", edges: [entry])
                }
                requests.append(
                    DownloadRequest(
                        name: url.lastPathComponent, expected: entry.patch.digests,
                        directory: request.patchDirectory, mirrors: [], directURL: url))
            } else {
                guard !request.patchMirrors.isEmpty else {
                    throw PatchingFailure(
                        reason: "patch \(location) has no URL and no patch mirror is configured", edges: [entry])
                }
                requests.append(
                    DownloadRequest(
                        name: location, expected: entry.patch.digests,
                        directory: request.patchDirectory, mirrors: request.patchMirrors))
            }
        }
        events?(.fetchingPatches(count: chain.count, bytes: chain.reduce(0) { $0 + $1.patch.size }))
        let results = await downloader.fetchAll(requests, parallelism: 4, stopOnFirstFailure: true)
        var downloads = [DownloadResult]()
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let download):
                context.bytesDownloaded += download.bytesTransferred
                context.samples += Self.linkSample(download)
                downloads.append(download)
            case .failure(let error):
                if error.isLocal && !Self.isCancellation(error) { throw FetchError.local(error) }
                // The first real failure is the culprit; the others were cancelled because of it.
                let failed =
                    results.indices.first { position in
                        if case .failure(let error) = results[position], !Self.isCancellation(error) { return true }
                        return false
                    } ?? index
                guard case .failure(let culprit) = results[failed] else { continue }
                throw PatchingFailure(reason: "patch download failed: " + culprit.description, edges: [chain[failed]])
            }
        }
        return downloads
    }

    static let mirrorScheme = "mirror://"

    /// The download of a `mirror://NAME/dir/file` patch: `dir/file` under each of NAME's
    /// prefixes (``FetchRequest/mirrorAliases``), as Portage resolves SRC_URI; Gentoo's own
    /// mirrors by their `layout.conf`, third-party ones as given.
    private static func mirrorRequest(_ entry: PatchListEntry, request: FetchRequest) throws -> DownloadRequest {
        let location = entry.patchLocation
        let rest = location.dropFirst(mirrorScheme.count)
        guard let slash = rest.firstIndex(of: "/"),
            let name = rest[slash...].split(separator: "/").last.map(String.init)
        else {
            throw PatchingFailure(reason: "patch URL \(location) names no file", edges: [entry])
        }
        let alias = String(rest[..<slash])
        let directory = rest[rest.index(after: slash)...].dropLast(name.count)
        let prefixes = request.mirrorAliases[alias] ?? []
        guard !prefixes.isEmpty else {
            throw PatchingFailure(
                reason:
                    "patch URL \(location): no mirror '\(alias)' in GENTOO_MIRRORS or the tree's profiles/thirdpartymirrors",
                edges: [entry])
        }
        let mirrors = prefixes.compactMap { prefix in
            let base = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
            return try? Mirror(
                base + (directory.isEmpty ? "" : "/" + directory),
                layout: alias == "gentoo" && directory.isEmpty ? nil : .flat)
        }
        return DownloadRequest(
            name: name, expected: entry.patch.digests, directory: request.patchDirectory, mirrors: mirrors)
    }

    /// A download's throughput, remembered for its host.
    private static func linkSample(_ download: DownloadResult) -> [ThroughputMemory.Sample] {
        guard !download.alreadyPresent, let url = download.url else { return [] }
        return [
            ThroughputMemory.Sample(
                .link(host: ThroughputMemory.linkKey(for: url)), bytes: download.bytesTransferred,
                seconds: download.seconds)
        ]
    }

    private static func isCancellation(_ error: TransportError) -> Bool {
        if case .cancelled = error { return true }
        return false
    }

    /// Downloads the distfile whole (or says why not).
    private func downloadWhole(_ request: FetchRequest, context: inout Context) async throws(FetchError) -> FetchReport
    {
        let reason = context.fallbackReason ?? "patching not used"
        guard request.fallback else { throw .patchingUnavailable(target: request.target, reason: reason) }
        events?(.fallingBack(reason: reason))
        // Mirrors serve the distfile by its own name; a differently named output (Portage's
        // temporary name) comes from the URL alone.
        let mirrors = request.outputName == request.target ? request.distfileMirrors : []
        if mirrors.isEmpty && request.distfileURL == nil {
            throw .downloadFailed(.noSources(name: request.target), patching: context.fallbackReason)
        }
        if request.expected?.size == nil, request.outputName != request.target {
            // Nothing to verify a leftover against: start afresh rather than take it.
            FileSystem.removeFileIfPresent(request.outputPath)
        }
        let download = DownloadRequest(
            name: request.outputName, expected: request.expected?.digestSet,
            directory: request.distdir, mirrors: mirrors, directURL: request.distfileURL)
        let result: DownloadResult
        do {
            result = try await downloader.fetch(download)
        } catch {
            if error.isLocal && !Self.isCancellation(error) { throw .local(error) }
            throw .downloadFailed(error, patching: context.fallbackReason)
        }
        if let expected = request.expected, expected.size == nil {
            // Without a size the downloader could not check the digests: check them here.
            try await verifyDigestsOnly(result, against: expected, patching: context.fallbackReason)
        }
        context.bytesDownloaded += result.bytesTransferred
        context.samples += Self.linkSample(result)
        return finish(
            FetchReport(
                action: result.alreadyPresent ? .present : .downloaded, target: request.target, path: result.path,
                bytesDownloaded: context.bytesDownloaded, fullSize: request.expected?.size ?? result.digests.size,
                seconds: context.seconds, fallbackReason: context.fallbackReason),
            request: request, context: context)
    }

    private func verifyDigestsOnly(_ result: DownloadResult, against expected: ExpectedDistfile, patching: String?)
        async throws(FetchError)
    {
        let actual = try await Self.digests(ofFile: result.path, algorithms: expected.algorithms)
        guard !expected.matches(actual) else { return }
        FileSystem.removeFileIfPresent(result.path)
        let algorithm = expected.algorithms[0]
        throw .downloadFailed(
            .digestMismatch(
                url: result.url?.absoluteString ?? result.path, algorithm: algorithm,
                expected: expected.digests[algorithm]?.hex ?? "", actual: actual[algorithm]?.hex ?? ""),
            patching: patching)
    }

    /// The digests of a whole file, computed off the cooperative pool.
    private static func digests(ofFile path: String, algorithms: [DigestAlgorithm]) async throws(FetchError)
        -> DigestSet
    {
        do {
            return try await BlockingWork.run { try MultiDigest.digests(ofFile: path, algorithms: algorithms) }
        } catch let error as FileSystemError {
            throw .local(.io(error))
        } catch {
            // Only an algorithm OpenSSL lacks is left; the request named it.
            throw .invalidRequest("\(path): \(error)")
        }
    }

    /// The chain's entries a rebuild error blames: the patch (or base) the error names, else
    /// the whole chain.
    private static func culprits(of error: any Error, chain: [PatchListEntry], patchPaths: [String]) -> [PatchListEntry]
    {
        if let file = error as? FileError, let index = patchPaths.firstIndex(of: file.path) { return [chain[index]] }
        return chain
    }

    /// A local failure inside a rebuild error (full disk, unwritable distdir), which another
    /// source cannot cure.
    static func localFailure(_ error: any Error) -> TransportError? {
        var current: any Error = error
        while let file = current as? FileError { current = file.underlying }
        // A scratch file is the distdir's own; any other file opened only to be read is an
        // input (a base, a patch), whose refusal another source can still cure.
        let (io, isScratch): (FileSystemError, Bool)
        switch current {
        case let RebuildError.scratch(error): (io, isScratch) = (error, true)
        case let error as FileSystemError: (io, isScratch) = (error, false)
        default: return nil
        }
        if io.isDiskFull { return .diskFull(path: io.path) }
        if io.isNotPermitted, io.operation != .read, io.operation != .open || isScratch { return .io(io) }
        return nil
    }
}
