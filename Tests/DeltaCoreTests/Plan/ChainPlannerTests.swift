import DeltaCore
import Testing

/// Builds patch list entries for planner tests; digests are derived from names so that a
/// "file on disk" can be matched against a base part.
enum PlanFixtures {
    static func md5(_ text: String) -> Digest {
        try! DigestContext.digest(.md5, of: Array(text.utf8))
    }

    static func entry(
        _ base: String, _ target: String, patchSize: UInt64, baseVariant: String = "",
        targetSize: UInt64 = 1_000_000
    ) -> PatchListEntry {
        PatchListEntry(
            patch: HashedPart(
                name: "\(base)-\(target)\(baseVariant).patch", size: patchSize,
                hashes: [.known(md5("p\(base)\(target)"))]),
            base: HashedPart(name: base, size: 500, hashes: [.known(md5(base + baseVariant))]),
            target: HashedPart(
                name: target, size: targetSize, isUncompressed: true, hashes: [.known(md5("u" + target))]))
    }

    /// A distdir holding `files` (by name, with the digests `entry` derives).
    static func disk(_ files: Set<String>) -> (HashedPart) -> String? {
        { base in
            guard let name = base.name, files.contains(name),
                base.digests.matches(DigestSet(size: 500, digests: [md5(name)]))
            else { return nil }
            return name
        }
    }
}

@Suite struct ChainPlannerTests {
    typealias F = PlanFixtures

    @Test func chainsOfSeveralPatchesAreFound() {
        let entries = [
            F.entry("kdelibs-3.1.3.tar.bz2", "kdelibs-3.1.4.tar.bz2", patchSize: 80_000),
            F.entry("kdelibs-3.1.4.tar.bz2", "kdelibs-3.1.5.tar.bz2", patchSize: 75_687),
            F.entry("unrelated-1.tar.gz", "unrelated-2.tar.gz", patchSize: 1),
        ]
        var asked = [String]()
        let plan = ChainPlanner().plan(target: "kdelibs-3.1.5.tar.bz2", fullSize: 10_540_000, entries: entries) {
            base in
            asked.append(base.name!)
            return F.disk(["kdelibs-3.1.3.tar.bz2", "unrelated-1.tar.gz"])(base)
        }
        #expect(plan.outcome == .patch)
        #expect(plan.baseFile == "kdelibs-3.1.3.tar.bz2")
        #expect(plan.chain.map(\.targetName) == ["kdelibs-3.1.4.tar.bz2", "kdelibs-3.1.5.tar.bz2"])
        #expect(plan.patchBytes == 155_687)
        // Only bases that can lead to the target are looked up (looking up hashes files).
        #expect(Set(asked) == ["kdelibs-3.1.3.tar.bz2", "kdelibs-3.1.4.tar.bz2"])
    }

    @Test func aCloserBaseOnDiskWins() {
        let entries = [
            F.entry("a-1.tar.gz", "a-2.tar.gz", patchSize: 50),
            F.entry("a-2.tar.gz", "a-3.tar.gz", patchSize: 50),
            F.entry("a-1.tar.gz", "a-3.tar.gz", patchSize: 120),
        ]
        let plan = ChainPlanner().plan(
            target: "a-3.tar.gz", fullSize: 1000, entries: entries, locateBase: F.disk(["a-1.tar.gz", "a-2.tar.gz"]))
        #expect(plan.chain.count == 1)
        #expect(plan.baseFile == "a-2.tar.gz")
        #expect(plan.patchBytes == 50)
    }

    @Test func aBaseWhoseDigestDiffersIsNotUsed() {
        // The list's base has other content than the file of that name on disk.
        let entries = [F.entry("a-1.tar.gz", "a-2.tar.gz", patchSize: 10, baseVariant: "rerolled")]
        let plan = ChainPlanner().plan(
            target: "a-2.tar.gz", fullSize: 1000, entries: entries, locateBase: F.disk(["a-1.tar.gz"]))
        #expect(plan.outcome == .noUsableBase)
        #expect(plan.baseFile == nil)
        #expect(plan.chain.isEmpty)
    }

    @Test func worthItRuleFollowsGlep25AndTheRatio() {
        let entries = [F.entry("a-1.tar.gz", "a-2.tar.gz", patchSize: 800)]
        let disk = F.disk(["a-1.tar.gz"])
        #expect(
            ChainPlanner().plan(target: "a-2.tar.gz", fullSize: 801, entries: entries, locateBase: disk).outcome
                == .patch)
        // "Not worth it when the target is less than the sum of the patches": equal is not worth it either.
        let equal = ChainPlanner().plan(target: "a-2.tar.gz", fullSize: 800, entries: entries, locateBase: disk)
        #expect(equal.outcome == .notWorthIt)
        #expect(equal.chain.count == 1)
        let strict = ChainPlanner(policy: PlanPolicy(worthItRatio: 0.7))
        #expect(
            strict.plan(target: "a-2.tar.gz", fullSize: 1000, entries: entries, locateBase: disk).outcome == .notWorthIt
        )
        #expect(strict.plan(target: "a-2.tar.gz", fullSize: 1200, entries: entries, locateBase: disk).outcome == .patch)
    }

    @Test func tiesPreferFewerPatches() {
        let entries = [
            F.entry("a-1.tar.gz", "a-2.tar.gz", patchSize: 30),
            F.entry("a-2.tar.gz", "a-3.tar.gz", patchSize: 30),
            F.entry("a-1.tar.gz", "a-3.tar.gz", patchSize: 60),
            F.entry("a-3.tar.gz", "a-4.tar.gz", patchSize: 0),
        ]
        let plan = ChainPlanner().plan(
            target: "a-4.tar.gz", fullSize: 1000, entries: entries, locateBase: F.disk(["a-1.tar.gz"]))
        #expect(plan.chain.map(\.patch.size) == [60, 0])
    }

    @Test func cyclesAndMissingTargetsGiveClearAnswers() {
        let cycle = [
            F.entry("a-1.tar.gz", "a-2.tar.gz", patchSize: 10),
            F.entry("a-2.tar.gz", "a-1.tar.gz", patchSize: 10),
        ]
        let none = ChainPlanner().plan(target: "a-2.tar.gz", fullSize: 1000, entries: cycle, locateBase: F.disk([]))
        #expect(none.outcome == .noUsableBase)
        #expect(none.explanation.contains("no chain"))
        let through = ChainPlanner().plan(
            target: "a-1.tar.gz", fullSize: 1000, entries: cycle, locateBase: F.disk(["a-2.tar.gz"]))
        #expect(through.chain.map(\.targetName) == ["a-1.tar.gz"])
        let missing = ChainPlanner().plan(
            target: "b-1.tar.gz", fullSize: 1000, entries: cycle, locateBase: F.disk(["a-1.tar.gz"]))
        #expect(missing.outcome == .noPatchYieldsTarget)
        #expect(missing.explanation == "no patch in the lists yields b-1.tar.gz")
    }

    @Test func preferTimeDownloadsOnAFastLinkAndPatchesOnASlowOne() {
        // A 100 MB xz tarball: recompressing it at 3 MB/s takes over 30 s.
        let entries = [F.entry("big-1.tar.xz", "big-2.tar.xz", patchSize: 2_000_000, targetSize: 100_000_000)]
        let disk = F.disk(["big-1.tar.xz"])
        let fast = ChainPlanner(policy: PlanPolicy(preference: .time(RebuildCostModel(bandwidth: 100e6))))
            .plan(target: "big-2.tar.xz", fullSize: 20_000_000, entries: entries, locateBase: disk)
        #expect(fast.outcome == .notWorthIt)
        #expect(fast.chain.count == 1)
        let estimate = try! #require(fast.estimate)
        #expect(abs(estimate.downloadSeconds - 0.2) < 1e-9)
        #expect(estimate.chainSeconds > 30)
        let slow = ChainPlanner(policy: PlanPolicy(preference: .time(RebuildCostModel(bandwidth: 100e3))))
            .plan(target: "big-2.tar.xz", fullSize: 20_000_000, entries: entries, locateBase: disk)
        #expect(slow.outcome == .patch)
        // The same decision by bytes is to patch.
        #expect(
            ChainPlanner().plan(target: "big-2.tar.xz", fullSize: 20_000_000, entries: entries, locateBase: disk)
                .outcome == .patch)
    }

    @Test func preferTimeWeighsRebuildAgainstBytes() {
        // Two routes: a small patch from a bzip2 base (slow to decompress) vs a bigger one from
        // a gzip base. On a very fast link the rebuild costs decide; on a slow one, the bytes.
        let entries = [
            F.entry("x-1.tar.bz2", "x-2.tar.gz", patchSize: 1_000_000, targetSize: 400_000_000),
            F.entry("x-1b.tar.gz", "x-2.tar.gz", patchSize: 3_000_000, targetSize: 400_000_000),
        ]
        let disk = F.disk(["x-1.tar.bz2", "x-1b.tar.gz"])
        let fast = ChainPlanner(policy: PlanPolicy(preference: .time(RebuildCostModel(bandwidth: 1e9))))
            .plan(target: "x-2.tar.gz", fullSize: 100_000_000_000, entries: entries, locateBase: disk)
        #expect(fast.baseFile == "x-1b.tar.gz")
        let slow = ChainPlanner(policy: PlanPolicy(preference: .time(RebuildCostModel(bandwidth: 10e3))))
            .plan(target: "x-2.tar.gz", fullSize: 100_000_000_000, entries: entries, locateBase: disk)
        #expect(slow.baseFile == "x-1.tar.bz2")
    }

    /// The planner's chain must cost exactly what an exhaustive search over all chains finds,
    /// with the same number of patches, on many small random graphs (with cycles, parallel
    /// patches, self-loops, re-rolled bases and zero-byte patches).
    @Test func choiceEqualsBruteForceOnRandomGraphs() {
        let seed: UInt64 = 0xdead_beef_2026
        var rng = SeededGenerator(seed: seed)
        for round in 0..<1500 {
            let nodes = Int(rng.next() % 8) + 2
            let names = (0..<nodes).map { "v\($0).tar.gz" }
            var entries = [PatchListEntry]()
            for _ in 0..<Int(rng.next() % 24) {
                let from = names[Int(rng.next() % UInt64(nodes))], to = names[Int(rng.next() % UInt64(nodes))]
                let variant = rng.next() % 5 == 0 ? "rerolled" : ""
                // Sizes in coarse steps (zero included) so that equal-cost chains are common.
                entries.append(F.entry(from, to, patchSize: (rng.next() % 4) * 10, baseVariant: variant))
            }
            let onDisk = Set(names.filter { _ in rng.next() % 3 == 0 })
            let target = names[Int(rng.next() % UInt64(nodes))]
            let fullSize = rng.next() % 120
            let disk = F.disk(onDisk)
            let plan = ChainPlanner().plan(target: target, fullSize: fullSize, entries: entries, locateBase: disk)
            let best = bruteForce(target: target, entries: entries, disk: disk)
            let context = "seed \(seed) round \(round): target \(target), disk \(onDisk.sorted())"
            guard let best else {
                #expect(plan.chain.isEmpty, "\(context)")
                #expect(plan.outcome == .noUsableBase || plan.outcome == .noPatchYieldsTarget, "\(context)")
                continue
            }
            #expect(plan.patchBytes == best.bytes, "\(context)")
            #expect(plan.chain.count == best.patches, "\(context)")
            #expect(isValidChain(plan.chain, target: target, disk: disk), "\(context)")
            #expect(plan.baseFile == plan.chain.first?.baseName, "\(context)")
            #expect(plan.isWorthIt == (best.bytes < fullSize), "\(context)")
        }
    }

    private func isValidChain(_ chain: [PatchListEntry], target: String, disk: (HashedPart) -> String?) -> Bool {
        guard let first = chain.first, disk(first.base) != nil, chain.last?.targetName == target else { return false }
        return zip(chain, chain.dropFirst()).allSatisfy { $0.targetName == $1.baseName }
    }

    /// Every chain whose first base is on disk, each next base named as the previous target,
    /// and no file produced twice; the least (bytes, patches).
    private func bruteForce(target: String, entries: [PatchListEntry], disk: (HashedPart) -> String?) -> (
        bytes: UInt64, patches: Int
    )? {
        var best: (bytes: UInt64, patches: Int)?
        func extend(_ last: PatchListEntry, bytes: UInt64, patches: Int, produced: Set<String>) {
            if last.targetName == target {
                if best.map({ (bytes, patches) < ($0.bytes, $0.patches) }) ?? true { best = (bytes, patches) }
                return
            }
            for next in entries where next.baseName == last.targetName && !produced.contains(next.targetName) {
                extend(
                    next, bytes: bytes + next.patch.size, patches: patches + 1,
                    produced: produced.union([next.targetName]))
            }
        }
        for first in entries where disk(first.base) != nil {
            extend(first, bytes: first.patch.size, patches: 1, produced: [first.targetName])
        }
        return best
    }
}
