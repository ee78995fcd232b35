/// The planner's answer for one distfile: which patches to fetch, or why not to patch.
public struct Plan: Hashable, Sendable {
    /// Why the plan is what it is.
    public enum Outcome: Hashable, Sendable {
        /// The chain is worth fetching.
        case patch
        /// A chain exists but costs at least as much as the full download.
        case notWorthIt
        /// No patch in the lists yields the target.
        case noPatchYieldsTarget
        /// Patches yield the target, but none of their chains starts from a file on disk.
        case noUsableBase
        /// The distdir already holds a verified copy of the target: nothing to fetch.
        case alreadyPresent
    }

    /// The distfile wanted.
    public var target: String
    /// Its size per the Manifest.
    public var fullSize: UInt64
    /// The file in the distdir the chain starts from (nil when there is no chain).
    public var baseFile: String?
    /// The cheapest chain, first patch first (empty when there is none).
    public var chain: [PatchListEntry]
    /// The decision.
    public var outcome: Outcome
    /// With ``PlanPreference/time(_:)``: the estimated seconds of the chain and of a full download.
    public var estimate: TimeEstimate?

    /// Creates a plan.
    public init(
        target: String, fullSize: UInt64, baseFile: String?, chain: [PatchListEntry], outcome: Outcome,
        estimate: TimeEstimate? = nil
    ) {
        self.target = target
        self.fullSize = fullSize
        self.baseFile = baseFile
        self.chain = chain
        self.outcome = outcome
        self.estimate = estimate
    }

    /// Whether patching beats a full download.
    public var isWorthIt: Bool { outcome == .patch }

    /// The bytes of all patches in the chain.
    public var patchBytes: UInt64 { chain.reduce(0) { $0 + $1.patch.size } }

    /// A sentence for users saying what was decided and why.
    public var explanation: String {
        switch outcome {
        case .patch:
            "worth it: \(patchBytes) patch bytes instead of \(fullSize)"
        case .notWorthIt:
            if let estimate {
                "not worth it: patching would take about \(Self.format(estimate.chainSeconds)) s, a full download \(Self.format(estimate.downloadSeconds)) s"
            } else {
                "not worth it: \(patchBytes) patch bytes is not below the limit for a \(fullSize)-byte file"
            }
        case .noPatchYieldsTarget: "no patch in the lists yields \(target)"
        case .noUsableBase: "patches yield \(target), but no chain of them starts from a file in the distdir"
        case .alreadyPresent: "\(target) is already in the distdir and verified; nothing to fetch"
        }
    }

    /// Seconds with three decimals, without Foundation.
    public static func format(_ seconds: Double) -> String {
        let thousandths = Int((max(0, seconds) * 1000).rounded())
        let fraction = String(thousandths % 1000)
        return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

/// How long a chain and a full download are expected to take.
public struct TimeEstimate: Hashable, Sendable {
    /// Fetching the patches, applying them, and recompressing.
    public var chainSeconds: Double
    /// Downloading the whole file.
    public var downloadSeconds: Double

    /// Creates an estimate.
    public init(chainSeconds: Double, downloadSeconds: Double) {
        self.chainSeconds = chainSeconds
        self.downloadSeconds = downloadSeconds
    }
}
