/// Packs deflate's bit stream (least significant bit first) into bytes and hands full
/// chunks to a sink.
struct DeflateBitWriter {
    private(set) var buffer: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var bitBuffer: UInt64 = 0
    private var bitCount: UInt64 = 0
    /// Bytes already passed on.
    private(set) var flushedBytes = 0
    /// Bytes are passed on once this many are buffered.
    static let flushThreshold = 1 << 16
    /// Room for the threshold plus the largest block (32K symbols of at most 48 bits, or a
    /// stored block), since bytes are only passed on between blocks.
    static let capacity = flushThreshold + (1 << 19)

    init() {
        buffer = .allocate(capacity: Self.capacity)
    }

    func deallocate() { buffer.deallocate() }

    /// Forgets every bit written, keeping the buffer: a writer reused for short pieces.
    mutating func reset() {
        count = 0
        bitBuffer = 0
        bitCount = 0
        flushedBytes = 0
    }

    /// Bits written so far, passed on or not.
    var bitPosition: Int { (flushedBytes + count) * 8 + Int(bitCount) }

    /// Appends the low `length` bits of `value` (length at most 32).
    @inline(__always)
    mutating func write(_ value: UInt32, _ length: Int) {
        bitBuffer |= UInt64(value) << bitCount
        bitCount &+= UInt64(length)
        if bitCount >= 32 {
            UnsafeMutableRawPointer(buffer + count).storeBytes(
                of: UInt32(truncatingIfNeeded: bitBuffer).littleEndian, as: UInt32.self)
            count &+= 4
            bitBuffer >>= 32
            bitCount &-= 32
        }
    }

    /// Whether the bits written so far fill whole bytes.
    var isByteAligned: Bool { bitCount % 8 == 0 }

    /// Pads with zero bits to a byte boundary (gzip's `bi_windup`).
    mutating func alignToByte() {
        while bitCount > 0 {
            buffer[count] = UInt8(truncatingIfNeeded: bitBuffer)
            count += 1
            bitBuffer >>= 8
            bitCount = bitCount >= 8 ? bitCount - 8 : 0
        }
        bitBuffer = 0
    }

    /// Appends bytes; only valid at a byte boundary.
    mutating func writeBytes(_ source: UnsafePointer<UInt8>, _ length: Int) {
        var done = 0
        while done < length {
            let room = Self.capacity - count
            if room == 0 { fatalError("DeflateBitWriter overflow: caller must flush") }
            let step = min(room, length - done)
            (buffer + count).update(from: source + done, count: step)
            count += step
            done += step
        }
    }

    /// Passes the complete bytes to `sink` when enough have gathered (or always, when `force`).
    mutating func flush(into sink: ChunkSink, force: Bool = false) throws {
        guard count >= Self.flushThreshold || (force && count > 0) else { return }
        try sink(UnsafeRawBufferPointer(start: buffer, count: count))
        flushedBytes += count
        count = 0
    }
}
