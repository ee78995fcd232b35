/// What can be wrong with a BSDIFF40 patch (bsdiff 4.x). Every case says where in the patch.
///
/// Byte offsets inside the compressed blocks are those the block's bzip2 decoder had reached:
/// the control triples and strings are compressed, so that is the nearest place a user can
/// look at with a hex dump.
public enum BSDiff40Error: DeltaCoreError, Equatable {
    /// One of the patch's three bzip2-compressed blocks.
    public enum Block: String, Sendable {
        case control, diff, extra
    }

    /// The patch is shorter than BSDIFF40's 32-byte header.
    case truncatedHeader(size: UInt64)
    /// The first eight bytes are not `BSDIFF40`.
    case badMagic
    /// A header field (the control or diff block's length, or the new size) is negative.
    case negativeHeaderField(String, value: Int64, offset: UInt64)
    /// The control and diff blocks' lengths run past the end of the patch.
    case blocksPastEnd(controlLength: Int64, diffLength: Int64, patchSize: UInt64)
    /// A control triple gives a negative length for the diff or extra string: bspatch 4.3
    /// trusted it (CVE-2014-9862) and wrote before its buffer.
    case negativeLength(Block, value: Int64, triple: UInt64, offset: UInt64)
    /// A control triple's diff or extra string runs past the new file's size.
    case lengthPastNewSize(Block, length: Int64, newPosition: UInt64, newSize: UInt64, triple: UInt64, offset: UInt64)
    /// The position in the old file moves beyond what a 64-bit integer holds.
    case oldPositionOverflow(triple: UInt64, offset: UInt64)
    /// Too many control triples in a row produce nothing: a decompression bomb of no-op
    /// triples would otherwise keep the applier busy for hours.
    case stalledControl(triple: UInt64, offset: UInt64)
    /// A block's bzip2 stream ends (or its bytes in the patch end) before the triples say.
    case truncatedBlock(Block, offset: UInt64)
    /// A block is not valid bzip2.
    case corruptBlock(Block, detail: String, offset: UInt64)

    public var description: String {
        switch self {
        case let .truncatedHeader(size):
            "BSDIFF40 patch is \(size) bytes, shorter than its 32-byte header"
        case .badMagic:
            "not a BSDIFF40 patch: the first 8 bytes are not \"BSDIFF40\""
        case let .negativeHeaderField(name, value, offset):
            "BSDIFF40 header field \(name) is negative (\(value)) at patch byte \(offset)"
        case let .blocksPastEnd(controlLength, diffLength, patchSize):
            "BSDIFF40 control block (\(controlLength) bytes) and diff block (\(diffLength) bytes) run past the end of the \(patchSize)-byte patch"
        case let .negativeLength(block, value, triple, offset):
            "BSDIFF40 control triple \(triple) has a negative \(block) length (\(value)) near patch byte \(offset)"
        case let .lengthPastNewSize(block, length, newPosition, newSize, triple, offset):
            "BSDIFF40 control triple \(triple) asks for \(length) \(block) bytes at new position \(newPosition), past the new size \(newSize), near patch byte \(offset)"
        case let .oldPositionOverflow(triple, offset):
            "BSDIFF40 control triple \(triple) moves the old-file position out of range near patch byte \(offset)"
        case let .stalledControl(triple, offset):
            "BSDIFF40 control block makes no progress for too many triples (up to triple \(triple)) near patch byte \(offset)"
        case let .truncatedBlock(block, offset):
            "BSDIFF40 \(block) block ends early at patch byte \(offset)"
        case let .corruptBlock(block, detail, offset):
            "BSDIFF40 \(block) block is not valid bzip2 near patch byte \(offset): \(detail)"
        }
    }
}
