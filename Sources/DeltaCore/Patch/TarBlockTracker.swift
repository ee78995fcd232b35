/// Follows a tar archive's layout as its bytes go by, to tell metadata from file content.
///
/// The native format sends residuals of bytes inside tar metadata (header blocks, and the
/// content of pax and GNU long-name entries) in a stream of their own: from one header to the
/// next the same fields change the same way (a version in every path, an mtime), so LZMA sees
/// the same pattern again and again. With the `tarChecksums` feature the applier also
/// recomputes each header's checksum, so that the one field that changes differently in every
/// header costs nothing.
///
/// Both sides run this tracker over the new file in order (the differ over its input, the
/// applier over its output), so the layout is never stored; it only has to be deterministic,
/// not a faithful tar reader. A block is taken as a header when it carries the `ustar` magic;
/// at the first block that is neither that nor all zeros the tracker gives up, and the rest of
/// the file counts as content.
struct TarBlockTracker {
    static let blockSize: UInt64 = 512
    static let checksumField = 148..<156

    /// Bytes seen so far.
    private(set) var position: UInt64 = 0
    /// Where the next header block starts; nil once the input stopped looking like a tar.
    private var nextHeader: UInt64? = 0
    /// The end of the current metadata entry's content (pax records, long names).
    private var metadataEnd: UInt64 = 0
    private var block = [UInt8](repeating: 0, count: 512)

    /// The bytes at ``position`` and up to `end`: metadata or content. In a header block,
    /// `headerStart` is where it began.
    var region: (isMetadata: Bool, end: UInt64, headerStart: UInt64?) {
        guard let nextHeader else { return (false, .max, nil) }
        if position >= nextHeader { return (true, nextHeader + Self.blockSize, nextHeader) }
        if position < metadataEnd { return (true, metadataEnd, nil) }
        return (false, nextHeader, nil)
    }

    /// Takes the next bytes of the file (which may span regions). When a header block is
    /// complete, `completedHeader` gets its bytes (which it may change, to fix the checksum)
    /// and the block's start.
    mutating func consume(_ bytes: UnsafeRawBufferPointer, completedHeader: ((inout [UInt8], UInt64) -> Void)? = nil) {
        var offset = 0
        while offset < bytes.count {
            guard let header = nextHeader else {
                position += UInt64(bytes.count - offset)
                return
            }
            if position < header {
                let step = Int(min(UInt64(bytes.count - offset), header - position))
                position += UInt64(step)
                offset += step
                continue
            }
            let inBlock = Int(position - header)
            let step = min(bytes.count - offset, 512 - inBlock)
            for index in 0..<step { block[inBlock + index] = bytes[offset + index] }
            position += UInt64(step)
            offset += step
            if inBlock + step == 512 {
                completedHeader?(&block, header)
                advance(pastHeaderAt: header)
            }
        }
    }

    private mutating func advance(pastHeaderAt start: UInt64) {
        if block.allSatisfy({ $0 == 0 }) {
            nextHeader = start + Self.blockSize
            return
        }
        guard Self.isUstar(block), let size = Self.octal(block[124..<136]), size < 1 << 40 else {
            nextHeader = nil
            return
        }
        let type = block[156]
        // Links, devices, directories and FIFOs carry no content whatever their size field says.
        let hasContent = !(UInt8(ascii: "1")...UInt8(ascii: "6")).contains(type)
        let content = hasContent ? (size + Self.blockSize - 1) / Self.blockSize * Self.blockSize : 0
        let contentStart = start + Self.blockSize
        // pax ('x', 'g') and GNU long names ('L', 'K') are metadata too.
        metadataEnd =
            [UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K")].contains(type)
            ? contentStart + content : 0
        nextHeader = contentStart + content
    }

    /// Whether a block carries the POSIX or GNU `ustar` magic.
    static func isUstar(_ block: [UInt8]) -> Bool {
        block[257] == UInt8(ascii: "u") && block[258] == UInt8(ascii: "s") && block[259] == UInt8(ascii: "t")
            && block[260] == UInt8(ascii: "a") && block[261] == UInt8(ascii: "r")
    }

    /// The checksum field as GNU tar, libarchive and Python write it: six octal digits, NUL, space.
    static func canonicalChecksum(of block: [UInt8]) -> [UInt8] {
        var sum = 0
        for index in 0..<512 { sum += checksumField.contains(index) ? 32 : Int(block[index]) }
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: 6)
        var value = sum
        for index in stride(from: 5, through: 0, by: -1) {
            digits[index] = UInt8(ascii: "0") + UInt8(value & 7)
            value >>= 3
        }
        return digits + [0, UInt8(ascii: " ")]
    }

    /// An octal field: optional spaces, digits, then NUL or space padding.
    static func octal(_ field: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        var ended = false
        for byte in field {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7") where !ended:
                value = value << 3 | UInt64(byte - UInt8(ascii: "0"))
                digits += 1
            case UInt8(ascii: " ") where digits == 0:
                continue
            case 0, UInt8(ascii: " "):
                ended = true
            default:
                return nil
            }
        }
        return digits > 0 ? value : nil
    }
}
