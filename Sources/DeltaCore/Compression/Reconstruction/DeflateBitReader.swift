/// Reads deflate's bit stream (least significant bit first) from memory, bounded by its end.
struct DeflateBitReader {
    private let input: UnsafeRawBufferPointer
    /// Bits consumed so far.
    private(set) var bitPosition = 0
    /// The stream's length in bits.
    let bitCount: Int

    /// A reader over `input`, or over its first `bitCount` bits.
    init(_ input: UnsafeRawBufferPointer, bitCount: Int? = nil) {
        self.input = input
        self.bitCount = min(bitCount ?? input.count * 8, input.count * 8)
    }

    /// Reads `count` (0 to 32) bits as an integer, the first bit lowest.
    @inline(__always)
    mutating func read(_ count: Int) throws(DeflateParseError) -> UInt32 {
        guard count <= bitCount - bitPosition else {
            throw .invalid(bitOffset: bitPosition, detail: "truncated")
        }
        var value: UInt32 = 0
        var done = 0
        while done < count {
            let byte = UInt32(input[(bitPosition + done) >> 3])
            let shift = (bitPosition + done) & 7
            let take = min(8 - shift, count - done)
            value |= ((byte >> UInt32(shift)) & ((1 << UInt32(take)) - 1)) << UInt32(done)
            done += take
        }
        bitPosition += count
        return value
    }

    /// Moves to bit `position` (within the stream).
    mutating func seek(to position: Int) {
        bitPosition = min(max(0, position), bitCount)
    }

    /// Skips `count` whole bytes; only at a byte boundary.
    mutating func skip(bytes count: Int) throws(DeflateParseError) {
        guard count <= (bitCount - bitPosition) / 8 else {
            throw .invalid(bitOffset: bitPosition, detail: "truncated")
        }
        bitPosition += count * 8
    }

    /// Reads one bit.
    @inline(__always)
    mutating func bit() throws(DeflateParseError) -> UInt32 {
        guard bitPosition < bitCount else { throw .invalid(bitOffset: bitPosition, detail: "truncated") }
        let value = UInt32(input[bitPosition >> 3] >> UInt8(bitPosition & 7)) & 1
        bitPosition += 1
        return value
    }
}

/// Packs bits (least significant first) into bytes: the replay's output, passed on as it
/// grows (``drain(into:)``).
struct DeflateBitSink {
    private(set) var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var pending = 0
    /// Bytes already passed on.
    private var drained = 0

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Bits written so far, passed on or not.
    var bitPosition: Int { (drained + bytes.count) * 8 + pending }

    /// Appends the low `count` (at most 32) bits of `value`.
    @inline(__always)
    mutating func write(_ value: UInt32, _ count: Int) {
        buffer |= UInt64(value & UInt32(truncatingIfNeeded: (UInt64(1) << UInt64(count)) - 1)) << UInt64(pending)
        pending += count
        while pending >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            pending -= 8
        }
    }

    /// Appends whole bytes; only at a byte boundary.
    mutating func append(_ source: UnsafeRawBufferPointer) {
        precondition(pending == 0, "bytes appended off a byte boundary")
        bytes.append(contentsOf: source)
    }

    /// Writes out a last partial byte (its high bits zero).
    mutating func finish() {
        if pending > 0 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer = 0
            pending = 0
        }
    }

    /// Passes the complete bytes written so far to `sink` and forgets them.
    mutating func drain(into sink: ChunkSink) throws {
        guard !bytes.isEmpty else { return }
        try bytes.withUnsafeBytes { try sink($0) }
        drained += bytes.count
        bytes.removeAll(keepingCapacity: true)
    }
}
