/// Reads a patch's base by offset through a small direct-mapped cache of blocks.
///
/// VCDIFF COPYs from the source are many and small (4 bytes and up) and jump around the
/// source segment (xdelta3's "here" and near modes), so one `pread` per COPY, or one large
/// cached block, costs far more than the copy. 256 blocks of 16 KiB (4 MiB) hold the parts
/// of the segment in use; a COPY of a quarter block or more goes straight to the base.
final class SourceBlockCache {
    static let blockSize = 1 << 14
    static let slotCount = 256

    private let base: RandomAccessSource
    private let baseSize: UInt64
    private let blocks = UnsafeMutableRawBufferPointer.allocate(
        byteCount: SourceBlockCache.blockSize * SourceBlockCache.slotCount,
        alignment: 16)
    /// For each slot: the block number it holds plus one (0: empty), and its valid length.
    private var tags = [UInt64](repeating: 0, count: SourceBlockCache.slotCount)
    private var counts = [Int](repeating: 0, count: SourceBlockCache.slotCount)

    init(_ base: RandomAccessSource, size: UInt64) {
        self.base = base
        baseSize = size
    }

    deinit { blocks.deallocate() }

    /// Fills `destination` from `offset` (the caller checked the range lies in the base).
    func read(into destination: UnsafeMutableRawBufferPointer, at offset: UInt64) throws {
        guard destination.count < Self.blockSize / 4 else {
            try base.read(into: destination, at: offset)
            return
        }
        var filled = 0
        while filled < destination.count {
            let position = offset + UInt64(filled)
            let blockNumber = position / UInt64(Self.blockSize)
            let slot = Int(blockNumber % UInt64(Self.slotCount))
            if tags[slot] != blockNumber + 1 { try load(blockNumber, into: slot) }
            let start = Int(position % UInt64(Self.blockSize))
            let count = min(counts[slot] - start, destination.count - filled)
            let slotStart = slot * Self.blockSize
            UnsafeMutableRawBufferPointer(rebasing: destination[filled..<filled + count])
                .copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: blocks[slotStart + start..<slotStart + start + count]))
            filled += count
        }
    }

    private func load(_ blockNumber: UInt64, into slot: Int) throws {
        let start = blockNumber * UInt64(Self.blockSize)
        let count = Int(min(UInt64(Self.blockSize), baseSize - start))
        tags[slot] = 0
        let slotStart = slot * Self.blockSize
        try base.read(into: UnsafeMutableRawBufferPointer(rebasing: blocks[slotStart..<slotStart + count]), at: start)
        tags[slot] = blockNumber + 1
        counts[slot] = count
    }
}
