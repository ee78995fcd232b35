/// The compact binary form of a recipe, as it travels inside patches.
///
/// Layout (all integers LEB128 varints unless a width is given):
/// `"DFRC"`, version (1 byte), format (1 byte: 1 gzip, 2 bzip2, 3 xz), library name and
/// version (length-prefixed UTF-8), trailing zero bytes, target flag (1 byte) then size and
/// 32 SHA256 bytes when set, then the format's settings:
/// - gzip: deflater (0 zlib, 1 GNU gzip), level, memLevel (0 = none), strategy (0 = none,
///   else 1 + index), header flags (1 byte, RFC 1952 FLG), mtime (4 bytes LE), XFL, OS, then
///   extra, name and comment (length-prefixed) for the flags that are set. Go's,
///   miniz_oxide's, zlib-ng's and libdeflate's deflaters are written as 0 with memLevel 0 and
///   recorded by their deflate-producer extension (codes 3, 4, 5 and 6),
///   so that a client that does not know Go still reads the recipe and refuses it at the
///   producer, as it refuses any producer it cannot follow;
/// - bzip2: block size, work factor;
/// - xz: preset, extreme (0/1), check (index), block size (0 = one block), threaded (0/1).
///
/// Version 2 appends the extensions (``RecipeExtension``): their count, then for each its tag,
/// a required flag (1 byte, 0/1) and its length-prefixed payload, tags strictly ascending. A
/// recipe without extensions is written as version 1, which every client reads; so an old
/// client refuses exactly the recipes it could not follow.
extension RecompressionRecipe {
    private static let magic: [UInt8] = Array("DFRC".utf8)
    /// The version written for a recipe without extensions.
    private static let baseVersion: UInt8 = 1
    /// The version written for a recipe with extensions.
    private static let extendedVersion: UInt8 = 2
    /// At most this many extensions are read: a bound for hostile input.
    static let maximumExtensionCount = 16

    /// The recipe in its compact binary form.
    public func serialized() -> [UInt8] {
        var extensions = self.extensions
        if let deflater = gzip?.deflater, deflater.isProducerRecorded,
            !extensions.contains(where: { $0.kind.rawValue == RecipeExtensionKind.deflateProducer.rawValue })
        {
            let producer: DeflateProducer =
                switch deflater {
                case .goFlate: .goFlate(generation: GoFlateEncoder.generation)
                case .zlibNG: .zlibNG(generation: ZlibNGDeflateEncoder.generation, writeSize: 0)
                case .libdeflate: .libdeflate(generation: LibdeflateDeflateEncoder.generation)
                default: .minizOxide(generation: MinizDeflateEncoder.generation)
                }
            extensions.append(RecipeExtension(kind: .deflateProducer, payload: producer.payload))
            extensions.sort { $0.kind.rawValue < $1.kind.rawValue }
        }
        var out = RecipeByteWriter()
        out.bytes = Self.magic
        out.bytes.append(extensions.isEmpty ? Self.baseVersion : Self.extendedVersion)
        let formatCode: UInt8 =
            switch format {
            case .none: 0;
            case .gzip: 1;
            case .bzip2: 2;
            case .xz: 3
            }
        out.bytes.append(formatCode)
        out.string(library.name)
        out.string(library.version)
        out.varint(trailingZeroBytes)
        if let target, let digest = try? Digest(algorithm: .sha256, hex: target.sha256) {
            out.bytes.append(1)
            out.varint(target.size)
            out.bytes.append(contentsOf: digest.bytes)
        } else {
            out.bytes.append(0)
        }
        if let gzip {
            out.bytes.append(gzip.deflater == .gnuGzip ? 1 : 0)
            out.varint(UInt64(gzip.level))
            out.varint(UInt64(gzip.memLevel ?? 0))
            out.varint(gzip.strategy.map { UInt64(DeflateStrategy.allCases.firstIndex(of: $0)! + 1) } ?? 0)
            let header = gzip.header
            let serializedHeader = header.serialized()
            out.bytes.append(contentsOf: serializedHeader[3..<10])
            if let extra = header.extra { out.data(extra) }
            if let name = header.name { out.data(name) }
            if let comment = header.comment { out.data(comment) }
        }
        if let bzip2 {
            out.varint(UInt64(bzip2.blockSize))
            out.varint(UInt64(bzip2.workFactor))
        }
        if let xz {
            out.varint(UInt64(xz.preset))
            out.bytes.append(xz.extreme ? 1 : 0)
            out.bytes.append(UInt8(XZCheck.allCases.firstIndex(of: xz.check)!))
            out.varint(xz.blockSize ?? 0)
            out.bytes.append(xz.threaded ? 1 : 0)
        }
        if !extensions.isEmpty {
            out.varint(UInt64(extensions.count))
            for item in extensions.sorted(by: { $0.kind.rawValue < $1.kind.rawValue }) {
                out.varint(item.kind.rawValue)
                out.bytes.append(item.isRequired ? 1 : 0)
                out.data(item.payload)
            }
        }
        return out.bytes
    }

    /// Reads a recipe from its compact binary form.
    /// - Throws: ``RecipeError/malformed(offset:detail:)`` naming where the bytes went wrong.
    public init(serialized bytes: [UInt8]) throws(RecipeError) {
        var input = RecipeByteReader(bytes: bytes)
        guard try input.bytes(4) == Self.magic else { throw .malformed(offset: 0, detail: "not a recipe") }
        let version = try input.byte()
        guard version == Self.baseVersion || version == Self.extendedVersion else {
            throw .malformed(offset: 4, detail: "unknown recipe version \(version)")
        }
        let formatCode = try input.byte()
        let format: CompressionFormat
        switch formatCode {
        case 1: format = .gzip
        case 2: format = .bzip2
        case 3: format = .xz
        default: throw .malformed(offset: input.offset - 1, detail: "unknown format \(formatCode)")
        }
        let library = CodecLibrary(name: try input.string(), version: try input.string())
        let trailingZeroBytes = try input.varint()
        var target: RecipeTarget?
        if try input.byte() != 0 {
            let size = try input.varint()
            let digest = try input.bytes(32)
            target = RecipeTarget(size: size, sha256: Hexadecimal.encode(digest))
        }
        self.init(format: format, library: library, trailingZeroBytes: trailingZeroBytes, target: target)
        var baseGzipOffset = 0
        switch format {
        case .gzip:
            baseGzipOffset = input.offset
            let deflater: DeflateImplementation =
                switch try input.small(0...1, "deflater") {
                case 0: .zlib;
                default: .gnuGzip
                }
            let level = try input.small(0...9, "level")
            let memLevel = try input.small(0...9, "memLevel")
            let strategyCode = try input.small(0...DeflateStrategy.allCases.count, "strategy")
            let flagsOffset = input.offset
            let fields = try input.bytes(7)
            let flags = fields[0]
            guard flags & 0xe0 == 0 else { throw .malformed(offset: flagsOffset, detail: "reserved gzip header flags") }
            var parsed = GzipHeader()
            parsed.isText = flags & 0x01 != 0
            parsed.headerCRC = flags & 0x02 != 0
            parsed.modificationTime = fields[1...4].reversed().reduce(0) { $0 << 8 | UInt32($1) }
            parsed.extraFlags = fields[5]
            parsed.operatingSystem = fields[6]
            if flags & 0x04 != 0 {
                let extra = try input.data()
                guard extra.count <= 0xffff else {
                    throw .malformed(offset: input.offset, detail: "gzip extra field too long")
                }
                parsed.extra = extra
            }
            for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {
                let text = try input.data()
                guard !text.contains(0) else {
                    throw .malformed(offset: input.offset, detail: "zero byte inside a gzip header string")
                }
                if flag == 0x08 { parsed.name = text } else { parsed.comment = text }
            }
            gzip = GzipRecipe(
                header: parsed, deflater: deflater, level: level,
                memLevel: deflater == .zlib && memLevel > 0 ? memLevel : nil,
                strategy: strategyCode > 0 ? DeflateStrategy.allCases[strategyCode - 1] : nil)
        case .bzip2:
            bzip2 = Bzip2Recipe(
                blockSize: try input.small(1...9, "block size"), workFactor: try input.small(0...250, "work factor"))
        case .xz:
            let preset = try input.small(0...9, "preset")
            let extreme = try input.byte() != 0
            let checkIndex = try input.small(0...XZCheck.allCases.count - 1, "check")
            let blockSize = try input.varint()
            let threaded = try input.byte() != 0
            xz = XZRecipe(
                preset: preset, extreme: extreme, check: XZCheck.allCases[checkIndex],
                blockSize: blockSize == 0 ? nil : blockSize, threaded: threaded)
        case .none:
            break
        }
        if version == Self.extendedVersion { extensions = try input.extensions() }
        guard trailingZeroBytes == 0 || extensionPayload(.trailingBytes) == nil else {
            throw .malformed(offset: input.offset, detail: "both trailing zero bytes and trailing bytes")
        }
        guard input.offset == bytes.count else {
            throw .malformed(offset: input.offset, detail: "trailing bytes after the recipe")
        }
        try adoptRecordedDeflater(baseOffset: baseGzipOffset)
    }
}

extension RecompressionRecipe {
    /// A gzip recipe whose producer is Go's `compress/flate` or miniz_oxide has that deflater
    /// (`go-flate`, `miniz-oxide`); its base settings must be what ``serialized()`` writes for
    /// it (deflater 0, no memLevel, no strategy, but for Go Huffman-only at level 0). A
    /// producer this build cannot read (a later generation) leaves the recipe as it is, to be
    /// refused by ``makeEncoder(threads:)``.
    private mutating func adoptRecordedDeflater(baseOffset: Int) throws(RecipeError) {
        guard var settings = gzip, let payload = extensionPayload(.deflateProducer),
            let deflater = (try? DeflateProducer(payload: payload))?.recordedDeflater
        else { return }
        let huffmanOnly = deflater == .goFlate && settings.strategy == .huffmanOnly && settings.level == 0
        guard settings.deflater == .zlib, settings.memLevel == nil, settings.strategy == nil || huffmanOnly else {
            throw .malformed(
                offset: baseOffset, detail: "gzip settings that the \(deflater.rawValue) deflater does not have")
        }
        settings.deflater = deflater
        gzip = settings
    }
}

/// Writes the varints and length-prefixed fields of recipes and their extensions' payloads.
struct RecipeByteWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func data(_ data: [UInt8]) {
        varint(UInt64(data.count))
        bytes.append(contentsOf: data)
    }

    mutating func string(_ text: String) { data(Array(text.utf8)) }
}

/// Reads what ``RecipeByteWriter`` writes, bounded, naming the offset of what it refuses.
struct RecipeByteReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func byte() throws(RecipeError) -> UInt8 {
        guard offset < bytes.count else { throw .malformed(offset: offset, detail: "truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bytes(_ count: Int) throws(RecipeError) -> [UInt8] {
        guard count <= bytes.count - offset else { throw .malformed(offset: offset, detail: "truncated") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func varint() throws(RecipeError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            let byte = try byte()
            value |= UInt64(byte & 0x7f) << UInt64(shift)
            if byte < 0x80 { return value }
        }
        throw .malformed(offset: offset, detail: "varint too long")
    }

    mutating func small(_ range: ClosedRange<Int>, _ what: String) throws(RecipeError) -> Int {
        let start = offset
        let value = try varint()
        guard value <= UInt64(range.upperBound), range.contains(Int(value)) else {
            throw .malformed(offset: start, detail: "\(what) \(value) out of range")
        }
        return Int(value)
    }

    mutating func data() throws(RecipeError) -> [UInt8] {
        let start = offset
        let count = try varint()
        guard count <= UInt64(bytes.count - offset) else {
            throw .malformed(offset: start, detail: "length \(count) past the end")
        }
        return try bytes(Int(count))
    }

    /// The extensions of a version 2 recipe: bounded in count, tags strictly ascending; unknown
    /// tags are kept with the required flag the bytes give them.
    mutating func extensions() throws(RecipeError) -> [RecipeExtension] {
        let countOffset = offset
        let count = try varint()
        guard count >= 1, count <= UInt64(RecompressionRecipe.maximumExtensionCount) else {
            throw .malformed(
                offset: countOffset,
                detail: "\(count) extensions (1 to \(RecompressionRecipe.maximumExtensionCount) allowed)")
        }
        var result: [RecipeExtension] = []
        for _ in 0..<count {
            let tagOffset = offset
            let tag = try varint()
            if let previous = result.last, previous.kind.rawValue >= tag {
                throw .malformed(offset: tagOffset, detail: "extension tag \(tag) after \(previous.kind.rawValue)")
            }
            let flagOffset = offset
            let flag = try byte()
            guard flag <= 1 else { throw .malformed(offset: flagOffset, detail: "extension flag \(flag)") }
            let kind = RecipeExtensionKind(rawValue: tag) ?? RecipeExtensionKind(rawValue: tag, isRequired: flag == 1)
            guard kind.isRequired == (flag == 1) else {
                throw .malformed(offset: flagOffset, detail: "\(kind) marked \(flag == 1 ? "required" : "optional")")
            }
            let payloadOffset = offset
            let payload = try data()
            if kind.rawValue == RecipeExtensionKind.trailingBytes.rawValue,
                payload.isEmpty || payload.count > StreamTrailer.maximumBytes
            {
                throw .malformed(
                    offset: payloadOffset,
                    detail: "\(payload.count) trailing bytes (1 to \(StreamTrailer.maximumBytes) allowed)")
            }
            result.append(RecipeExtension(kind: kind, payload: payload))
        }
        return result
    }

    mutating func string() throws(RecipeError) -> String {
        let start = offset
        guard let text = String(validating: try data(), as: UTF8.self) else {
            throw .malformed(offset: start, detail: "invalid UTF-8")
        }
        return text
    }
}
