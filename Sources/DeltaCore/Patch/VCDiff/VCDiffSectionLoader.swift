/// Loads a window's three sections into memory, undoing xdelta3's secondary compression.
///
/// xdelta3's LZMA secondary compression (its default, header id 2) is one xz stream per
/// section kind across the whole patch, flushed at the end of each window: each compressed
/// section is its decoded size (an RFC 3284 integer) followed by the next piece of that
/// stream. So each kind keeps one decoder from window to window.
final class VCDiffSectionLoader {
    private let memoryLimit: UInt64
    private var decoders: [VCDiffError.Section: XZDecoder] = [:]
    private var buffers: [VCDiffError.Section: ScratchBuffer] = [
        .data: ScratchBuffer(), .instructions: ScratchBuffer(),
        .addresses: ScratchBuffer(),
    ]

    init(memoryLimit: UInt64) { self.memoryLimit = memoryLimit }

    /// Reads `section` of the window described by `header` from `reader` and returns its
    /// decoded bytes (valid until the next window).
    func load(_ section: VCDiffError.Section, of header: VCDiffWindowHeader, from reader: VCDiffPatchReader) throws
        -> UnsafeRawBufferPointer
    {
        let length = header.length(of: section)
        let limit = header.limit(of: section)
        guard header.isCompressed(section) else {
            guard length <= limit else {
                throw VCDiffError.sectionTooLarge(section, length: length, limit: limit, offset: header.offset)
            }
            let bytes = buffers[section]!.prefix(Int(length))
            try reader.read(into: bytes)
            return UnsafeRawBufferPointer(bytes)
        }

        let start = reader.offset
        let decodedSize = try reader.readInteger()
        let sizeLength = reader.offset - start
        guard sizeLength <= length else {
            throw VCDiffError.secondaryDecompressionFailed(
                section, detail: "decoded size runs past the section", offset: header.offset)
        }
        guard decodedSize > 0 else {
            throw VCDiffError.secondaryDecompressionFailed(section, detail: "decoded size is 0", offset: header.offset)
        }
        guard decodedSize <= limit else {
            throw VCDiffError.sectionTooLarge(section, length: decodedSize, limit: limit, offset: header.offset)
        }
        let output = buffers[section]!.prefix(Int(decodedSize))
        var produced = 0
        let decoder = try decoder(for: section, windowOffset: header.offset)
        do {
            try reader.forEachChunk(of: length - sizeLength) { chunk in
                try decoder.process(chunk) { piece in
                    guard piece.count <= output.count - produced else {
                        throw VCDiffError.secondaryDecompressionFailed(
                            section, detail: "more than its declared \(decodedSize) bytes",
                            offset: header.offset)
                    }
                    UnsafeMutableRawBufferPointer(rebasing: output[produced..<produced + piece.count]).copyMemory(
                        from: piece)
                    produced += piece.count
                }
            }
        } catch let error as CompressionError {
            throw VCDiffError.secondaryDecompressionFailed(section, detail: error.description, offset: header.offset)
        }
        guard produced == output.count else {
            throw VCDiffError.secondaryDecompressionFailed(
                section, detail: "\(produced) of its declared \(decodedSize) bytes",
                offset: header.offset)
        }
        return UnsafeRawBufferPointer(output)
    }

    private func decoder(for section: VCDiffError.Section, windowOffset: UInt64) throws -> XZDecoder {
        if let decoder = decoders[section] { return decoder }
        do {
            let decoder = try XZDecoder(memoryLimit: memoryLimit)
            decoders[section] = decoder
            return decoder
        } catch {
            throw VCDiffError.secondaryDecompressionFailed(section, detail: error.description, offset: windowOffset)
        }
    }
}
