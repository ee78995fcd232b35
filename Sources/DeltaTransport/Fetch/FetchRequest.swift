import DeltaCore
import Foundation

/// Everything ``DistfileFetcher`` needs to obtain one distfile.
public struct FetchRequest: Sendable {
    /// The distfile wanted (its name in the patch lists, the Manifest and on mirrors).
    public var target: String
    /// The distdir: bases are found here and the result is written here.
    public var distdir: String
    /// The name to write in the distdir: the target's, or Portage's temporary
    /// `NAME.__download__`.
    public var outputName: String
    /// What the distfile must be (Manifest or `${DIGESTS}`); nil when unknown, and then the
    /// digests a patch records are used.
    public var expected: ExpectedDistfile?
    /// Every patch-list entry that may help (the planner picks the relevant ones).
    public var patchEntries: [PatchListEntry]
    /// Where patches named without a URL are fetched from, in order.
    public var patchMirrors: [Mirror]
    /// `mirror://NAME/path` patch URLs: NAME → URL prefixes, tried in order (the tree's
    /// `profiles/thirdpartymirrors`; `gentoo` also gets `GENTOO_MIRRORS`' distfiles).
    public var mirrorAliases: [String: [String]] = [:]
    /// Where the full distfile is fetched from, in order, by its name…
    public var distfileMirrors: [Mirror]
    /// …and then this URL (SRC_URI, Portage's `${URI}`).
    public var distfileURL: URL?
    /// The planner's rules.
    public var policy: PlanPolicy
    /// Accept only a rebuild whose compressed bytes match the expected file; otherwise discard
    /// it and fall back (`--exact`, and always in Portage mode).
    public var exact: Bool
    /// Download the full file when patching is impossible, not worth it or fails.
    public var fallback: Bool
    /// The alternate-digest database: read to find bases, written for inexact rebuilds.
    public var alternateDatabase: AlternateDigestDatabase
    /// GLEP 25's shared-database mode: keep an inexact rebuild under the distfile's own name
    /// instead of apart (``AlternateFiles``); ``FetchSettings/sharedDatabase``.
    public var sharedDatabase: Bool
    /// Where the digest cache of the distdir lives; nil to hash every candidate again.
    public var digestCachePath: String?
    /// Where patches are downloaded to (deleted after a successful rebuild).
    public var patchDirectory: String
    /// Keep downloaded patches after a successful rebuild.
    public var keepPatches: Bool
    /// Where transfer and rebuild speeds are remembered (``ThroughputMemory``); nil to
    /// measure nothing.
    public var measurementsPath: String?
    /// Where the time estimate's figures came from, when the policy weighs time.
    public var estimateBasis: EstimateBasis?
    /// Threads the rebuild may use; nil for every core.
    public var jobs: Int?
    /// The share of the cores the rebuild was planned to get: its measured speeds are divided
    /// by it before they are remembered, so that the memory keeps free-core figures.
    public var cpuShare: CPUShare = .free
    /// When soonest finished gives up a rebuild that falls behind a plain download.
    public var rebuildDeadline: RebuildDeadline.Rule = .standard
    /// How to plan again once the cores' share is measured, when it is to be measured; nil
    /// when ``cpuShare`` is settled. See ``FetchPlanning/plan(_:checkingPresence:)``.
    public var cpuShareProbe: CPUShareProbe?

    /// What a time-aware plan needs to be made again for the share of the cores a rebuild can
    /// expect: measuring it takes 50 ms of spinning (``CPUShare/measure(threads:duration:)``),
    /// which is spent only when a plan on free cores patches (load only slows a rebuild, so
    /// a plan that downloads whole on free cores downloads whole on busy ones too).
    public struct CPUShareProbe: Sendable {
        /// The settings the policy came from.
        public var settings: FetchSettings
        /// The measurements the policy came from.
        public var memory: ThroughputMemory
        /// The host whose link speed the policy used.
        public var linkHost: String?
        /// Threads the rebuild will use, and the probe spins.
        public var threads: Int

        /// A probe for a policy made from these.
        public init(settings: FetchSettings, memory: ThroughputMemory, linkHost: String?, threads: Int) {
            self.settings = settings
            self.memory = memory
            self.linkHost = linkHost
            self.threads = threads
        }

        /// Measures the share and gives the request the policy, basis and share that go with it.
        func settle(_ request: inout FetchRequest) {
            let share = CPUShare.measure(threads: threads)
            (request.policy, request.estimateBasis) = settings.planPolicy(
                memory: memory, linkHost: linkHost, cpuShare: share)
            request.cpuShare = share
            request.cpuShareProbe = nil
        }
    }

    /// A request with the usual defaults: output under the target's name, patches in
    /// `DISTDIR/.deltafetch/patches`, the distdir's alternate-digest database and digest cache.
    public init(
        target: String, distdir: String, outputName: String? = nil, expected: ExpectedDistfile? = nil,
        patchEntries: [PatchListEntry] = [], patchMirrors: [Mirror] = [], distfileMirrors: [Mirror] = [],
        distfileURL: URL? = nil, policy: PlanPolicy = PlanPolicy(), exact: Bool = false, fallback: Bool = true
    ) {
        let directory = distdir.count > 1 && distdir.hasSuffix("/") ? String(distdir.dropLast()) : distdir
        self.target = target
        self.distdir = directory
        self.outputName = outputName ?? target
        self.expected = expected
        self.patchEntries = patchEntries
        self.patchMirrors = patchMirrors
        self.distfileMirrors = distfileMirrors
        self.distfileURL = distfileURL
        self.policy = policy
        self.exact = exact
        self.fallback = fallback
        self.alternateDatabase = AlternateDigestDatabase(distdir: directory)
        self.sharedDatabase = false
        self.digestCachePath = DigestCache.defaultPath(distdir: directory)
        self.patchDirectory = directory + "/.deltafetch/patches"
        self.keepPatches = false
        self.measurementsPath = nil
        self.estimateBasis = nil
        self.jobs = nil
    }

    /// The path the result is written to.
    public var outputPath: String { Paths.join(distdir, outputName) }

    /// The path an inexact rebuild is kept at: apart, or in shared-database mode the output path.
    public var alternatePath: String {
        Paths.join(distdir, AlternateFiles.relativePath(of: outputName, shared: sharedDatabase))
    }
}
