extension FetchSettings {
    /// What a command's flags say: the top layer of the settings. Nil (or empty) leaves the
    /// layer below in force; mirrors given are tried before the lower layers' mirrors.
    /// (Patch lists given on the command line are not settings but sources, read as given:
    /// `DistfileSources.patchLists` in DeltaTransport.)
    public struct Overrides: Sendable, Equatable {
        /// Mirrors given on the command line.
        public var mirrors: [String] = []
        /// `--timeout`.
        public var timeout: Double?
        /// `--retries`.
        public var retries: Int?
        /// `--worth-it-ratio`.
        public var worthItRatio: Double?
        /// `--alternate-digests`.
        public var alternateDigests: String?
        /// `--require-strong-hashes` (a flag can only switch it on).
        public var requireStrongHashes = false
        /// `--prefer`.
        public var preference: FetchPreference?
        /// `--bandwidth`, in bytes per second.
        public var bandwidth: Double?
        /// `--apply-speed`, in output bytes per second.
        public var applyThroughput: Double?
        /// `--recompress-speed FORMAT=RATE`.
        public var recompressThroughput: [CompressionFormat: Double] = [:]
        /// `--jobs`.
        public var jobs: Int?

        /// No overrides.
        public init() {}
    }

    /// These settings with the flags' layer on top.
    public func applying(_ overrides: Overrides) -> FetchSettings {
        var result = self
        result.mirrors = overrides.mirrors + mirrors
        if let timeout = overrides.timeout { result.timeout = timeout }
        if let retries = overrides.retries { result.retries = retries }
        if let ratio = overrides.worthItRatio { result.worthItRatio = ratio }
        if let database = overrides.alternateDigests { result.alternateDigests = database }
        if overrides.requireStrongHashes { result.requireStrongHashes = true }
        if let preference = overrides.preference { result.preference = preference }
        if let bandwidth = overrides.bandwidth { result.bandwidth = bandwidth }
        if let apply = overrides.applyThroughput { result.applyThroughput = apply }
        result.recompressThroughput.merge(overrides.recompressThroughput) { _, flag in flag }
        if let jobs = overrides.jobs { result.jobs = jobs }
        return result
    }

    /// The planner's rules these settings give, with figures from `memory` where the settings
    /// give none: the link's speed to `linkHost` and this machine's rebuild speeds.
    /// - Returns: the policy, and for ``FetchPreference/time`` where its figures came from.
    /// `cpuShare` is the share of the cores the rebuild can expect now (``CPUShare``): it
    /// scales the built-in and measured rebuild speeds, not those the settings give.
    public func planPolicy(
        memory: ThroughputMemory = ThroughputMemory(), linkHost: String? = nil, cpuShare: CPUShare = .free
    ) -> (
        policy: PlanPolicy, basis: EstimateBasis?
    ) {
        switch preference {
        case .bytes:
            return (PlanPolicy(worthItRatio: worthItRatio, preference: .bytes), nil)
        case .time:
            var basis = EstimateBasis(link: .builtIn, rebuild: .builtIn)
            var model = RebuildCostModel(bandwidth: RebuildCostModel.builtInBandwidth)
            if let bandwidth {
                model.bandwidth = bandwidth
                basis.link = .given
            } else if let linkHost, let measured = memory.rate(.link(host: linkHost)) {
                model.bandwidth = measured
                basis.link = .measured
            }
            if model.adopt(memory) { basis.rebuild = .measured }
            model = model.sharing(cpuShare)
            basis.cpuShare = cpuShare
            if let applyThroughput {
                model.applyThroughput = applyThroughput
                basis.rebuild = .given
            }
            if !recompressThroughput.isEmpty {
                model.recompressThroughput.merge(recompressThroughput) { _, given in given }
                basis.rebuild = .given
            }
            return (PlanPolicy(worthItRatio: worthItRatio, preference: .time(model)), basis)
        }
    }

    /// How patch lists and Manifests are read under these settings.
    public func readOptions(strict: Bool) -> MetadataReadOptions {
        MetadataReadOptions(strict: strict, hashPolicy: HashPolicy(refusesMD5Only: requireStrongHashes))
    }

    /// The alternate-digest database these settings name for `distdir`.
    public func alternateDatabase(distdir: String) -> AlternateDigestDatabase {
        AlternateDigestDatabase(distdir: distdir, path: alternateDigests)
    }
}

/// What the planner minimises, as a setting.
public enum FetchPreference: String, Sendable, Equatable, CaseIterable {
    /// Fewest bytes downloaded (GLEP 25's rule; for metered links).
    case bytes
    /// Soonest finished (the default): patch only when downloading the patches and
    /// rebuilding is estimated to beat a plain download, at the link's measured speed (or
    /// ``FetchSettings/bandwidth``) and this machine's measured rebuild speeds.
    case time
}

/// Where the figures of a time estimate came from, as `--json` reports it.
public struct EstimateBasis: Sendable, Equatable, CustomStringConvertible {
    /// A figure's origin.
    public enum Source: String, Sendable, Equatable {
        /// Set by the user (`--bandwidth`, the config).
        case given
        /// Measured on this machine by earlier transfers or rebuilds.
        case measured
        /// The built-in figures, before any measurement.
        case builtIn = "built-in"
    }

    /// The link's speed.
    public var link: Source
    /// The rebuild's speeds.
    public var rebuild: Source
    /// The share of the cores the rebuild was expected to get (scaling built-in and measured
    /// rebuild speeds).
    public var cpuShare: CPUShare

    /// A basis.
    public init(link: Source, rebuild: Source, cpuShare: CPUShare = .free) {
        self.link = link
        self.rebuild = rebuild
        self.cpuShare = cpuShare
    }

    /// "link measured, rebuild built-in", and the CPU share when the cores are busy.
    public var description: String {
        "link \(link.rawValue), rebuild \(rebuild.rawValue)"
            + (cpuShare.value < 0.95 ? " at \(cpuShare)" : "")
    }
}

/// Reads rates such as `500k`, `20M`, `1.5G`, `20MB/s` as bytes per second.
public enum RateParser {
    /// The rate in bytes per second, or nil for text that is not a positive rate.
    public static func bytesPerSecond(_ text: String) -> Double? {
        var rest = Substring(text.filter { $0 != " " && $0 != "\t" })
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
