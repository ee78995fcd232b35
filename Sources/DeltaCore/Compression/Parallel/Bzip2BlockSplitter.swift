/// Finds where libbz2 ends its blocks, from the uncompressed content alone.
///
/// libbz2 run-length codes its input as it fills a block (`ADD_CHAR_TO_BLOCK` in bzlib.c:
/// runs of 4 to 255 equal bytes become 4 bytes and a count) and ends the block as soon as
/// the coded length reaches `100000 × level − 19` (`nblockMAX`). The coded length grows
/// only when a byte starts a new run, and `handle_compress` ends a full block without
/// `flush_RL`, so that byte opens the next block. Block boundaries thus follow from the
/// content and the level; no patch needs to carry them.
struct Bzip2BlockSplitter {
    /// libbz2's `nblockMAX` for the level.
    let codedLimit: Int
    /// Coded bytes in the block so far, not counting the pending run (`nblock`).
    private var coded = 0
    /// The pending run's byte (256: none) and length (`state_in_ch`, `state_in_len`).
    private var runByte = 256
    private var runLength = 0

    /// A splitter for `bzip2 -level` (1 to 9).
    init(level: Int) {
        codedLimit = 100_000 * level - 19
    }

    /// How many coded bytes libbz2 writes for a run of `length` (1 to 255).
    @inline(__always)
    private static func codedLength(ofRun length: Int) -> Int { length < 4 ? length : 5 }

    /// Consumes bytes up to the end of the current block: returns how many of `bytes` belong
    /// to it, and whether the block ends after them (otherwise all were taken and it goes on).
    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> (count: Int, endsBlock: Bool) {
        var index = 0
        while index < bytes.count {
            let byte = Int(bytes[index])
            index += 1
            if byte != runByte && runLength == 1 {
                coded += 1
                runByte = byte
            } else if byte != runByte || runLength == 255 {
                if runByte < 256 { coded += Self.codedLength(ofRun: runLength) }
                runByte = byte
                runLength = 1
            } else {
                runLength += 1
            }
            if coded >= codedLimit {
                // The byte just read opened a run of one, which libbz2 carries into the
                // next block: that block starts with it, as a fresh state would.
                coded = 0
                runByte = 256
                runLength = 0
                return (index - 1, true)
            }
        }
        return (index, false)
    }
}
