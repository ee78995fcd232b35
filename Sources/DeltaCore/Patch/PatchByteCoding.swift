/// Little-endian integers and LEB128 varints, as the native patch format stores them.
public struct PatchByteWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// Creates an empty writer.
    public init() {}

    /// Appends raw bytes.
    public mutating func append(_ other: some Sequence<UInt8>) { bytes.append(contentsOf: other) }
    /// Appends one byte.
    public mutating func append(_ byte: UInt8) { bytes.append(byte) }

    /// Appends a little-endian fixed-width integer.
    public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var value = value.littleEndian
        withUnsafeBytes(of: &value) { bytes.append(contentsOf: $0) }
    }

    /// Appends an unsigned LEB128 varint (7 bits a byte, low bits first).
    public mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// Appends a signed value as a zigzag varint.
    public mutating func appendSignedVarint(_ value: Int64) {
        appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }
}

/// Reads a byte buffer front to back, checking every length against what remains.
struct PatchByteReader {
    let bytes: [UInt8]
    var position = 0
    /// The buffer's offset in the patch file, for error messages.
    let baseOffset: UInt64
    let section: String

    init(_ bytes: [UInt8], baseOffset: UInt64, section: String) {
        self.bytes = bytes
        self.baseOffset = baseOffset
        self.section = section
    }

    var remaining: Int { bytes.count - position }
    var offset: UInt64 { baseOffset + UInt64(position) }

    mutating func readBytes(_ count: Int) throws(PatchFormatError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else { throw .truncated(section: section, offset: offset) }
        defer { position += count }
        return bytes[position..<position + count]
    }

    mutating func readByte() throws(PatchFormatError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(section: section, offset: offset) }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readVarint(_ field: String) throws(PatchFormatError) -> UInt64 {
        let at = offset
        var decoder = VarintDecoder()
        while true {
            switch decoder.feed(try readByte()) {
            case .success(let value?): return value
            case .success(nil): continue
            case .failure: throw .invalidField(field, offset: at)
            }
        }
    }

    mutating func readLittleEndian<T: FixedWidthInteger>(_: T.Type) throws(PatchFormatError) -> T {
        let slice = try readBytes(MemoryLayout<T>.size)
        var value: T = 0
        for (shift, byte) in slice.enumerated() { value |= T(byte) << (8 * shift) }
        return value
    }
}

/// Decodes one varint from successive bytes; shared by the header and the command stream.
struct VarintDecoder {
    private var value: UInt64 = 0
    private var shift: UInt64 = 0

    /// Feeds a byte. Returns the value when complete, nil when more bytes are needed.
    /// - Throws: `false` reasons as ``PatchFormatError/invalidField(_:offset:)`` by the caller:
    ///   this returns `.failure` for a varint longer than 64 bits.
    mutating func feed(_ byte: UInt8) -> Result<UInt64?, VarintOverflow> {
        let payload = UInt64(byte & 0x7f)
        if shift == 63 && payload > 1 || shift > 63 { return .failure(VarintOverflow()) }
        value |= payload << shift
        if byte & 0x80 == 0 {
            defer { self = VarintDecoder() }
            return .success(value)
        }
        shift += 7
        return .success(nil)
    }

    struct VarintOverflow: Error {}
}

extension UInt64 {
    /// Undoes zigzag encoding.
    var zigzagDecoded: Int64 { Int64(bitPattern: (self >> 1) ^ (0 &- (self & 1))) }
}
