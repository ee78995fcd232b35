import ArgumentParser
import DeltaCore
import Foundation

/// `deltafetch plan FILE --distdir DIR [--patches LIST]... [--manifest MANIFEST] [--json]`
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Decide how to obtain a distfile: the cheapest chain of patches from files on disk, or a full download.",
        discussion: """
            Reads the patch lists (GLEP 25 `patches.global` and `patches` files, given with \
            --patches, found from --package-dir, or listed in $DELTAFETCH_PATCHES separated by \
            ':'), the Manifest for the full size, the distdir and its alternate-digest \
            database, and prints the base file, each patch with its size and the file it yields, \
            the total, and whether patching is worth it. Exits 0 whether or not it is; non-zero \
            only on errors. Malformed list lines are reported on stderr as FILE:LINE: reason and \
            skipped (fatal with --strict).

            Examples:
              deltafetch plan kdelibs-3.1.5.tar.bz2 --distdir /var/cache/distfiles \\
                  --patches profiles/patches.global --manifest kde-base/kdelibs/Manifest
              deltafetch plan foo-2.tar.xz --distdir DIR --package-dir /var/db/repos/gentoo/app-misc/foo \\
                  --prefer time --bandwidth 50M --json
            """
    )

    @Argument(help: "The distfile wanted.")
    var file: String

    @OptionGroup var sources: PatchSourceOptions

    @Option(help: "The distdir holding the files patches may start from.")
    var distdir: String

    @Option(help: "The alternate-digest database (default: DISTDIR/.deltafetch/alternate-digests or $DELTAFETCH_ALTERNATE_DIGESTS).")
    var alternateDigests: String?

    @Option(help: "Patch only when the chain costs less than this fraction of a full download (GLEP 25: 1.0).")
    var worthItRatio: Double = 1.0

    @Option(help: "What to minimise: bytes (GLEP 25) or time (download plus rebuild at --bandwidth).")
    var prefer: Preference = .bytes

    @Option(help: "The link's speed in bytes per second, with k, M or G (e.g. 50M); needed by --prefer time.")
    var bandwidth: String?

    @Option(name: .customLong("recompress-speed"),
            help: "Recompression speed of a format in uncompressed bytes per second, as FORMAT=RATE (e.g. xz=3M; repeatable).")
    var recompressSpeeds: [String] = []

    @Option(help: "How fast patches apply, in output bytes per second (e.g. 300M).")
    var applySpeed: String?

    @Flag(help: "Hash every candidate base again instead of using DISTDIR/.deltafetch/digest-cache.")
    var noDigestCache = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    enum Preference: String, ExpressibleByArgument, CaseIterable {
        case bytes, time
    }

    func validate() throws {
        if prefer == .time && bandwidth == nil {
            throw ValidationError("--prefer time needs --bandwidth (the link's speed, e.g. 20M)")
        }
        if let bandwidth, RateParser.bytesPerSecond(bandwidth) == nil {
            throw ValidationError("--bandwidth '\(bandwidth)' is not a rate such as 500k, 20M or 1.5G")
        }
        guard worthItRatio > 0 else { throw ValidationError("--worth-it-ratio must be above 0") }
        if sources.manifestPath == nil {
            throw ValidationError("give --manifest (or --package-dir) so that the full size of \(file) is known")
        }
    }

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: distdir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("distdir '\(distdir)' is not a directory")
        }
        let options = sources.readOptions
        let settings = try FetchSettings.load(environment: ProcessInfo.processInfo.environment)
        let listPaths = sources.listPaths(settings: settings)
        let entries = try loadPatchEntries(listPaths, options: options, fatal: true)
        if listPaths.isEmpty { warnLine("warning: no patch list given or found; only a full download is possible") }

        let manifestPath = sources.manifestPath!
        let (manifestFile, manifestProblems) = try Manifest.load(path: manifestPath, options: options)
        warn(manifestProblems)
        guard let manifestEntry = manifestFile[file] else {
            throw CLIError("\(manifestPath): no DIST entry for \(file), so its size and digests are unknown")
        }

        let database = AlternateDigestDatabase(
            distdir: distdir, path: alternateDigests ?? settings.alternateDigests)
        let (alternates, databaseProblems) = try database.entries()
        warn(databaseProblems)
        let cache = DigestCache(storePath: noDigestCache ? nil : DigestCache.defaultPath(distdir: distdir))
        let inventory = DistdirInventory(distdir: absoluteDirectory(distdir), cache: cache, alternates: alternates)
        let planner = ChainPlanner(policy: PlanPolicy(worthItRatio: worthItRatio, preference: try preference()))
        let plan = try inventory.holdsVerifiedCopy(of: manifestEntry)
            ? Plan(target: file, fullSize: manifestEntry.digests.size, baseFile: nil, chain: [], outcome: .alreadyPresent)
            : try planner.plan(target: file, fullSize: manifestEntry.digests.size, entries: entries, locateBase: inventory.locateBase)
        // The cache only saves time; failing to write it (a read-only distdir) is no error.
        do { try cache.save() } catch { warnLine("warning: digest cache not saved: \(error)") }

        if json {
            print(try PlanReport(plan).jsonString())
        } else {
            printText(plan)
        }
    }

    private func preference() throws -> PlanPreference {
        guard prefer == .time, let bandwidth else { return .bytes }
        return try timePreference(bandwidth: bandwidth, applySpeed: applySpeed, recompressSpeeds: recompressSpeeds)
    }

    private func printText(_ plan: Plan) {
        print("target: \(plan.target) (\(plan.fullSize) bytes)")
        print("base: \(plan.baseFile ?? "none")")
        for entry in plan.chain {
            print("patch: \(entry.patchLocation) (\(entry.patch.size) bytes) -> \(entry.targetName)")
        }
        if !plan.chain.isEmpty {
            let percent = plan.fullSize == 0 ? 0 : Double(plan.patchBytes) * 100 / Double(plan.fullSize)
            print("patch bytes: \(plan.patchBytes) of \(plan.fullSize) (\(String(format: "%.1f", percent))%)")
        }
        if let estimate = plan.estimate {
            print("estimate: patching \(String(format: "%.3f", estimate.chainSeconds)) s, full download \(String(format: "%.3f", estimate.downloadSeconds)) s")
        }
        print("decision: \(plan.explanation)")
    }

    private func warn(_ problems: [FileError]) {
        for problem in problems { warnLine("warning: \(problem)") }
    }
}

func warnLine(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// The JSON shape of `deltafetch plan --json`.
struct PlanReport: Encodable {
    struct Step: Encodable {
        var patch: String
        var size: UInt64
        var yields: String
    }

    var target: String
    var worthIt: Bool
    var fullSize: UInt64
    var patchBytes: UInt64
    var base: String?
    var chain: [Step]
    var reason: String
    var estimatedSeconds: [String: Double]?

    enum CodingKeys: String, CodingKey {
        case target, worthIt = "worth_it", fullSize = "full_size", patchBytes = "patch_bytes", base, chain, reason
        case estimatedSeconds = "estimated_seconds"
    }

    init(_ plan: Plan) {
        target = plan.target
        worthIt = plan.isWorthIt
        fullSize = plan.fullSize
        patchBytes = plan.patchBytes
        base = plan.baseFile
        chain = plan.chain.map { Step(patch: $0.patchLocation, size: $0.patch.size, yields: $0.targetName) }
        reason = plan.explanation
        estimatedSeconds = plan.estimate.map { ["chain": $0.chainSeconds, "download": $0.downloadSeconds] }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(target, forKey: .target)
        try container.encode(worthIt, forKey: .worthIt)
        try container.encode(fullSize, forKey: .fullSize)
        try container.encode(patchBytes, forKey: .patchBytes)
        try container.encode(base, forKey: .base)  // null when there is no chain, not absent
        try container.encode(chain, forKey: .chain)
        try container.encode(reason, forKey: .reason)
        try container.encodeIfPresent(estimatedSeconds, forKey: .estimatedSeconds)
    }

    func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// Reads rates such as `500k`, `20M`, `1.5G`, `20MB/s` as bytes per second.
enum RateParser {
    static func bytesPerSecond(_ text: String) -> Double? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest.hasSuffix("/s") { rest = rest.dropLast(2) }
        if rest.hasSuffix("B") || rest.hasSuffix("b") { rest = rest.dropLast() }
        var multiplier = 1.0
        switch rest.last {
        case "k", "K": multiplier = 1e3
        case "m", "M": multiplier = 1e6
        case "g", "G": multiplier = 1e9
        default: break
        }
        if multiplier != 1 { rest = rest.dropLast() }
        guard let value = Double(rest), value > 0, value.isFinite else { return nil }
        return value * multiplier
    }
}
