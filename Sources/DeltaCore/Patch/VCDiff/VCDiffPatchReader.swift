/// Reads a VCDIFF patch front to back through a fixed buffer, knowing the offset of every
/// byte (for error messages) and how many remain (so no length is trusted beyond them).
final class VCDiffPatchReader {
    private static let bufferSize = 1 << 16

    private let source: RandomAccessSource
    /// The patch's size in bytes.
    let size: UInt64
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: VCDiffPatchReader.bufferSize, alignment: 16)
    /// The patch offset of `buffer[0]`, and how many bytes of it are valid.
    private var bufferOffset: UInt64 = 0
    private var bufferCount = 0
    /// The offset of the next byte to read.
    private(set) var offset: UInt64 = 0

    init(_ source: RandomAccessSource) throws {
        self.source = source
        size = try source.size()
    }

    deinit { buffer.deallocate() }

    var remaining: UInt64 { size - offset }
    var isAtEnd: Bool { offset == size }

    func readByte() throws -> UInt8 {
        if offset >= bufferOffset + UInt64(bufferCount) { try refill(needing: 1) }
        defer { offset += 1 }
        return buffer[Int(offset - bufferOffset)]
    }

    /// An RFC 3284 integer: base-128 digits, most significant first, high bit set on all
    /// but the last. At most 10 digits and 64 bits.
    func readInteger() throws -> UInt64 {
        let start = offset
        guard let value = try VCDiffInteger.read(readByte) else { throw VCDiffError.invalidInteger(offset: start) }
        return value
    }

    /// Fills `destination` with the next bytes.
    func read(into destination: UnsafeMutableRawBufferPointer) throws {
        guard UInt64(destination.count) <= remaining else { throw VCDiffError.truncated(offset: size) }
        var filled = 0
        while filled < destination.count {
            if offset >= bufferOffset + UInt64(bufferCount) { try refill(needing: 1) }
            let start = Int(offset - bufferOffset)
            let count = min(bufferCount - start, destination.count - filled)
            UnsafeMutableRawBufferPointer(rebasing: destination[filled..<filled + count])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[start..<start + count]))
            filled += count
            offset += UInt64(count)
        }
    }

    /// Passes the next `count` bytes to `body`, a buffer at a time.
    func forEachChunk(of count: UInt64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard count <= remaining else { throw VCDiffError.truncated(offset: size) }
        var left = count
        while left > 0 {
            if offset >= bufferOffset + UInt64(bufferCount) { try refill(needing: 1) }
            let start = Int(offset - bufferOffset)
            let take = Int(min(UInt64(bufferCount - start), left))
            try body(UnsafeRawBufferPointer(rebasing: buffer[start..<start + take]))
            offset += UInt64(take)
            left -= UInt64(take)
        }
    }

    /// Moves past `count` bytes without reading them.
    func skip(_ count: UInt64) throws {
        guard count <= remaining else { throw VCDiffError.truncated(offset: size) }
        offset += count
    }

    private func refill(needing count: Int) throws {
        guard UInt64(count) <= remaining else { throw VCDiffError.truncated(offset: size) }
        let take = Int(min(remaining, UInt64(buffer.count)))
        try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<take]), at: offset)
        bufferOffset = offset
        bufferCount = take
    }
}

/// RFC 3284's variable-length integers (section 2).
enum VCDiffInteger {
    /// Reads one integer, a digit at a time from `nextByte`: base-128 digits, most
    /// significant first, the high bit set on all but the last.
    /// - Returns: the value, or nil if it takes more than 10 digits or 64 bits.
    static func read(_ nextByte: () throws -> UInt8) rethrows -> UInt64? {
        var value: UInt64 = 0
        for _ in 0..<10 {
            let byte = try nextByte()
            guard value >> 57 == 0 else { return nil }
            value = value << 7 | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 { return value }
        }
        return nil
    }
}
