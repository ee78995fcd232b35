/// Applies BSDIFF40 patches, as bsdiff 4.x (Debian's `bsdiff` 4.3) writes them, streaming.
///
/// The old file is read by offset and the new one written strictly in order through fixed
/// buffers; the three bzip2 blocks are decoded side by side, a few kilobytes at a time, so
/// memory stays at a few megabytes (libbz2's state) whatever the files' sizes. bspatch 4.3
/// itself loads both files whole.
///
/// Every length in the patch is checked before it is used. Two choices where bspatch is
/// silent or unsafe:
/// - Negative diff or extra lengths are refused (``BSDiff40Error/negativeLength(_:value:triple:offset:)``);
///   bspatch 4.3 wrote before its buffer (CVE-2014-9862).
/// - Old-file bytes outside `[0, old size)` read as zero, exactly as bspatch does
///   (`if (oldpos+i >= 0 && oldpos+i < oldsize) new[i] += old[oldpos+i]`). bsdiff never
///   writes such triples, but a patch bspatch accepts gives the same bytes here.
public enum BSDiff40Applier {
    /// How many control triples in a row may produce no byte before the patch is refused.
    /// bsdiff writes at most one such triple, at the very end.
    public static let maximumIdleTriples = 1 << 10

    private static let chunkSize = 1 << 16

    /// Applies `patch` to `base`, passing the new file's bytes to `sink` in order.
    /// - Parameters:
    ///   - base: the old file, read by offset.
    ///   - patch: the BSDIFF40 patch, read by offset.
    ///   - sink: receives the new file in chunks of at most 64 KiB.
    /// - Returns: the number of bytes written (the header's new size).
    /// - Throws: ``BSDiff40Error`` for a malformed or hostile patch; the base's and the sink's
    ///   own errors as they are.
    @discardableResult
    public static func apply(base: RandomAccessSource, patch: RandomAccessSource, into sink: ChunkSink) throws -> UInt64
    {
        let header = try BSDiff40Header.read(from: patch)
        let ranges = header.blockRanges(patchSize: try patch.size())
        let control = Bzip2BlockReader(.control, range: ranges.control, in: patch)
        let diff = Bzip2BlockReader(.diff, range: ranges.diff, in: patch)
        let extra = Bzip2BlockReader(.extra, range: ranges.extra, in: patch)
        let old = ZeroExtendedSource(base, size: try base.size())

        let newBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        let oldBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        let tripleBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 24, alignment: 8)
        defer {
            newBuffer.deallocate()
            oldBuffer.deallocate()
            tripleBuffer.deallocate()
        }

        let newSize = header.newSize
        var newPosition: UInt64 = 0
        var oldPosition: Int64 = 0
        var triple: UInt64 = 0
        var idleTriples = 0
        while newPosition < newSize {
            try control.read(into: tripleBuffer)
            let diffLength = BSDiff40Header.signMagnitude(tripleBuffer[0..<8])
            let extraLength = BSDiff40Header.signMagnitude(tripleBuffer[8..<16])
            let seek = BSDiff40Header.signMagnitude(tripleBuffer[16..<24])
            let offset = control.patchOffset

            try check(diffLength, .diff, newPosition: newPosition, newSize: newSize, triple: triple, offset: offset)
            // The diff string: patch bytes added to old bytes, chunk by chunk.
            var remaining = UInt64(diffLength)
            while remaining > 0 {
                let count = Int(min(remaining, UInt64(chunkSize)))
                let newChunk = UnsafeMutableRawBufferPointer(rebasing: newBuffer[..<count])
                try diff.read(into: newChunk)
                try old.read(into: UnsafeMutableRawBufferPointer(rebasing: oldBuffer[..<count]), at: oldPosition)
                for index in 0..<count { newChunk[index] &+= oldBuffer[index] }
                try sink(UnsafeRawBufferPointer(newChunk))
                remaining -= UInt64(count)
                oldPosition += Int64(count)  // cannot overflow: checked below before the string
            }
            newPosition += UInt64(diffLength)

            try check(extraLength, .extra, newPosition: newPosition, newSize: newSize, triple: triple, offset: offset)
            remaining = UInt64(extraLength)
            while remaining > 0 {
                let count = Int(min(remaining, UInt64(chunkSize)))
                let newChunk = UnsafeMutableRawBufferPointer(rebasing: newBuffer[..<count])
                try extra.read(into: newChunk)
                try sink(UnsafeRawBufferPointer(newChunk))
                remaining -= UInt64(count)
            }
            newPosition += UInt64(extraLength)

            let (moved, overflow) = oldPosition.addingReportingOverflow(seek)
            guard !overflow else { throw BSDiff40Error.oldPositionOverflow(triple: triple, offset: offset) }
            oldPosition = moved

            idleTriples = (diffLength == 0 && extraLength == 0) ? idleTriples + 1 : 0
            guard idleTriples <= maximumIdleTriples else {
                throw BSDiff40Error.stalledControl(triple: triple, offset: offset)
            }
            triple += 1
        }
        return newSize

        /// A string's length must be non-negative and fit in what is left of the new file;
        /// a diff string must also leave the old position representable.
        func check(
            _ length: Int64, _ block: BSDiff40Error.Block, newPosition: UInt64, newSize: UInt64,
            triple: UInt64, offset: UInt64
        ) throws {
            guard length >= 0 else {
                throw BSDiff40Error.negativeLength(block, value: length, triple: triple, offset: offset)
            }
            guard UInt64(length) <= newSize - newPosition else {
                throw BSDiff40Error.lengthPastNewSize(
                    block, length: length, newPosition: newPosition, newSize: newSize,
                    triple: triple, offset: offset)
            }
            if block == .diff && oldPosition.addingReportingOverflow(length).overflow {
                throw BSDiff40Error.oldPositionOverflow(triple: triple, offset: offset)
            }
        }
    }
}

/// The old file seen as bspatch sees it: its bytes in `[0, size)`, zeros everywhere else.
private struct ZeroExtendedSource {
    let base: RandomAccessSource
    let size: UInt64

    init(_ base: RandomAccessSource, size: UInt64) {
        self.base = base
        self.size = size
    }

    /// Fills `buffer` with the bytes from `position` (which may be negative or past the end).
    func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int64) throws {
        let count = Int64(buffer.count)
        // Clamp [position, position + count) to [0, size); everything else is zero.
        let lower = max(position, 0)
        let upper = min(position + count, Int64(clamping: size))
        guard lower < upper else {
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            return
        }
        let head = Int(lower - position)
        let tail = Int(upper - position)
        if head > 0 {
            UnsafeMutableRawBufferPointer(rebasing: buffer[..<head]).initializeMemory(as: UInt8.self, repeating: 0)
        }
        if tail < buffer.count {
            UnsafeMutableRawBufferPointer(rebasing: buffer[tail...]).initializeMemory(as: UInt8.self, repeating: 0)
        }
        try base.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[head..<tail]), at: UInt64(lower))
    }
}
