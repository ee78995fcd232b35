import DeltaCore

/// What ``DistfileFetcher/fetch(_:)`` did; `deltafetch fetch --json` prints it.
public struct FetchReport: Sendable, Equatable {
    /// How the distfile was obtained.
    public enum Action: String, Sendable, Equatable, Codable {
        /// Rebuilt from patches, bit for bit the expected file.
        case patched
        /// Rebuilt from patches with verified content, but compressed differently; kept, and
        /// an alternate digest recorded (GLEP 25).
        case patchedAlternate = "patched-alternate"
        /// Downloaded whole.
        case downloaded
        /// Already in the distdir and verified; nothing fetched.
        case present
    }

    /// How the distfile was obtained.
    public var action: Action
    /// The distfile wanted.
    public var target: String
    /// Where it is now.
    public var path: String
    /// Bytes received over the network (patches and any full download).
    public var bytesDownloaded: UInt64
    /// The full file's size, when known (what a plain download costs).
    public var fullSize: UInt64?
    /// Wall-clock seconds for the whole fetch.
    public var seconds: Double
    /// The base file the chain started from, when patches were used.
    public var base: String?
    /// The patches applied (as the lists name them), first first; empty without patching.
    public var chain: [String]
    /// Whether the alternate-digest database now holds an entry for the rebuilt file (added by
    /// this fetch, or already there from an identical earlier rebuild).
    public var alternateRecorded: Bool
    /// Why patching was not used or failed, when the file was downloaded whole.
    public var fallbackReason: String?
    /// Notes worth a user's attention (a compressed digest that could not be checked, say).
    public var notes: [String]
    /// The planner's time estimate and where its figures came from, when it weighed time.
    public var estimate: FetchEstimate?
    /// How the rebuild's recompression used the cores ("parallel (28 gzip segments)", "serial
    /// (a single-block xz stream)"), when the file was rebuilt.
    public var recompression: String?

    /// A report.
    public init(
        action: Action, target: String, path: String, bytesDownloaded: UInt64, fullSize: UInt64?, seconds: Double,
        base: String? = nil, chain: [String] = [], alternateRecorded: Bool = false, fallbackReason: String? = nil,
        notes: [String] = []
    ) {
        self.action = action
        self.target = target
        self.path = path
        self.bytesDownloaded = bytesDownloaded
        self.fullSize = fullSize
        self.seconds = seconds
        self.base = base
        self.chain = chain
        self.alternateRecorded = alternateRecorded
        self.fallbackReason = fallbackReason
        self.notes = notes
    }
}

extension FetchReport: Encodable {
    enum CodingKeys: String, CodingKey {
        case action, target, path
        case bytesDownloaded = "bytes_downloaded"
        case fullSize = "full_size"
        case seconds, base, chain
        case alternateRecorded = "alternate_recorded"
        case fallbackReason = "fallback_reason"
        case notes, estimate, recompression
    }

    /// Every key is always present (null when unknown), so scripts need not test for them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(action, forKey: .action)
        try container.encode(target, forKey: .target)
        try container.encode(path, forKey: .path)
        try container.encode(bytesDownloaded, forKey: .bytesDownloaded)
        try container.encode(fullSize, forKey: .fullSize)
        try container.encode((seconds * 1000).rounded() / 1000, forKey: .seconds)
        try container.encode(base, forKey: .base)
        try container.encode(chain, forKey: .chain)
        try container.encode(alternateRecorded, forKey: .alternateRecorded)
        try container.encode(fallbackReason, forKey: .fallbackReason)
        try container.encode(notes, forKey: .notes)
        try container.encode(estimate, forKey: .estimate)
        try container.encode(recompression, forKey: .recompression)
    }
}

/// The estimates a time-weighing plan compared, as `--json` reports them:
/// `{"patch_seconds": …, "download_seconds": …, "basis": "link measured, rebuild built-in"}`.
public struct FetchEstimate: Sendable, Equatable, Encodable {
    /// Estimated seconds to download the chain's patches and rebuild.
    public var patchSeconds: Double
    /// Estimated seconds to download the whole file.
    public var downloadSeconds: Double
    /// Where the figures came from.
    public var basis: String
    /// The share of the cores the rebuild was expected to get (1: free).
    public var cpuShare: Double

    /// An estimate from a plan's figures.
    public init(_ estimate: TimeEstimate, basis: EstimateBasis) {
        patchSeconds = (estimate.chainSeconds * 1000).rounded() / 1000
        downloadSeconds = (estimate.downloadSeconds * 1000).rounded() / 1000
        self.basis = basis.description
        cpuShare = (basis.cpuShare.value * 100).rounded() / 100
    }

    enum CodingKeys: String, CodingKey {
        case patchSeconds = "patch_seconds"
        case downloadSeconds = "download_seconds"
        case basis
        case cpuShare = "cpu_share"
    }
}

/// What a fetch is doing, for progress output. Downloads report through
/// ``DownloadConfiguration/progress`` as well.
public enum FetchEvent: Sendable {
    /// The planner's decision.
    case planned(Plan)
    /// Fetching the chain's patches.
    case fetchingPatches(count: Int, bytes: UInt64)
    /// A rebuild stage.
    case rebuilding(RebuildStage)
    /// A patch failed (not found, wrong bytes, does not apply): the fetch plans again
    /// without it before considering a full download.
    case droppingPatches([String], reason: String)
    /// Patching was not used or failed, and a full download follows.
    case fallingBack(reason: String)
    /// The rebuilt file differs from the expected compressed file; an alternate digest was recorded.
    case recordedAlternate(file: String)
}
