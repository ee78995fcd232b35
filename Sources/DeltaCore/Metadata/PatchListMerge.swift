/// A patch list entry and the line it was read from.
public struct ListedPatchEntry: Hashable, Sendable, CustomStringConvertible {
    /// The entry.
    public var entry: PatchListEntry
    /// The list file.
    public var path: String
    /// The 1-based line, when known.
    public var line: Int?

    /// An entry read from `path` at `line`.
    public init(entry: PatchListEntry, path: String, line: Int?) {
        self.entry = entry
        self.path = path
        self.line = line
    }

    /// `FILE:LINE` (or `FILE`).
    public var description: String { line.map { "\(path):\($0)" } ?? path }

    /// How strongly the entry is hashed: the strongest known hash of its weakest part (an
    /// entry is as trustworthy as the least protected of patch, base and content).
    var strength: DigestAlgorithm? {
        [entry.patch, entry.base, entry.target].map { $0.digests.digests.keys.max() }.reduce(DigestAlgorithm.blake2b) {
            weakest, part in
            guard let weakest, let part else { return nil }
            return min(weakest, part)
        }
    }
}

/// Two lines of the lists that name the same patch file.
public struct PatchListConflict: Hashable, Sendable, CustomStringConvertible {
    /// The line whose entry is used.
    public var kept: ListedPatchEntry
    /// The line left out.
    public var dropped: ListedPatchEntry
    /// The part the two disagree about (`patch`, `base file`, `new file`), or nil when they
    /// agree (a duplicate).
    public var contradiction: String?

    public var description: String {
        let patch = kept.entry.patchLocation
        guard let contradiction else {
            return "\(dropped): duplicate of \(kept) for patch \(patch); \(kept) is used"
        }
        return "\(dropped) contradicts \(kept) about the \(contradiction) of patch \(patch); \(kept) is used "
            + (kept.strength == dropped.strength
                ? "(equally strong hashes: the later line wins)" : "(stronger hashes win)")
    }
}

/// Merges the lines of several patch lists (`profiles/patches.global`, a package's
/// `patches`, lists from the settings) into one set of entries, one per patch file.
///
/// GLEP 25 reads the lists one after the other; a patch named twice is then either a
/// duplicate (harmless, but a sign of a stale list) or a contradiction (different sizes,
/// names or digests for the same patch, its base or its content: one line is wrong, and a
/// fetch could waste a download on it). Precedence: the line with the stronger hashes
/// (the strongest known hash of its weakest part: BLAKE2B > SHA512 > SHA256 > MD5); between
/// equally strong lines the later one, since the more specific list (the package's own,
/// then lists given explicitly) is read after the global one.
public enum PatchListMerge {
    /// The entries to use, in the order first read, and each duplicate or contradiction.
    public static func merge(_ listed: [ListedPatchEntry]) -> (
        entries: [ListedPatchEntry], conflicts: [PatchListConflict]
    ) {
        var chosen = [ListedPatchEntry](), index = [String: Int](), conflicts = [PatchListConflict]()
        for candidate in listed {
            guard let at = index[candidate.entry.patchLocation] else {
                index[candidate.entry.patchLocation] = chosen.count
                chosen.append(candidate)
                continue
            }
            let current = chosen[at]
            guard candidate.entry != current.entry else {
                conflicts.append(PatchListConflict(kept: current, dropped: candidate, contradiction: nil))
                continue
            }
            let kept = Self.precedes(candidate, current) ? candidate : current
            conflicts.append(
                PatchListConflict(
                    kept: kept, dropped: kept == candidate ? current : candidate,
                    contradiction: Self.contradiction(current.entry, candidate.entry)))
            chosen[at] = kept
        }
        return (chosen, conflicts)
    }

    /// As ``merge(_:)``, keeping only the conflicts about patches that can lead to `target`
    /// (a fetch warns about those, not about every stale line of a tree-wide list).
    public static func merge(_ listed: [ListedPatchEntry], for target: String)
        -> (entries: [ListedPatchEntry], conflicts: [PatchListConflict])
    {
        let (entries, conflicts) = merge(listed)
        let relevant = Set(
            ChainPlanner.entriesLeading(to: target, in: entries.map(\.entry)).map { entries[$0].entry.patchLocation })
        return (entries, conflicts.filter { relevant.contains($0.kept.entry.patchLocation) })
    }

    /// Whether `candidate` (read later) takes precedence over `current`.
    static func precedes(_ candidate: ListedPatchEntry, _ current: ListedPatchEntry) -> Bool {
        switch (candidate.strength, current.strength) {
        case let (new?, old?): new >= old
        case (.some, nil): true
        case (nil, .some): false
        case (nil, nil): true
        }
    }

    /// The first part two entries for the same patch disagree about, or nil.
    static func contradiction(_ a: PatchListEntry, _ b: PatchListEntry) -> String? {
        for (first, second, part) in [
            (a.patch, b.patch, "patch"), (a.base, b.base, "base file"), (a.target, b.target, "new file"),
        ] {
            if first.size != second.size || (part != "patch" && first.name != second.name) { return part }
            for (algorithm, digest) in first.digests.digests
            where second.digests[algorithm].map({ $0 != digest }) ?? false {
                return part
            }
        }
        return nil
    }
}
