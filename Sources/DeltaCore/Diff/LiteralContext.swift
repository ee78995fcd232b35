/// Chooses what primes the literals' LZMA2 decoder (``NativePatchHeader/literalContextFeature``):
/// the old file's text around where each run of literals replaces it, so that LZMA2 codes new
/// text with short matches into the old text it rewrites (repeat distances, cheap lengths),
/// which covers, paying a command each, cannot do.
///
/// Measured on Django 5.0.7 → 5.1 (bench/patch-streams.py): the literals coded with their old
/// neighbourhoods cost 12 KB less; dissolving covers shorter than 64 bytes into literals as
/// well saves another 15 KB of commands and residuals, which the context makes up for.
enum LiteralContext {
    /// Covers shorter than this (outside tar metadata) become literals when a context is used.
    static let minimumCover = 64
    /// Old bytes taken before and after the old cursor's position at each run of literals.
    static let before = 512, after = 1024
    /// The most context bytes: the applier holds them once, and the encoder indexes them.
    static let maximumLength = 8 << 20
    /// An old file at most this long is the context whole: cheap, and nothing is missed.
    static let wholeFileLimit = 512 << 10

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

    /// The old ranges around each run of literals that `covers` leave in a new file of
    /// `newCount` bytes, in the order the runs come, merged where they overlap the previous
    /// one; the whole old file when it is small. Empty when there are no literals.
    static func ranges(for covers: [Cover], oldCount: Int, newCount: Int) -> [Range<Int>] {
        var ranges = [Range<Int>]()
        var total = 0
        var previousEnd = 0, cursor = 0
        for cover in covers + [Cover(newPosition: newCount, oldPosition: -1, length: 0)] {
            let literal = cover.newPosition - previousEnd
            if literal > 0 {
                if oldCount <= wholeFileLimit { return oldCount > 0 ? [0..<oldCount] : [] }
                let range = max(0, min(cursor, oldCount) - before)..<min(oldCount, cursor + literal + after)
                if let last = ranges.last, range.lowerBound <= last.upperBound, range.upperBound >= last.lowerBound {
                    let merged = min(last.lowerBound, range.lowerBound)..<max(last.upperBound, range.upperBound)
                    guard total - last.count + merged.count <= maximumLength else { break }
                    total += merged.count - last.count
                    ranges[ranges.count - 1] = merged
                } else if !range.isEmpty {
                    guard total + range.count <= maximumLength else { break }
                    total += range.count
                    ranges.append(range)
                }
            }
            previousEnd = cover.newPosition + cover.length
            cursor = cover.oldPosition + cover.length
        }
        return ranges
    }

    /// The old file's bytes in `ranges`, back to back.
    static func bytes(of ranges: [Range<Int>], in old: UnsafePointer<UInt8>) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(ranges.reduce(0) { $0 + $1.count })
        for range in ranges { bytes.append(contentsOf: UnsafeBufferPointer(start: old + range.lowerBound, count: range.count)) }
        return bytes
    }
}
