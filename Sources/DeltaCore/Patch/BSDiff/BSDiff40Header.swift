/// The 32-byte header of a BSDIFF40 patch, as bsdiff 4.x writes it.
///
/// `"BSDIFF40"`, then three 64-bit integers in bsdiff's own sign-magnitude little-endian
/// form: the compressed control block's length, the compressed diff block's length, and the
/// new file's size. The three bzip2 blocks follow: control at byte 32, diff after it, and
/// the extra block from there to the end of the patch.
public struct BSDiff40Header: Sendable, Equatable {
    /// The header's size in bytes.
    public static let size = 32
    /// The magic bytes.
    public static let magic: [UInt8] = Array("BSDIFF40".utf8)

    /// The compressed control block's length in bytes.
    public var controlLength: UInt64
    /// The compressed diff block's length in bytes.
    public var diffLength: UInt64
    /// The size of the file the patch makes.
    public var newSize: UInt64

    /// Where each compressed block lies in a patch of `patchSize` bytes.
    func blockRanges(patchSize: UInt64) -> (control: Range<UInt64>, diff: Range<UInt64>, extra: Range<UInt64>) {
        let controlEnd = UInt64(Self.size) + controlLength
        let diffEnd = controlEnd + diffLength
        return (UInt64(Self.size)..<controlEnd, controlEnd..<diffEnd, diffEnd..<patchSize)
    }

    /// Reads and checks the header of `patch`.
    /// - Throws: ``BSDiff40Error`` if the patch is too short, has another magic, a negative
    ///   field, or blocks that run past its end.
    public static func read(from patch: RandomAccessSource) throws -> BSDiff40Header {
        let patchSize = try patch.size()
        guard patchSize >= UInt64(size) else { throw BSDiff40Error.truncatedHeader(size: patchSize) }
        var bytes = [UInt8](repeating: 0, count: size)
        try bytes.withUnsafeMutableBytes { try patch.read(into: $0, at: 0) }
        guard bytes.starts(with: magic) else { throw BSDiff40Error.badMagic }

        var fields = [UInt64]()
        for (index, name) in ["control block length", "diff block length", "new size"].enumerated() {
            let offset = 8 + index * 8
            let value = Self.signMagnitude(bytes[offset..<offset + 8])
            guard value >= 0 else {
                throw BSDiff40Error.negativeHeaderField(name, value: value, offset: UInt64(offset))
            }
            fields.append(UInt64(value))
        }
        let header = BSDiff40Header(controlLength: fields[0], diffLength: fields[1], newSize: fields[2])
        // Both lengths are below 2^63, so their sum with 32 cannot overflow a UInt64.
        guard UInt64(size) + header.controlLength + header.diffLength <= patchSize else {
            throw BSDiff40Error.blocksPastEnd(
                controlLength: Int64(header.controlLength), diffLength: Int64(header.diffLength),
                patchSize: patchSize)
        }
        return header
    }

    /// bsdiff's `offtin`: seven low bytes of magnitude, then a byte whose top bit is the sign.
    /// Negative zero reads as zero; the magnitude (< 2^63) always fits an Int64.
    static func signMagnitude(_ bytes: some Collection<UInt8>) -> Int64 {
        var magnitude: UInt64 = 0
        for (shift, byte) in bytes.enumerated() {
            magnitude |= UInt64(shift == 7 ? byte & 0x7F : byte) << (8 * UInt64(shift))
        }
        let value = Int64(magnitude)
        return (bytes[bytes.index(bytes.startIndex, offsetBy: 7)] & 0x80) != 0 ? -value : value
    }
}
