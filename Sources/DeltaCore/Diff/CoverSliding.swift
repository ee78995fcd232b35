/// Moves the boundary between two abutting covers as far right as the old bytes allow, so that
/// repeated edits come out as repeated commands.
///
/// Where the new file inserts or deletes bytes inside a run (a table column widened by two
/// dashes or spaces in every row), the match finder may place the switch from one alignment to
/// the next anywhere in that run, and it picks a different place in different rows: the copy
/// lengths then alternate (127, 99, 136, 90, …) and each command costs LZMA a byte or two. Put
/// at the run's end, every row's switch lies in the same column and the commands repeat
/// exactly, which LZMA codes as one long match (six 1.16.0 → 1.17.0: 285 → 148 bytes of
/// commands).
///
/// A boundary moves one byte right only where both alignments produce the same old byte, so the
/// bytes the copies produce, and with them every residual, stay exactly the same; so do the
/// moves between covers. Only the two copy lengths change. A boundary moves at most
/// ``DiffTuning/maximumSlide`` bytes: a run of equal bytes long enough to take it further (tar
/// padding, blank lines) is no column, and moving it there only scatters the copy lengths
/// (Django 5.0.7 → 5.1's commands: 19 bytes more with 64, 160 more without a limit).
public enum CoverSliding {
    /// `covers` (in new-file order) with each boundary between abutting covers moved right as
    /// far as it can, up to `limit` bytes, keeping every cover at least one byte long.
    /// - Parameters:
    ///   - covers: covers in new-file order, not overlapping, each within the old file.
    ///   - old: the old file's bytes, `oldCount` of them.
    ///   - limit: the farthest one boundary moves.
    /// - Returns: covers at the same new positions in all, producing the same bytes.
    public static func slidingBoundariesRight(
        _ covers: [Cover], old: UnsafePointer<UInt8>, oldCount: Int, limit: Int
    ) -> [Cover] {
        var covers = covers
        for index in covers.indices.dropFirst() {
            let previous = covers[index - 1]
            var cover = covers[index]
            guard previous.length > 0, previous.newPosition + previous.length == cover.newPosition else { continue }
            var previousEnd = previous.oldPosition + previous.length
            let farthest = min(oldCount, previousEnd + limit)
            while cover.length > 1, previousEnd < farthest, old[previousEnd] == old[cover.oldPosition] {
                previousEnd += 1
                cover.newPosition += 1
                cover.oldPosition += 1
                cover.length -= 1
            }
            covers[index - 1].length = previousEnd - previous.oldPosition
            covers[index] = cover
        }
        return covers
    }
}
