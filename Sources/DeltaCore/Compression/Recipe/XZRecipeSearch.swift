/// What an xz file's headers and index say about how it was made.
struct XZStreamLayout {
    /// The stream's check, nil for one liblzma cannot write.
    var check: XZCheck?
    /// Each block's uncompressed size, from the index.
    var blockUncompressedSizes: [UInt64]
    /// Whether the first block header records its sizes (the multi-threaded encoder's mark).
    var sizesInBlockHeader: Bool
    /// The first block's filter IDs (0x21 is LZMA2).
    var filterIDs: [UInt64]
    /// The LZMA2 dictionary size of the first block.
    var dictionarySize: UInt64?
    /// Zero bytes after the stream (stream padding).
    var padding: Int

    /// Reads the layout of a single-stream file; nil when the bytes are not laid out as one
    /// xz stream (several streams, or damage the decoder would have reported).
    static func parse(_ file: UnsafeRawBufferPointer) -> XZStreamLayout? {
        var end = file.count
        while end > 0 && file[end - 1] == 0 { end -= 1 }
        let padding = file.count - end
        guard end >= 24, file[end - 2] == 0x59, file[end - 1] == 0x5a else { return nil }
        let backwardSize = file.loadLittleEndian32(at: end - 8)
        let indexSize = (Int(backwardSize) + 1) * 4
        let indexStart = end - 12 - indexSize
        guard indexStart >= 12, file[indexStart] == 0 else { return nil }
        var reader = VLIReader(bytes: file, offset: indexStart + 1)
        guard let count = reader.next(), count < UInt64(indexSize) else { return nil }
        var sizes: [UInt64] = []
        var blocksLength = 0
        for _ in 0..<count {
            guard let unpadded = reader.next(), let uncompressed = reader.next(), unpadded < UInt64(file.count) else {
                return nil
            }
            sizes.append(uncompressed)
            blocksLength += (Int(unpadded) + 3) & ~3
        }
        // One stream exactly: header, blocks, index and footer fill the file.
        guard 12 + blocksLength + indexSize + 12 == end else { return nil }
        let checkID = file[7] & 0x0f
        let check: XZCheck? =
            switch checkID {
            case 0: XZCheck.none
            case 1: .crc32
            case 4: .crc64
            case 10: .sha256
            default: nil
            }
        var layout = XZStreamLayout(
            check: check, blockUncompressedSizes: sizes, sizesInBlockHeader: false,
            filterIDs: [], dictionarySize: nil, padding: padding)
        guard count > 0 else { return layout }
        let headerSize = (Int(file[12]) + 1) * 4
        guard 12 + headerSize <= end else { return nil }
        let flags = file[13]
        layout.sizesInBlockHeader = flags & 0xc0 != 0
        var header = VLIReader(bytes: UnsafeRawBufferPointer(rebasing: file[12..<(12 + headerSize)]), offset: 2)
        if flags & 0x40 != 0 { guard header.next() != nil else { return nil } }
        if flags & 0x80 != 0 { guard header.next() != nil else { return nil } }
        for _ in 0...Int(flags & 3) {
            guard let id = header.next(), let propertiesSize = header.next(), propertiesSize <= 16,
                header.offset + Int(propertiesSize) <= headerSize
            else { return nil }
            layout.filterIDs.append(id)
            if id == 0x21, propertiesSize == 1 {
                let bits = UInt64(header.bytes[header.offset])
                if bits <= 40 { layout.dictionarySize = (2 | (bits & 1)) << (bits / 2 + 11) }
            }
            header.offset += Int(propertiesSize)
        }
        return layout
    }
}

private struct VLIReader {
    let bytes: UnsafeRawBufferPointer
    var offset: Int

    /// The next xz variable-length integer, or nil past the end or when over 9 bytes long.
    mutating func next() -> UInt64? {
        var value: UInt64 = 0
        for index in 0..<9 {
            guard offset < bytes.count else { return nil }
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7f) << UInt64(7 * index)
            if byte & 0x80 == 0 { return value }
        }
        return nil
    }
}

private extension UnsafeRawBufferPointer {
    func loadLittleEndian32(at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(self[offset + $1]) << UInt32(8 * $1) }
    }
}

/// Searches liblzma presets for an xz file's recipe.
struct XZRecipeSearch {
    let file: UnsafeRawBufferPointer
    let content: UnsafeRawBufferPointer

    /// `xz -0` … `-9` dictionary sizes (liblzma's presets; `-e` keeps the size).
    private static let presetDictionarySizes: [UInt64] = [
        256 << 10, 1 << 20, 2 << 20, 4 << 20, 4 << 20, 8 << 20, 8 << 20, 16 << 20, 32 << 20, 64 << 20,
    ]

    func run() throws -> RecipeDetection {
        guard let layout = XZStreamLayout.parse(file) else {
            return RecipeDetection(recipe: nil, candidatesTried: 0, reason: "not a single xz stream")
        }
        guard let check = layout.check else {
            return RecipeDetection(recipe: nil, candidatesTried: 0, reason: "xz check type liblzma cannot write")
        }
        guard layout.filterIDs == [0x21] || layout.blockUncompressedSizes.isEmpty else {
            return RecipeDetection(recipe: nil, candidatesTried: 0, reason: "xz filter chain other than LZMA2 alone")
        }
        let blocks = layout.blockUncompressedSizes
        // nil: one block. Otherwise the block sizes to try.
        var blockSizes: [UInt64?] = [nil]
        let threaded = layout.sizesInBlockHeader
        if blocks.count > 1 || threaded {
            guard blocks.dropLast().allSatisfy({ $0 == blocks[0] }), blocks.last! <= blocks[0] else {
                return RecipeDetection(
                    recipe: nil, candidatesTried: 0, reason: "xz blocks of uneven sizes (--block-list?)")
            }
            if blocks.count > 1 {
                // Every block but the last has the encoder's block size.
                blockSizes = [blocks[0]]
            } else {
                // A lone block was no larger than the block size, which still shapes the block
                // header (the room reserved for its sizes): try xz's default (three times the
                // dictionary, at least 1 MiB), then the block's own size.
                let dictionary = layout.dictionarySize ?? (8 << 20)
                blockSizes = [max(3 * dictionary, 1 << 20), max(blocks[0], 1)]
            }
        }
        let presets: [Int]
        if let dictionarySize = layout.dictionarySize {
            presets = (0...9).filter { Self.presetDictionarySizes[$0] == dictionarySize }
        } else {
            presets = [6] + (0...9).filter { $0 != 6 }
        }
        let stream = UnsafeRawBufferPointer(rebasing: file[..<(file.count - layout.padding)])
        let trial = CandidateTrial(content: content, expected: stream)
        var tried = 0
        let candidates = blockSizes.flatMap { blockSize in
            [false, true].flatMap { extreme in
                presets.reversed().map { (blockSize: blockSize, extreme: extreme, preset: $0) }
            }
        }
        for (blockSize, extreme, preset) in candidates {
            tried += 1
            let encoder =
                if let blockSize, threaded {
                    try XZEncoder(preset: preset, extreme: extreme, check: check, blockSize: blockSize)
                } else {
                    try XZEncoder(preset: preset, extreme: extreme, check: check, flushingEvery: blockSize)
                }
            if try trial.reproduces(with: encoder) {
                let xz = XZRecipe(
                    preset: preset, extreme: extreme, check: check, blockSize: blockSize, threaded: threaded)
                let recipe = RecompressionRecipe(
                    format: .xz, library: .liblzma, xz: xz, trailingZeroBytes: UInt64(layout.padding))
                return RecipeDetection(recipe: recipe, candidatesTried: tried, reason: nil)
            }
        }
        return RecipeDetection(
            recipe: nil, candidatesTried: tried,
            reason: "no liblzma \(CodecLibrary.liblzma.version) preset reproduces this file")
    }
}
