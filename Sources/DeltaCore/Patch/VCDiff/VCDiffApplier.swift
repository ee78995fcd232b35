/// Limits that bound what a VCDIFF patch may make the applier allocate.
public struct VCDiffLimits: Sendable, Equatable {
    /// The largest target window accepted. xdelta3 refuses windows over 16 MiB itself
    /// (`XD3_HARDMAXWINSIZE`; `-W` accepts at most that), so the default loses nothing.
    public var maximumWindowSize: UInt64
    /// The most memory each of the three LZMA section decoders may use. 80 MiB admits
    /// xdelta3 `-9` (64 MiB dictionaries); the default level 3 needs 4 MiB.
    public var secondaryMemoryLimit: UInt64

    /// Creates limits; the defaults suit every patch xdelta3 writes.
    public init(maximumWindowSize: UInt64 = 16 << 20, secondaryMemoryLimit: UInt64 = 80 << 20) {
        self.maximumWindowSize = maximumWindowSize
        self.secondaryMemoryLimit = secondaryMemoryLimit
    }
}

/// Applies VCDIFF patches (RFC 3284) as `xdelta3 -e` writes them by default: version 0,
/// the default code table, xdelta3's application header (skipped), `VCD_SOURCE` windows with
/// xdelta3's Adler-32 checksum (verified), and LZMA secondary compression of the sections.
///
/// The patch is read front to back and the base by offset (through a small block cache);
/// each target window is built in memory (at most ``VCDiffLimits/maximumWindowSize``, as
/// COPYs may reach back anywhere in it) and then passed on, so memory stays bounded by the
/// window and not the files. Refused with a clear error: DJW/FGK secondary compression
/// (`xdelta3 -S djw|fgk`), custom code tables, and `VCD_TARGET` windows, none of which
/// `xdelta3 -e` writes by default (xdelta3 itself decodes neither of the last two).
public enum VCDiffApplier {
    private static let magic: [UInt8] = [0xD6, 0xC3, 0xC4]
    private static let secondaryBit: UInt8 = 0x01
    private static let codeTableBit: UInt8 = 0x02
    private static let applicationHeaderBit: UInt8 = 0x04
    private static let lzmaCompressorID: UInt8 = 2
    private static let outputChunkSize = 1 << 16

    /// Applies `patch` to `base`, passing the new file's bytes to `sink` in order.
    /// - Parameters:
    ///   - base: the source file, read by offset.
    ///   - patch: the VCDIFF patch, read front to back.
    ///   - limits: bounds on window size and decoder memory.
    ///   - allowingExternalCompression: accept patches xdelta3 made from compressed files
    ///     (see ``VCDiffError/externallyCompressed(target:source:)``): `base` must then be
    ///     the decompressed source, and the output is the decompressed target.
    ///   - sink: receives the new file in chunks of at most 64 KiB.
    /// - Returns: the number of bytes written.
    /// - Throws: ``VCDiffError`` for a malformed, hostile or unsupported patch; the base's
    ///   and the sink's own errors as they are.
    @discardableResult
    public static func apply(
        base: RandomAccessSource, patch: RandomAccessSource, limits: VCDiffLimits = VCDiffLimits(),
        allowingExternalCompression: Bool = false, into sink: ChunkSink
    ) throws -> UInt64 {
        let reader = try VCDiffPatchReader(patch)
        let (hasSecondaryCompressor, application) = try readHeader(from: reader)
        if let application, application.isExternallyCompressed, !allowingExternalCompression {
            throw VCDiffError.externallyCompressed(
                target: application.targetCompression, source: application.sourceCompression)
        }
        let baseSize = try base.size()
        let source = SourceBlockCache(base, size: baseSize)
        let sections = VCDiffSectionLoader(memoryLimit: limits.secondaryMemoryLimit)
        let target = ScratchBuffer()
        var written: UInt64 = 0
        var window: UInt64 = 0
        while !reader.isAtEnd {
            let header = try VCDiffWindowHeader.read(
                from: reader, baseSize: baseSize, limits: limits,
                hasSecondaryCompressor: hasSecondaryCompressor)
            let data = try sections.load(.data, of: header, from: reader)
            let instructions = try sections.load(.instructions, of: header, from: reader)
            let addresses = try sections.load(.addresses, of: header, from: reader)
            let bytes = target.prefix(Int(header.targetLength))
            try VCDiffWindowDecoder(header: header, window: window, base: source)
                .decode(data: data, instructions: instructions, addresses: addresses, into: bytes)
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + outputChunkSize)
                try sink(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                start = end
            }
            written += header.targetLength
            window += 1
        }
        return written
    }

    /// Reads the file header (RFC 3284 section 4.1).
    /// - Returns: whether sections may be LZMA-compressed, and xdelta3's application header.
    private static func readHeader(from reader: VCDiffPatchReader) throws -> (Bool, XDelta3ApplicationHeader?) {
        for expected in magic {
            guard !reader.isAtEnd, try reader.readByte() == expected else { throw VCDiffError.badMagic }
        }
        let version = try reader.readByte()
        guard version == 0 else { throw VCDiffError.unsupportedVersion(version) }
        let indicatorOffset = reader.offset
        let indicator = try reader.readByte()
        guard indicator & ~0x07 == 0 else {
            throw VCDiffError.invalidIndicator("header", value: indicator, offset: indicatorOffset)
        }
        if indicator & secondaryBit != 0 {
            let idOffset = reader.offset
            let id = try reader.readByte()
            guard id == lzmaCompressorID else {
                throw VCDiffError.unsupportedSecondaryCompressor(id: id, offset: idOffset)
            }
        }
        if indicator & codeTableBit != 0 { throw VCDiffError.unsupportedCodeTable(offset: reader.offset) }
        var application: XDelta3ApplicationHeader?
        if indicator & applicationHeaderBit != 0 {
            let length = try reader.readInteger()
            if length <= XDelta3ApplicationHeader.maximumParsedLength {
                var bytes = [UInt8](repeating: 0, count: Int(length))
                try bytes.withUnsafeMutableBytes { try reader.read(into: $0) }
                application = XDelta3ApplicationHeader(bytes)
            } else {
                try reader.skip(length)  // not xdelta3's: its names are file names
            }
        }
        return (indicator & secondaryBit != 0, application)
    }
}
