/// libdeflate's block splitting heuristic (`block_split_stats`): literals and matches are
/// counted by coarse type (a literal by its top two bits and lowest bit, a match by whether it
/// is 9 bytes or longer); every 512 new observations, once the block has 5000 bytes and 5000
/// remain, the new counts are compared with the block's so far, and the block ends when their
/// distributions differ by enough (more easily as the block grows). All arithmetic is
/// libdeflate's 32-bit unsigned arithmetic.
final class LibdeflateSplitStatistics {
    private static let typeCount = 10
    /// The new observations' counts by type, then the block's earlier ones.
    private let counts: UnsafeMutablePointer<UInt32>
    private var newCount: UInt32 = 0
    private var count: UInt32 = 0

    init() {
        counts = .allocate(capacity: 2 * Self.typeCount)
        counts.initialize(repeating: 0, count: 2 * Self.typeCount)
    }

    deinit { counts.deallocate() }

    func reset() {
        counts.update(repeating: 0, count: 2 * Self.typeCount)
        newCount = 0
        count = 0
    }

    @inline(__always)
    func observeLiteral(_ literal: UInt8) {
        counts[Int((literal >> 5) & 0x6 | literal & 1)] &+= 1
        newCount &+= 1
    }

    @inline(__always)
    func observeMatch(length: Int) {
        counts[length >= 9 ? 9 : 8] &+= 1
        newCount &+= 1
    }

    /// `should_end_block`: whether the block that began at `blockStart` ends at `current`,
    /// the input ending at `end`.
    @inline(__always)
    func shouldEndBlock(blockStart: Int, current: Int, end: Int) -> Bool {
        guard newCount >= 512, current - blockStart >= 5000, end - current >= 5000 else { return false }
        return endBlockCheck(blockLength: UInt32(current - blockStart))
    }

    private func endBlockCheck(blockLength: UInt32) -> Bool {
        let old = counts + Self.typeCount
        if count > 0 {
            var totalDelta: UInt32 = 0
            for index in 0..<Self.typeCount {
                let expected = old[index] &* newCount
                let actual = counts[index] &* count
                totalDelta &+= actual > expected ? actual &- expected : expected &- actual
            }
            let items = count &+ newCount
            var cutoff = newCount &* 200 / 512 &* count
            if blockLength < 10000 && items < 8192 {
                cutoff &+= UInt32(truncatingIfNeeded: UInt64(cutoff) * UInt64(8192 - items) / 8192)
            }
            if totalDelta &+ (blockLength / 4096) &* count >= cutoff { return true }
        }
        for index in 0..<Self.typeCount {
            old[index] &+= counts[index]
            counts[index] = 0
        }
        count &+= newCount
        newCount = 0
        return false
    }
}
