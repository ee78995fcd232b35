/// Reads a patch's base by offset through one cached block.
///
/// VCDIFF COPYs from the source are many and small (4 bytes and up) and mostly move forward
/// through the source segment, so one block read with `pread` serves many of them; a COPY
/// as large as a block goes straight to the base.
final class SourceBlockCache {
    static let blockSize = 1 << 18

    private let base: RandomAccessSource
    private let baseSize: UInt64
    private let block = UnsafeMutableRawBufferPointer.allocate(byteCount: SourceBlockCache.blockSize, alignment: 16)
    private var blockOffset: UInt64 = 0
    private var blockCount = 0

    init(_ base: RandomAccessSource, size: UInt64) {
        self.base = base
        baseSize = size
    }

    deinit { block.deallocate() }

    /// Fills `destination` from `offset` (the caller checked the range lies in the base).
    func read(into destination: UnsafeMutableRawBufferPointer, at offset: UInt64) throws {
        guard destination.count < Self.blockSize / 4 else {
            try base.read(into: destination, at: offset)
            return
        }
        var filled = 0
        while filled < destination.count {
            let position = offset + UInt64(filled)
            if position < blockOffset || position >= blockOffset + UInt64(blockCount) { try load(at: position) }
            let start = Int(position - blockOffset)
            let count = min(blockCount - start, destination.count - filled)
            UnsafeMutableRawBufferPointer(rebasing: destination[filled..<filled + count])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: block[start..<start + count]))
            filled += count
        }
    }

    private func load(at position: UInt64) throws {
        let aligned = position - position % UInt64(Self.blockSize)
        let count = Int(min(UInt64(Self.blockSize), baseSize - aligned))
        try base.read(into: UnsafeMutableRawBufferPointer(rebasing: block[..<count]), at: aligned)
        blockOffset = aligned
        blockCount = count
    }
}
