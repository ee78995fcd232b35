/// What primes the literals' LZMA2 decoder (``NativePatchHeader/literalContextFeature``): the
/// old file's text around where each run of literals replaces it, so that LZMA2 codes new text
/// with short matches into the old text it rewrites (repeat distances, cheap lengths), which
/// covers, paying a command each, cannot do.
///
/// The ranges are not stored: both sides derive them from the commands (``Derivation``), so
/// the header holds only the rule's three numbers, or says the context is the whole old file.
public enum LiteralContext: Sendable, Equatable {
    /// The whole old file (a small one; the only kind a solid patch may use, since its
    /// commands are inside the stream the context primes).
    case wholeFile
    /// For each run of literals, the old bytes from `before` bytes before the old cursor (where
    /// the copy before the run ended) to `after` bytes past the run's length beyond it, merged
    /// with the previous range where they overlap, until the next range would take the total
    /// past `limit` bytes.
    case derived(before: UInt64, after: UInt64, limit: UInt64)

    /// The section's `mode` values.
    static let wholeFileMode: UInt64 = 0, derivedMode: UInt64 = 1

    /// Accumulates the ranges of a ``derived(before:after:limit:)`` context, one command at a time.
    struct Derivation {
        let before: UInt64, after: UInt64, limit: UInt64, oldSize: UInt64
        private(set) var ranges = [Range<UInt64>]()
        private var total: UInt64 = 0
        private var full = false
        /// The old cursor, kept within the old file (the applier checks moves itself).
        private var cursor: UInt64 = 0

        init(before: UInt64, after: UInt64, limit: UInt64, oldSize: UInt64) {
            (self.before, self.after, self.limit, self.oldSize) = (before, after, limit, oldSize)
        }

        /// Takes the next command; false once a move leaves the old file (the patch is bad).
        mutating func add(copy: UInt64, literal: UInt64, move: Int64) -> Bool {
            cursor = copy <= oldSize - cursor ? cursor + copy : oldSize
            if literal > 0 && !full {
                let start = cursor >= before ? cursor - before : 0
                let reach = literal.addingReportingOverflow(after)
                let end =
                    reach.overflow || reach.partialValue >= oldSize - cursor ? oldSize : cursor + reach.partialValue
                addRange(start..<end)
            }
            let target = Int64(bitPattern: cursor).addingReportingOverflow(move)
            guard !target.overflow, target.partialValue >= 0, UInt64(target.partialValue) <= oldSize else {
                return false
            }
            cursor = UInt64(target.partialValue)
            return true
        }

        private mutating func addRange(_ range: Range<UInt64>) {
            if let last = ranges.last, range.lowerBound <= last.upperBound, range.upperBound >= last.lowerBound {
                let merged = min(last.lowerBound, range.lowerBound)..<max(last.upperBound, range.upperBound)
                let grown = (merged.upperBound - merged.lowerBound) - (last.upperBound - last.lowerBound)
                guard grown <= limit - total else {
                    full = true
                    return
                }
                total += grown
                ranges[ranges.count - 1] = merged
            } else if !range.isEmpty {
                guard range.upperBound - range.lowerBound <= limit - total else {
                    full = true
                    return
                }
                total += range.upperBound - range.lowerBound
                ranges.append(range)
            }
        }
    }
}
