/// GNU gzip's `--rsyncable` sequence points (gzip 1.7 and later, `deflate.c`).
///
/// A rolling sum runs over the last 4096 input bytes; where it is a multiple of 4096, the
/// block in progress is ended soon after and padded to a byte boundary with an empty stored
/// block, so that a local change to the input leaves the compressed bytes after the next such
/// point unchanged. The sum is rolled exactly where gzip rolls it (over each literal and each
/// match as they are emitted), and the points are taken where gzip takes them, so the block
/// boundaries and every byte follow.
struct GNURsyncableChunking {
    /// `RSYNC_WIN`: the bytes the sum covers, and its modulus.
    static let window = 4096
    /// gzip's "no point pending" value of `rsync_chunk_end`.
    private static let noPoint: UInt64 = 0xFFFF_FFFF

    /// `rsync_sum`.
    private var sum: UInt64 = 0
    /// `rsync_chunk_end`: the window position of the pending sequence point.
    private var chunkEnd = noPoint

    /// gzip's `rsync_roll`: adds the `count` bytes at window position `start` to the sum (and
    /// drops the ones 4096 bytes back), noting the first position where the sum hits.
    /// The first 4096 bytes of the input only fill the sum.
    mutating func roll(_ window: UnsafePointer<UInt8>, start: Int, count: Int) {
        var start = start
        var count = count
        if start < Self.window {
            for index in start..<Self.window {
                if index == start + count { return }
                sum &+= UInt64(window[index])
            }
            count -= Self.window - start
            start = Self.window
        }
        guard count > 0 else { return }
        for index in start..<(start + count) {
            sum = sum &+ UInt64(window[index]) &- UInt64(window[index - Self.window])
            if chunkEnd == Self.noPoint && sum % UInt64(Self.window) == 0 { chunkEnd = UInt64(index) }
        }
    }

    /// Follows the window sliding down by `distance` bytes.
    mutating func slide(by distance: Int) {
        if chunkEnd != Self.noPoint { chunkEnd &-= UInt64(distance) }
    }

    /// Whether the block must end at `position` (gzip's `strstart > rsync_chunk_end`); the
    /// point is consumed when so.
    mutating func takePoint(at position: Int) -> Bool {
        guard UInt64(position) > chunkEnd else { return false }
        chunkEnd = Self.noPoint
        return true
    }
}
