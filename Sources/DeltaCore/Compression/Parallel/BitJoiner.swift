/// Joins bit strings that do not end on byte boundaries into one byte stream: how the
/// separately compressed pieces of a bzip2 or deflate stream become the serial compressor's
/// output.
struct BitJoiner {
    /// Which end of a byte is filled first.
    enum BitOrder {
        /// bzip2: the most significant bit first.
        case mostSignificantFirst
        /// deflate: the least significant bit first.
        case leastSignificantFirst
    }

    let order: BitOrder
    /// Complete bytes not yet passed on.
    private(set) var bytes: [UInt8] = []
    /// The bits of the incomplete last byte, in their final positions; the rest are zero.
    private var partial: UInt8 = 0
    /// How many bits of ``partial`` are in use (0 to 7).
    private var partialBits = 0

    init(order: BitOrder) { self.order = order }

    /// Appends the first `bitCount` bits of `source` (whose bits are in this joiner's order).
    mutating func append(_ source: UnsafeRawBufferPointer, bitCount: Int) {
        precondition(bitCount >= 0 && bitCount <= source.count * 8)
        let wholeBytes = bitCount / 8
        let shift = partialBits
        if shift == 0 {
            bytes.append(contentsOf: source[..<wholeBytes])
        } else {
            bytes.reserveCapacity(bytes.count + wholeBytes + 1)
            for byte in source[..<wholeBytes] {
                switch order {
                case .mostSignificantFirst:
                    bytes.append(partial | byte >> shift)
                    partial = byte << (8 - shift)
                case .leastSignificantFirst:
                    bytes.append(partial | byte << shift)
                    partial = byte >> (8 - shift)
                }
            }
        }
        let rest = bitCount % 8
        if rest > 0 { appendBits(of: source[wholeBytes], count: rest) }
    }

    /// Appends the first `count` (1 to 7) bits of `byte`, in this joiner's order.
    private mutating func appendBits(of byte: UInt8, count: Int) {
        switch order {
        case .mostSignificantFirst:
            let bits = byte & ~(0xff >> count)
            partial |= bits >> partialBits
            if partialBits + count >= 8 {
                bytes.append(partial)
                partial = partialBits == 0 ? 0 : bits << (8 - partialBits)
            }
        case .leastSignificantFirst:
            let bits = byte & (0xff >> (8 - count))
            partial |= bits << partialBits
            if partialBits + count >= 8 {
                bytes.append(partial)
                partial = partialBits == 0 ? 0 : bits >> (8 - partialBits)
            }
        }
        partialBits = (partialBits + count) % 8
    }

    /// Appends the low `count` bits (at most 64) of `value`: for bzip2 its most significant
    /// bit first, for deflate its least significant bit first.
    mutating func append(value: UInt64, count: Int) {
        var source: [UInt8] = []
        switch order {
        case .mostSignificantFirst:
            let aligned = count == 0 ? 0 : value << (64 - count)
            for index in 0..<((count + 7) / 8) { source.append(UInt8(truncatingIfNeeded: aligned >> (56 - 8 * index))) }
        case .leastSignificantFirst:
            for index in 0..<((count + 7) / 8) { source.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
        }
        source.withUnsafeBytes { append($0, bitCount: count) }
    }

    /// Passes the complete bytes to `sink` once at least `threshold` have gathered.
    mutating func flush(into sink: ChunkSink, threshold: Int = 1 << 16) throws {
        guard bytes.count >= threshold, !bytes.isEmpty else { return }
        try bytes.withUnsafeBytes { try sink($0) }
        bytes.removeAll(keepingCapacity: true)
    }

    /// Pads the last byte with zero bits and passes everything on.
    mutating func finish(into sink: ChunkSink) throws {
        if partialBits > 0 {
            bytes.append(partial)
            partial = 0
            partialBits = 0
        }
        try flush(into: sink, threshold: 0)
    }
}

extension BitJoiner {
    /// Shifts deflate bits (least significant first) down by `count` (1 to 7) bits in place,
    /// dropping the first `count`: afterwards the first `(keeping + 7) / 8` bytes hold the
    /// `keeping` bits that followed them, the unused high bits of the last one zero.
    static func dropLeastSignificantBits(_ count: Int, of bytes: UnsafeMutableRawBufferPointer, keeping: Int) {
        precondition((1...7).contains(count) && count + keeping <= bytes.count * 8)
        let kept = (keeping + 7) / 8
        guard kept > 0 else { return }
        let high = UInt8(8 - count)
        for index in 0..<kept {
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            bytes[index] = bytes[index] >> UInt8(count) | next << high
        }
        if keeping % 8 > 0 { bytes[kept - 1] &= 0xff >> (8 - keeping % 8) }
    }

    /// `count` bits of `bytes` from bit `offset`, least significant first, packed from bit 0;
    /// the unused high bits of the last byte are zero. Compares deflate bits at any offset.
    static func leastSignificantBits(of bytes: UnsafeRawBufferPointer, from offset: Int, count: Int) -> [UInt8] {
        let shift = offset % 8
        let first = offset / 8
        var result = [UInt8](repeating: 0, count: (count + 7) / 8)
        for index in result.indices {
            let low = bytes[first + index] >> shift
            let high = shift > 0 && first + index + 1 < bytes.count ? bytes[first + index + 1] << (8 - shift) : 0
            result[index] = low | high
        }
        if count % 8 > 0, let last = result.indices.last { result[last] &= 0xff >> (8 - count % 8) }
        return result
    }
}
