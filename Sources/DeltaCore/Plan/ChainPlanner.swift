/// Finds the cheapest chain of patches that yields a distfile from files already on disk.
///
/// The graph: nodes are file versions (named as the patch lists name them), edges are
/// patches, weighed in bytes (or seconds, see ``PlanPreference``). A chain starts with a
/// patch whose base is on disk and verified (the caller's `locateBase` decides: by the
/// list's base digest or through the alternate-digest database). Later patches link by file
/// name: a patch yields `pkg-1.2.tar.gz`, the next one's base is `pkg-1.2.tar.gz`; that
/// intermediate's content is proven when the chain is applied, by the next patch's own
/// digest of its uncompressed base. Dijkstra over (cost, number of patches), so that among
/// equally cheap chains the shortest wins; cycles in the lists are harmless.
public struct ChainPlanner: Sendable {
    /// The rules to decide by.
    public var policy: PlanPolicy

    /// A planner with `policy`.
    public init(policy: PlanPolicy = .init()) {
        self.policy = policy
    }

    /// Plans how to obtain `target`.
    /// - Parameters:
    ///   - target: the distfile wanted.
    ///   - fullSize: its size per the Manifest (what a full download costs).
    ///   - entries: every patch list entry that may help; unrelated ones are never examined.
    ///   - locateBase: given a patch's base part, the name of a file in the distdir that is
    ///     a verified copy of it, or nil. Called only for patches that can lead to `target`,
    ///     at most once per distinct base part.
    /// - Returns: the cheapest chain and whether it is worth fetching.
    public func plan(
        target: String, fullSize: UInt64, entries: [PatchListEntry],
        locateBase: (HashedPart) throws -> String?
    ) rethrows -> Plan {
        // Only patches from which the target can be reached by name matter; this keeps the
        // base lookups (which hash files) to the relevant few.
        let relevant = Self.entriesLeading(to: target, in: entries)
        guard !relevant.isEmpty else {
            return Plan(target: target, fullSize: fullSize, baseFile: nil, chain: [], outcome: .noPatchYieldsTarget)
        }
        var located = [HashedPart: String?]()
        var startFile = [Int: String]()
        for index in relevant {
            let base = entries[index].base
            if located[base] == nil { located[base] = .some(try locateBase(base)) }
            if let file = located[base] ?? nil { startFile[index] = file }
        }
        guard let path = cheapestPath(to: target, entries: entries, relevant: relevant, startFile: startFile) else {
            return Plan(target: target, fullSize: fullSize, baseFile: nil, chain: [], outcome: .noUsableBase)
        }
        let chain = path.map { entries[$0] }
        var plan = Plan(target: target, fullSize: fullSize, baseFile: startFile[path[0]], chain: chain, outcome: .patch)
        switch policy.preference {
        case .bytes:
            if Double(plan.patchBytes) >= policy.worthItRatio * Double(fullSize) { plan.outcome = .notWorthIt }
        case let .time(model):
            let seconds = Self.seconds(of: chain, model: model)
            let download = model.downloadSeconds(fullSize)
            plan.estimate = TimeEstimate(chainSeconds: seconds, downloadSeconds: download)
            // The ratio weighs time here: patch only when clearly faster than downloading.
            if seconds >= policy.worthItRatio * download { plan.outcome = .notWorthIt }
        }
        return plan
    }

    /// Estimated seconds to fetch and apply `chain` under `model`, its last patch's recipe
    /// sharing the recompression out over the cores (`parallelRecompression`) or not.
    public static func seconds(of chain: [PatchListEntry], model: RebuildCostModel, parallelRecompression: Bool = true)
        -> Double
    {
        guard let first = chain.first, let last = chain.last else { return 0 }
        var total = model.decompressSeconds(name: first.baseName, uncompressedBytes: first.target.size)
        for entry in chain { total += model.patchSeconds(patchBytes: entry.patch.size, outputBytes: entry.target.size) }
        return total
            + model.recompressSeconds(
                name: last.targetName, uncompressedBytes: last.target.size, parallel: parallelRecompression)
    }

    /// Indices of entries from whose target `target` can be reached by following names backwards.
    static func entriesLeading(to target: String, in entries: [PatchListEntry]) -> [Int] {
        var byTarget = [String: [Int]]()
        for (index, entry) in entries.enumerated() { byTarget[entry.targetName, default: []].append(index) }
        var wanted: Set<String> = [target], queue = [target], relevant = Set<Int>()
        while let name = queue.popLast() {
            for index in byTarget[name] ?? [] where relevant.insert(index).inserted {
                if wanted.insert(entries[index].baseName).inserted { queue.append(entries[index].baseName) }
            }
        }
        return relevant.sorted()
    }

    /// The cost of an edge: bytes, or seconds with the start and end costs folded into the
    /// first and last edges, and always the patch count as the tie-breaker.
    private func edgeCost(_ entry: PatchListEntry, isFirst: Bool, target: String) -> PathCost {
        switch policy.preference {
        case .bytes:
            return PathCost(amount: Double(entry.patch.size), patches: 1)
        case let .time(model):
            var seconds = model.patchSeconds(patchBytes: entry.patch.size, outputBytes: entry.target.size)
            if isFirst {
                seconds += model.decompressSeconds(name: entry.baseName, uncompressedBytes: entry.target.size)
            }
            if entry.targetName == target {
                seconds += model.recompressSeconds(name: entry.targetName, uncompressedBytes: entry.target.size)
            }
            return PathCost(amount: seconds, patches: 1)
        }
    }

    /// Dijkstra from a virtual start (every patch whose base is on disk leaves it) to `target`.
    /// Returns entry indices, first patch first.
    private func cheapestPath(to target: String, entries: [PatchListEntry], relevant: [Int], startFile: [Int: String])
        -> [Int]?
    {
        // Node 0 is the virtual start; names get the following numbers.
        var nodeOf = [String: Int]()
        func node(_ name: String) -> Int {
            if let id = nodeOf[name] { return id }
            let id = nodeOf.count + 1
            nodeOf[name] = id
            return id
        }
        var outgoing = [Int: [(entry: Int, to: Int, cost: PathCost)]]()
        for index in relevant {
            let entry = entries[index]
            let to = node(entry.targetName)
            outgoing[node(entry.baseName), default: []].append(
                (index, to, edgeCost(entry, isFirst: false, target: target)))
            if startFile[index] != nil {
                outgoing[0, default: []].append((index, to, edgeCost(entry, isFirst: true, target: target)))
            }
        }
        guard let goal = nodeOf[target] else { return nil }
        var best = [Int: PathCost](), via = [Int: (entry: Int, from: Int)](), done = Set<Int>()
        var heap = MinHeap<PathCost, Int>()
        best[0] = PathCost(amount: 0, patches: 0)
        heap.push(best[0]!, 0)
        while let (cost, node) = heap.pop() {
            guard !done.contains(node), cost == best[node] else { continue }
            done.insert(node)
            if node == goal { break }
            for edge in outgoing[node] ?? [] where !done.contains(edge.to) {
                let next = cost + edge.cost
                if best[edge.to].map({ next < $0 }) ?? true {
                    best[edge.to] = next
                    via[edge.to] = (edge.entry, node)
                    heap.push(next, edge.to)
                }
            }
        }
        guard done.contains(goal) else { return nil }
        var path = [Int](), node = goal
        while node != 0, let step = via[node] {
            path.append(step.entry)
            node = step.from
        }
        return path.reversed()
    }
}

/// A chain's cost: the amount (bytes or seconds), then the number of patches.
struct PathCost: Comparable {
    var amount: Double
    var patches: Int

    static func + (lhs: Self, rhs: Self) -> Self {
        PathCost(amount: lhs.amount + rhs.amount, patches: lhs.patches + rhs.patches)
    }
    static func < (lhs: Self, rhs: Self) -> Bool { (lhs.amount, lhs.patches) < (rhs.amount, rhs.patches) }
}

/// A binary min-heap of (key, value) pairs.
struct MinHeap<Key: Comparable, Value> {
    private var items = [(Key, Value)]()

    mutating func push(_ key: Key, _ value: Value) {
        items.append((key, value))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].0 < items[parent].0 else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (Key, Value)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, items[left].0 < items[smallest].0 { smallest = left }
            if right < items.count, items[right].0 < items[smallest].0 { smallest = right }
            guard smallest != parent else { return top }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
