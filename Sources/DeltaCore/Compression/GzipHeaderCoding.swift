internal import CZlib

extension GzipHeader {
    private enum Flag {
        static let text: UInt8 = 0x01
        static let headerCRC: UInt8 = 0x02
        static let extra: UInt8 = 0x04
        static let name: UInt8 = 0x08
        static let comment: UInt8 = 0x10
    }

    /// Parses the member header at the start of `bytes` (RFC 1952 section 2.3).
    /// - Returns: the header and its length in bytes.
    /// - Throws: ``CompressionError/truncated(_:)`` when `bytes` ends inside the header,
    ///   ``CompressionError/corrupt(_:detail:)`` for a bad magic, method, reserved flag or header CRC.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(CompressionError) -> (
        header: GzipHeader, length: Int
    ) {
        guard bytes.count >= 10 else { throw .truncated(.gzip) }
        guard bytes[0] == 0x1f, bytes[1] == 0x8b else { throw .corrupt(.gzip, detail: "not a gzip member") }
        guard bytes[2] == 8 else { throw .corrupt(.gzip, detail: "compression method \(bytes[2]) is not deflate") }
        let flags = bytes[3]
        guard flags & 0xe0 == 0 else { throw .corrupt(.gzip, detail: "reserved header flags set") }
        var header = GzipHeader()
        header.modificationTime =
            UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24
        header.extraFlags = bytes[8]
        header.operatingSystem = bytes[9]
        header.isText = flags & Flag.text != 0
        header.headerCRC = flags & Flag.headerCRC != 0
        var position = 10
        if flags & Flag.extra != 0 {
            guard bytes.count >= position + 2 else { throw .truncated(.gzip) }
            let length = Int(bytes[position]) | Int(bytes[position + 1]) << 8
            position += 2
            guard bytes.count >= position + length else { throw .truncated(.gzip) }
            header.extra = Array(bytes[position..<position + length])
            position += length
        }
        func zeroTerminated() throws(CompressionError) -> [UInt8] {
            guard let end = bytes[position...].firstIndex(of: 0) else { throw .truncated(.gzip) }
            defer { position = end + 1 }
            return Array(bytes[position..<end])
        }
        if flags & Flag.name != 0 { header.name = try zeroTerminated() }
        if flags & Flag.comment != 0 { header.comment = try zeroTerminated() }
        if header.headerCRC {
            guard bytes.count >= position + 2 else { throw .truncated(.gzip) }
            let stored = UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
            let computed = UInt16(
                truncatingIfNeeded: crc32(0, bytes.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(position)))
            guard stored == computed else { throw .corrupt(.gzip, detail: "header CRC mismatch") }
            position += 2
        }
        return (header, position)
    }

    /// The header's bytes, as RFC 1952 lays them out.
    /// - Parameter defaultExtraFlags: the XFL byte to write when ``extraFlags`` is nil.
    public func serialized(defaultExtraFlags: UInt8 = 0) -> [UInt8] {
        var flags: UInt8 = 0
        if isText { flags |= Flag.text }
        if headerCRC { flags |= Flag.headerCRC }
        if extra != nil { flags |= Flag.extra }
        if name != nil { flags |= Flag.name }
        if comment != nil { flags |= Flag.comment }
        var bytes: [UInt8] = [0x1f, 0x8b, 8, flags]
        withUnsafeBytes(of: modificationTime.littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(extraFlags ?? defaultExtraFlags)
        bytes.append(operatingSystem)
        if let extra {
            bytes.append(UInt8(truncatingIfNeeded: extra.count))
            bytes.append(UInt8(truncatingIfNeeded: extra.count >> 8))
            bytes.append(contentsOf: extra.prefix(0xffff))
        }
        if let name { bytes.append(contentsOf: name); bytes.append(0) }
        if let comment { bytes.append(contentsOf: comment); bytes.append(0) }
        if headerCRC {
            let crc = bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            bytes.append(UInt8(truncatingIfNeeded: crc))
            bytes.append(UInt8(truncatingIfNeeded: crc >> 8))
        }
        return bytes
    }
}
