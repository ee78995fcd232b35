import ArgumentParser
import DeltaCore
import DeltaTransport
import Foundation

/// `deltafetch plan FILE --distdir DIR [--patches LIST]... [--manifest MANIFEST] [--json]`
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract:
            "Decide how to obtain a distfile: the cheapest chain of patches from files on disk, or a full download.",
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

    @OptionGroup var options: FetchSettingsOptions

    @Option(help: "The distdir holding the files patches may start from.")
    var distdir: String

    @Option(
        name: .customLong("recompress-speed"),
        help:
            "Recompression speed of a format in uncompressed bytes per second, as FORMAT=RATE (e.g. xz=3M; repeatable)."
    )
    var recompressSpeeds: [String] = []

    @Option(help: "How fast patches apply, in output bytes per second (e.g. 300M).")
    var applySpeed: String?

    @Flag(help: "Hash every candidate base again instead of using DISTDIR/.deltafetch/digest-cache.")
    var noDigestCache = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        if options.sources.effectiveManifestPath == nil {
            throw ValidationError("give --manifest (or --package-dir) so that the full size of \(file) is known")
        }
    }

    func run() throws {
        try requireDirectory(distdir)
        let settings = try resolvedSettings(
            options.overrides { overrides in
                overrides.applyThroughput = try applySpeed.map { try rate($0, option: "--apply-speed") }
                for setting in recompressSpeeds {
                    let parts = setting.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2, let format = CompressionFormat(rawValue: String(parts[0])) else {
                        throw ValidationError(
                            "--recompress-speed '\(setting)' is not FORMAT=RATE with FORMAT one of gzip, bzip2, xz, none"
                        )
                    }
                    overrides.recompressThroughput[format] = try rate(String(parts[1]), option: "--recompress-speed")
                }
            })
        var request = try prepareFetch(target: file, distdir: distdir, options: options, settings: settings)
        if noDigestCache { request.digestCachePath = nil }
        let plan = try FetchPlanning.plan(&request, checkingPresence: true)
        if json {
            try Console.writeResult(try PlanReport(plan, basis: request.estimateBasis).jsonString())
        } else {
            try printText(plan, request: request)
        }
    }

    private func rate(_ text: String, option: String) throws -> Double {
        guard let value = RateParser.bytesPerSecond(text) else {
            throw ValidationError("\(option) '\(text)' is not a rate such as 500k, 20M or 1.5G")
        }
        return value
    }

    private func printText(_ plan: Plan, request: FetchRequest) throws {
        var lines = ["target: \(plan.target) (\(plan.fullSize) bytes)", "base: \(plan.baseFile ?? "none")"]
        for entry in plan.chain {
            lines.append("patch: \(entry.patchLocation) (\(entry.patch.size) bytes) -> \(entry.targetName)")
        }
        if !plan.chain.isEmpty {
            let percent = plan.fullSize == 0 ? 0 : Double(plan.patchBytes) * 100 / Double(plan.fullSize)
            lines.append("patch bytes: \(plan.patchBytes) of \(plan.fullSize) (\(String(format: "%.1f", percent))%)")
        }
        if let estimate = plan.estimate {
            lines.append(
                "estimate: patching \(Plan.format(estimate.chainSeconds)) s, full download \(Plan.format(estimate.downloadSeconds)) s"
                    + (request.estimateBasis.map { " (\($0))" } ?? ""))
        }
        lines.append("decision: \(plan.explanation)")
        try Console.writeResult(lines.joined(separator: "\n"))
    }
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
    var basis: String?
    var cpuShare: Double?

    enum CodingKeys: String, CodingKey {
        case target
        case worthIt = "worth_it"
        case fullSize = "full_size"
        case patchBytes = "patch_bytes"
        case base, chain, reason
        case estimatedSeconds = "estimated_seconds"
        case basis
        case cpuShare = "cpu_share"
    }

    init(_ plan: Plan, basis: EstimateBasis?) {
        target = plan.target
        worthIt = plan.isWorthIt
        fullSize = plan.fullSize
        patchBytes = plan.patchBytes
        base = plan.baseFile
        chain = plan.chain.map { Step(patch: $0.patchLocation, size: $0.patch.size, yields: $0.targetName) }
        reason = plan.explanation
        estimatedSeconds = plan.estimate.map { ["chain": $0.chainSeconds, "download": $0.downloadSeconds] }
        self.basis = plan.estimate == nil ? nil : basis?.description
        cpuShare = plan.estimate == nil ? nil : basis.map { ($0.cpuShare.value * 100).rounded() / 100 }
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
        try container.encodeIfPresent(basis, forKey: .basis)
        try container.encodeIfPresent(cpuShare, forKey: .cpuShare)
    }

    func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
