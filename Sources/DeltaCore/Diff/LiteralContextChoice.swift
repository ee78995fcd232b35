/// How the differ primes the literals (``LiteralContext``), measured on Django 5.0.7 → 5.1
/// (bench/patch-streams.py): the literals coded with their old neighbourhoods cost 12 KB
/// less; dissolving covers shorter than 64 bytes into literals as well saves another 15 KB of
/// commands and residuals, which the context makes up for.
extension LiteralContext {
    /// Covers shorter than this (outside tar metadata) become literals when a context is used.
    static let minimumCover = 64
    /// Old bytes taken before and after the old cursor's position at each run of literals.
    static let defaultBefore: UInt64 = 512, defaultAfter: UInt64 = 1024
    /// The most context bytes of a derived context: the applier holds them twice while its
    /// decoder starts (its copy and the decoder's), then within the literals' window, whose
    /// cap (1 MiB) leaves room for the literals after them. 8 MiB made Django 5.0.7 → 5.1's
    /// patch 5 % smaller but its applier 14 MiB larger.
    static let defaultLimit: UInt64 = 512 << 10
    /// An old file at most this long is the context whole by default (``DiffOptions/wholeFileContextMaximum``):
    /// cheap, and nothing is missed.
    public static let wholeFileLimit = 512 << 10

    /// The context for an old file of `oldCount` bytes: the whole file when it is at most `wholeFileMaximum`.
    static func choice(oldCount: Int, wholeFileMaximum: Int) -> LiteralContext {
        oldCount <= wholeFileMaximum
            ? .wholeFile : .derived(before: defaultBefore, after: defaultAfter, limit: defaultLimit)
    }

    /// `covers` without those shorter than `minimum` that touch no tar metadata (`metadata`,
    /// sorted): their bytes become literals.
    static func dissolvingShortCovers(_ covers: [Cover], shorterThan minimum: Int, metadata: [Range<Int>]) -> [Cover] {
        var index = 0
        return covers.filter { cover in
            guard cover.length < minimum else { return true }
            while index < metadata.count && metadata[index].upperBound <= cover.newPosition { index += 1 }
            return index < metadata.count && metadata[index].lowerBound < cover.newPosition + cover.length
        }
    }

    /// The old file's bytes that this context primes the literals with, given the patch's
    /// encoded `commands` (the differ's own, so well-formed).
    func bytes(old: UnsafePointer<UInt8>, oldCount: Int, commands: [UInt8], newCount: Int) -> [UInt8] {
        switch self {
        case .wholeFile:
            return Array(UnsafeBufferPointer(start: old, count: oldCount))
        case let .derived(before, after, limit):
            var derivation = Derivation(before: before, after: after, limit: limit, oldSize: UInt64(oldCount))
            var reader = PatchByteReader(commands, baseOffset: 0, section: "commands")
            var written: UInt64 = 0
            while written < UInt64(newCount), let copy = try? reader.readVarint("copy"),
                let literal = try? reader.readVarint("literal"),
                let move = try? reader.readVarint("move")
            {
                _ = derivation.add(copy: copy, literal: literal, move: move.zigzagDecoded)
                written += copy + literal
            }
            var bytes = [UInt8]()
            for range in derivation.ranges {
                bytes.append(
                    contentsOf: UnsafeBufferPointer(start: old + Int(range.lowerBound), count: Int(range.count)))
            }
            return bytes
        }
    }
}
