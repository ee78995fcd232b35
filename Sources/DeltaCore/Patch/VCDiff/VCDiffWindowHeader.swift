/// A window's header (RFC 3284 section 4.2, plus xdelta3's Adler-32), read and checked.
struct VCDiffWindowHeader {
    /// Where the window starts in the patch (its `Win_Indicator`).
    var offset: UInt64
    /// The source segment, in the base file (`VCD_SOURCE`); empty without one.
    var sourcePosition: UInt64 = 0
    var sourceLength: UInt64 = 0
    var targetLength: UInt64 = 0
    /// `VCD_DATACOMP`, `VCD_INSTCOMP`, `VCD_ADDRCOMP`: which sections are compressed.
    var deltaIndicator: UInt8 = 0
    var dataLength: UInt64 = 0
    var instructionsLength: UInt64 = 0
    var addressesLength: UInt64 = 0
    var adler32: UInt32?

    static let sourceBit: UInt8 = 0x01
    static let targetBit: UInt8 = 0x02
    static let adler32Bit: UInt8 = 0x04

    /// Reads the header of the window starting at the reader's position, checking every
    /// length against the base, the limits and what is left of the patch.
    static func read(
        from reader: VCDiffPatchReader, baseSize: UInt64, limits: VCDiffLimits,
        hasSecondaryCompressor: Bool
    ) throws -> VCDiffWindowHeader {
        var header = VCDiffWindowHeader(offset: reader.offset)
        let indicator = try reader.readByte()
        guard indicator & ~0x07 == 0, indicator & (sourceBit | targetBit) != (sourceBit | targetBit) else {
            throw VCDiffError.invalidIndicator("window", value: indicator, offset: header.offset)
        }
        guard indicator & targetBit == 0 else { throw VCDiffError.unsupportedTargetCopyWindow(offset: header.offset) }
        if indicator & sourceBit != 0 {
            header.sourceLength = try reader.readInteger()
            header.sourcePosition = try reader.readInteger()
            let (end, overflow) = header.sourcePosition.addingReportingOverflow(header.sourceLength)
            guard !overflow, end <= baseSize else {
                throw VCDiffError.sourceSegmentPastBase(
                    position: header.sourcePosition, length: header.sourceLength,
                    baseSize: baseSize, offset: header.offset)
            }
        }

        let encodingLength = try reader.readInteger()
        let encodingStart = reader.offset
        header.targetLength = try reader.readInteger()
        guard header.targetLength <= limits.maximumWindowSize else {
            throw VCDiffError.windowTooLarge(
                length: header.targetLength, limit: limits.maximumWindowSize, offset: header.offset)
        }
        let deltaOffset = reader.offset
        header.deltaIndicator = try reader.readByte()
        guard header.deltaIndicator & ~0x07 == 0 else {
            throw VCDiffError.invalidIndicator("delta", value: header.deltaIndicator, offset: deltaOffset)
        }
        guard header.deltaIndicator == 0 || hasSecondaryCompressor else {
            throw VCDiffError.compressedSectionWithoutCompressor(offset: deltaOffset)
        }
        header.dataLength = try reader.readInteger()
        header.instructionsLength = try reader.readInteger()
        header.addressesLength = try reader.readInteger()
        if indicator & adler32Bit != 0 {
            var checksum: UInt32 = 0
            for _ in 0..<4 { checksum = checksum << 8 | UInt32(try reader.readByte()) }
            header.adler32 = checksum
        }

        // Each length below 2^64 but their sum could wrap: add with care, then compare.
        var actual = reader.offset - encodingStart
        for length in [header.dataLength, header.instructionsLength, header.addressesLength] {
            let (sum, overflow) = actual.addingReportingOverflow(length)
            guard !overflow else {
                throw VCDiffError.encodingLengthMismatch(declared: encodingLength, actual: .max, offset: header.offset)
            }
            actual = sum
        }
        guard actual == encodingLength else {
            throw VCDiffError.encodingLengthMismatch(declared: encodingLength, actual: actual, offset: header.offset)
        }
        guard actual - (reader.offset - encodingStart) <= reader.remaining else {
            throw VCDiffError.truncated(offset: reader.size)
        }
        return header
    }

    func isCompressed(_ section: VCDiffError.Section) -> Bool {
        switch section {
        case .data: deltaIndicator & 0x01 != 0
        case .instructions: deltaIndicator & 0x02 != 0
        case .addresses: deltaIndicator & 0x04 != 0
        }
    }

    func length(of section: VCDiffError.Section) -> UInt64 {
        switch section {
        case .data: dataLength
        case .instructions: instructionsLength
        case .addresses: addressesLength
        }
    }

    /// The most bytes a section may hold (decoded) for this window. A valid encoder never
    /// needs more data than target bytes, and about one instruction or address byte per
    /// target byte; the slack covers tiny windows. These bound the memory a window takes.
    func limit(of section: VCDiffError.Section) -> UInt64 {
        switch section {
        case .data: targetLength
        case .instructions, .addresses: targetLength + targetLength / 2 + (1 << 16)
        }
    }
}
