import DeltaCore

/// Plans a fetch: the cheapest chain of patches from files in the distdir, or a full
/// download. `deltafetch plan` prints this plan and ``DistfileFetcher`` carries it out, so
/// the two never disagree.
public enum FetchPlanning {
    /// The plan for `request`.
    /// - Parameter checkingPresence: first look for a verified copy of the target in the
    ///   distdir (by the digest cache), and plan ``Plan/Outcome/alreadyPresent`` if there is
    ///   one. The fetcher checks presence itself, under its lock, before planning.
    /// When the request still has its share of the cores to measure (``FetchRequest/cpuShareProbe``),
    /// the plan is made on free cores first; only if it patches is the share measured, the
    /// request's policy, basis and share settled, and the plan made again.
    /// - Throws: errors reading the alternate-digest database or hashing candidate bases.
    public static func plan(_ request: inout FetchRequest, checkingPresence: Bool = false) throws -> Plan {
        let (alternates, _) = try request.alternateDatabase.entries()
        let cache = DigestCache(storePath: request.digestCachePath)
        let inventory = DistdirInventory(distdir: request.distdir, cache: cache, alternates: alternates)
        defer { try? cache.save() }  // the cache only saves time; a read-only distdir is no error
        // Without a known size every chain counts as worth it: the lists' patches were made
        // with a size limit of their own.
        let fullSize = request.expected?.size ?? .max
        if checkingPresence, let expected = request.expected?.digestSet,
            try inventory.holdsVerifiedCopy(of: ManifestEntry(name: request.target, digests: expected))
        {
            return Plan(target: request.target, fullSize: fullSize, baseFile: nil, chain: [], outcome: .alreadyPresent)
        }
        let plan = try ChainPlanner(policy: request.policy).plan(
            target: request.target, fullSize: fullSize, entries: request.patchEntries, locateBase: inventory.locateBase)
        guard plan.isWorthIt, let probe = request.cpuShareProbe else { return plan }
        probe.settle(&request)
        return try ChainPlanner(policy: request.policy).plan(
            target: request.target, fullSize: fullSize, entries: request.patchEntries, locateBase: inventory.locateBase)
    }
}
