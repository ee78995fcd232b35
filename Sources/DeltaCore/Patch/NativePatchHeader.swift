/// One compressed stream of a native patch, as its header describes it.
public struct NativePatchStream: Sendable, Equatable {
    /// What a stream holds. v1 patches have exactly these four, in this order.
    public enum Kind: UInt8, Sendable, CaseIterable {
        /// Commands: varint triples (copy length, literal length, zigzag old-cursor move).
        case commands = 0
        /// Byte-wise residuals of copied content bytes, run-length coded (zero runs and raw runs).
        case residuals = 1
        /// Replacement codes for copied bytes in tar metadata (0 keeps, 0xFF escapes, else the new byte).
        case headerResiduals = 2
        /// New bytes that match nothing in the old file.
        case literals = 3
    }

    /// How a stream's bytes are stored.
    public enum Codec: UInt8, Sendable {
        /// As they are.
        case stored = 0
        /// Raw LZMA2 (no container); the parameter is the dictionary size, a power of two.
        case lzma2 = 1
        /// Part of the solid stream that the first stream's descriptor describes
        /// (``NativePatchHeader/solidStreamsFeature``); no bytes of its own.
        case solid = 2
    }

    public var kind: Kind
    public var codec: Codec
    /// The codec's parameter: LZMA2's dictionary size; 0 for stored.
    public var dictionarySize: UInt32
    /// The stream's decoded length.
    public var rawLength: UInt64
    /// The stream's length in the patch file.
    public var codedLength: UInt64

    /// Creates a stream description.
    public init(kind: Kind, codec: Codec, dictionarySize: UInt32, rawLength: UInt64, codedLength: UInt64) {
        self.kind = kind
        self.codec = codec
        self.dictionarySize = dictionarySize
        self.rawLength = rawLength
        self.codedLength = codedLength
    }
}

extension Array {
    /// The element for stream `kind` of a per-stream array, ordered as
    /// ``NativePatchStream/Kind/allCases`` (commands, residuals, header residuals, literals).
    subscript(stream kind: NativePatchStream.Kind) -> Element {
        get { self[Int(kind.rawValue)] }
        set { self[Int(kind.rawValue)] = newValue }
    }
}

/// The header of a native patch (docs/patch-format.md): what it applies to, what it makes,
/// how its streams are stored, and optional metadata sections.
public struct NativePatchHeader: Sendable, Equatable {
    /// The format version this code writes and reads.
    public static let currentVersion: UInt16 = 1
    /// Feature bit: the applier rewrites the checksum of every ustar header block of the new
    /// file (six octal digits, NUL, space), so the differ need not send it.
    public static let tarChecksumsFeature: UInt64 = 1 << 0
    /// Feature bit: the metadata residuals stream is run-length coded like the residuals
    /// stream (pairs of zero-run and raw-run lengths). Tar headers are mostly unchanged, so the
    /// plain stream is mostly zeros, which LZMA2's encoder handles slowly and less tightly.
    public static let metadataResidualRunsFeature: UInt64 = 1 << 1
    /// Feature bit: the four streams are compressed together, as one LZMA2 stream of their raw
    /// bytes back to back, which the first descriptor describes; the others are ``NativePatchStream/Codec/solid``.
    /// Small patches save the separate streams' coding overhead and share one model. Allowed only up
    /// to ``maximumSolidLength`` raw bytes (and window), since the applier decodes the solid
    /// stream once for each of the four streams it reads side by side.
    public static let solidStreamsFeature: UInt64 = 1 << 2
    /// Feature bit: the applier renames the first path component of each ustar header of the
    /// new file, as the header's ``tarRename`` says (``TarPathRename``), so that headers copied
    /// from the old file need no residuals for a renamed top directory.
    public static let tarRenameFeature: UInt64 = 1 << 3
    /// Feature bit: the LZMA2 decoder of the literals stream (of the solid stream, in a solid
    /// patch) starts with a preset dictionary, the old file's bytes that ``literalContext``
    /// selects (``LiteralContext``): new text is coded with the old text it replaces in its window, as
    /// `xz`/`zstd` with the old file as a dictionary would, which covers cannot do for short
    /// matches.
    public static let literalContextFeature: UInt64 = 1 << 4
    /// The most raw bytes (and the largest window) a solid patch may have.
    public static let maximumSolidLength: UInt64 = 1 << 20
    /// Feature bits this reader understands.
    public static let knownFeatures: UInt64 =
        tarChecksumsFeature | metadataResidualRunsFeature | solidStreamsFeature
        | tarRenameFeature | literalContextFeature
    /// The most header bytes a reader accepts (the recipe is the only large part).
    public static let maximumHeaderLength: UInt32 = 16 << 20
    /// The largest LZMA2 window an applier accepts for one stream.
    public static let maximumStreamDictionary: UInt32 = 64 << 20
    /// The largest sum of LZMA2 windows an applier accepts (its memory bound).
    public static let maximumTotalDictionary: UInt64 = 80 << 20
    /// Magic, version and header length.
    static let preambleLength = 14

    /// Section types.
    enum SectionType: UInt16 {
        case recipe = 1
        case targetCompressed = 2
        case tarRename = 3
        case literalContext = 4
    }
    /// Section flag: a reader that does not know the type must refuse the patch.
    static let criticalSectionFlag: UInt16 = 1

    public var version: UInt16 = currentVersion
    /// Required feature bits; a reader refuses any it does not know.
    public var requiredFeatures: UInt64 = 0
    /// Size and digests of the old (base) file's uncompressed bytes.
    public var old: DigestSet
    /// Size and digests of the new file's uncompressed bytes.
    public var new: DigestSet
    /// The streams, in file order.
    public var streams: [NativePatchStream]
    /// Optional sections.
    public var metadata: PatchMetadata
    /// The rename the applier makes in the new file's tar headers; set exactly when
    /// ``requiredFeatures`` has ``tarRenameFeature``. Written as a critical section.
    public var tarRename: TarPathRename?
    /// What primes the literals' decoder; set exactly when ``requiredFeatures`` has
    /// ``literalContextFeature``. It is at most the window of the stream it primes. Written as
    /// a critical section.
    public var literalContext: LiteralContext?
    /// Where the first stream starts in the patch file (set when read or serialized).
    public private(set) var dataOffset: UInt64 = 0

    /// Creates a header.
    public init(old: DigestSet, new: DigestSet, streams: [NativePatchStream], metadata: PatchMetadata = PatchMetadata())
    {
        self.old = old
        self.new = new
        self.streams = streams
        self.metadata = metadata
    }

    /// The header's bytes, from the magic to the first stream.
    public func serialized() -> [UInt8] {
        var body = PatchByteWriter()
        body.appendVarint(requiredFeatures)
        body.appendVarint(old.size)
        body.appendVarint(new.size)
        Self.appendDigests(old, to: &body)
        Self.appendDigests(new, to: &body)
        body.append(UInt8(streams.count))
        for stream in streams {
            body.append(stream.kind.rawValue)
            body.append(stream.codec.rawValue)
            body.append(stream.codec == .lzma2 ? UInt8(stream.dictionarySize.trailingZeroBitCount) : 0)
            body.appendVarint(stream.rawLength)
            body.appendVarint(stream.codedLength)
        }
        var sections = [(SectionType, [UInt8])]()
        if let recipe = metadata.recipe { sections.append((.recipe, recipe)) }
        if let target = metadata.targetCompressed {
            var value = PatchByteWriter()
            value.appendLittleEndian(target.size)
            Self.appendDigests(target, to: &value)
            sections.append((.targetCompressed, value.bytes))
        }
        if let rename = tarRename {
            var value = PatchByteWriter()
            for component in [rename.old, rename.new] {
                value.appendVarint(UInt64(component.count))
                value.append(component)
            }
            sections.append((.tarRename, value.bytes))
        }
        if let context = literalContext {
            var value = PatchByteWriter()
            switch context {
            case .wholeFile:
                value.appendVarint(LiteralContext.wholeFileMode)
            case let .derived(before, after, limit):
                for field in [LiteralContext.derivedMode, before, after, limit] { value.appendVarint(field) }
            }
            sections.append((.literalContext, value.bytes))
        }
        body.appendVarint(UInt64(sections.count))
        for (type, value) in sections {
            body.appendVarint(UInt64(type.rawValue))
            body.appendVarint(UInt64(type == .tarRename || type == .literalContext ? Self.criticalSectionFlag : 0))
            body.appendVarint(UInt64(value.count))
            body.append(value)
        }
        var out = PatchByteWriter()
        out.append(PatchFormat.nativeMagic)
        out.appendLittleEndian(version)
        out.appendLittleEndian(UInt32(body.bytes.count))
        out.append(body.bytes)
        return out.bytes
    }

    /// Reads and checks a header from the start of `patch`.
    /// - Throws: ``PatchFormatError`` for anything malformed, unknown, or inconsistent with the
    ///   patch's size; no field drives an allocation before it is checked.
    public static func read(from patch: RandomAccessSource) throws -> NativePatchHeader {
        let patchSize = try patch.size()
        guard patchSize >= UInt64(preambleLength) else {
            throw PatchFormatError.truncated(section: "header", offset: patchSize)
        }
        var preamble = [UInt8](repeating: 0, count: preambleLength)
        try preamble.withUnsafeMutableBytes { try patch.read(into: $0, at: 0) }
        guard preamble.starts(with: PatchFormat.nativeMagic) else {
            throw PatchFormatError.unknownFormat(
                prefix: preamble.prefix(8).map { String($0, radix: 16) }.joined(separator: " "))
        }
        var reader = PatchByteReader(preamble, baseOffset: 0, section: "header")
        _ = try reader.readBytes(8)
        let version = try reader.readLittleEndian(UInt16.self)
        guard version == currentVersion else { throw PatchFormatError.unsupportedVersion(version) }
        let length = try reader.readLittleEndian(UInt32.self)
        guard length <= maximumHeaderLength else {
            throw PatchFormatError.invalidField("header length \(length)", offset: 10)
        }
        guard UInt64(length) <= patchSize - UInt64(preambleLength) else {
            throw PatchFormatError.truncated(section: "header", offset: patchSize)
        }
        var body = [UInt8](repeating: 0, count: Int(length))
        try body.withUnsafeMutableBytes { try patch.read(into: $0, at: UInt64(preambleLength)) }
        var header = try parseBody(body, version: version)
        header.dataOffset = UInt64(preambleLength) + UInt64(length)
        var total: UInt64 = 0
        for stream in header.streams {
            let (sum, overflow) = total.addingReportingOverflow(stream.codedLength)
            guard !overflow, sum <= patchSize - header.dataOffset else {
                throw PatchFormatError.truncated(section: "\(stream.kind) stream", offset: patchSize)
            }
            total = sum
        }
        guard total == patchSize - header.dataOffset else {
            throw PatchFormatError.trailingData(offset: header.dataOffset + total)
        }
        return header
    }

    private static func parseBody(_ body: [UInt8], version: UInt16) throws(PatchFormatError) -> NativePatchHeader {
        var reader = PatchByteReader(body, baseOffset: UInt64(preambleLength), section: "header")
        let features = try reader.readVarint("feature flags")
        guard features & ~knownFeatures == 0 else { throw .unsupportedFeatures(features & ~knownFeatures) }
        let oldSize = try reader.readVarint("old size")
        let newSize = try reader.readVarint("new size")
        let old = try readDigests(&reader, size: oldSize)
        let new = try readDigests(&reader, size: newSize)
        let streamCount = try reader.readByte()
        guard streamCount == NativePatchStream.Kind.allCases.count else {
            throw .invalidField("stream count \(streamCount)", offset: reader.offset - 1)
        }
        var streams = [NativePatchStream]()
        var totalDictionary: UInt64 = 0
        let solid = features & solidStreamsFeature != 0
        var solidLength: UInt64 = 0
        for expected in NativePatchStream.Kind.allCases {
            let at = reader.offset
            guard let kind = NativePatchStream.Kind(rawValue: try reader.readByte()), kind == expected else {
                throw .invalidField("stream kind", offset: at)
            }
            guard let codec = NativePatchStream.Codec(rawValue: try reader.readByte()) else {
                throw .invalidField("codec of the \(kind) stream", offset: at + 1)
            }
            let dictionaryLog = try reader.readByte()
            let raw = try reader.readVarint("raw length of the \(kind) stream")
            let coded = try reader.readVarint("coded length of the \(kind) stream")
            guard codec == .lzma2 ? (12...30).contains(dictionaryLog) : dictionaryLog == 0 else {
                throw .invalidField("window size of the \(kind) stream", offset: at + 2)
            }
            // A solid patch: the first stream is LZMA2 and carries the others, which are solid.
            guard !solid || codec == (kind == .commands ? .lzma2 : .solid), solid || codec != .solid else {
                throw .invalidField("codec of the \(kind) stream", offset: at + 1)
            }
            if solid {
                solidLength += raw
                guard raw <= maximumSolidLength, solidLength <= maximumSolidLength,
                    codec == .lzma2 ? UInt64(1) << UInt64(dictionaryLog) <= maximumSolidLength : coded == 0
                else {
                    throw .invalidField("solid \(kind) stream", offset: at)
                }
            }
            let dictionary: UInt32 = codec == .lzma2 ? 1 << UInt32(dictionaryLog) : 0
            if codec == .lzma2 {
                guard dictionary <= maximumStreamDictionary else {
                    throw .dictionaryTooLarge(
                        stream: "\(kind)", requested: UInt64(dictionary), limit: UInt64(maximumStreamDictionary))
                }
                totalDictionary += UInt64(dictionary)
                guard totalDictionary <= maximumTotalDictionary else {
                    throw .dictionaryTooLarge(
                        stream: "\(kind)", requested: totalDictionary, limit: maximumTotalDictionary)
                }
            } else if codec == .stored && raw != coded {
                throw .invalidField("length of the stored \(kind) stream", offset: at + 6)
            }
            if kind == .literals && raw > newSize { throw .invalidField("literal stream length", offset: at + 6) }
            streams.append(
                NativePatchStream(
                    kind: kind, codec: codec, dictionarySize: dictionary, rawLength: raw, codedLength: coded))
        }
        var metadata = PatchMetadata()
        var tarRename: TarPathRename?
        var literalContext: LiteralContext?
        let sectionCount = try reader.readVarint("section count")
        guard sectionCount <= UInt64(reader.remaining) else {
            throw .invalidField("section count", offset: reader.offset)
        }
        for _ in 0..<sectionCount {
            let at = reader.offset
            let type = try reader.readVarint("section type")
            let flags = try reader.readVarint("section flags")
            let length = try reader.readVarint("section length")
            guard length <= UInt64(reader.remaining) else {
                throw .truncated(section: "header section", offset: reader.offset)
            }
            let value = try reader.readBytes(Int(length))
            switch type <= UInt64(UInt16.max) ? SectionType(rawValue: UInt16(type)) : nil {
            case .recipe?:
                guard metadata.recipe == nil else { throw .invalidField("duplicate recipe section", offset: at) }
                metadata.recipe = Array(value)
            case .targetCompressed?:
                guard metadata.targetCompressed == nil else {
                    throw .invalidField("duplicate target section", offset: at)
                }
                var section = PatchByteReader(Array(value), baseOffset: at, section: "target section")
                let size = try section.readLittleEndian(UInt64.self)
                metadata.targetCompressed = try readDigests(&section, size: size)
                guard section.remaining == 0 else { throw .invalidField("target section length", offset: at) }
            case .tarRename?:
                guard tarRename == nil else { throw .invalidField("duplicate rename section", offset: at) }
                var section = PatchByteReader(Array(value), baseOffset: at, section: "rename section")
                var components = [[UInt8]]()
                for _ in 0..<2 {
                    let length = try section.readVarint("rename component length")
                    guard length <= UInt64(section.remaining) else { throw .invalidField("rename section", offset: at) }
                    components.append(Array(try section.readBytes(Int(length))))
                }
                guard section.remaining == 0, let rename = TarPathRename(old: components[0], new: components[1]) else {
                    throw .invalidField("rename section", offset: at)
                }
                tarRename = rename
            case .literalContext?:
                guard literalContext == nil else {
                    throw .invalidField("duplicate literal context section", offset: at)
                }
                literalContext = try readLiteralContext(
                    Array(value), at: at, oldSize: oldSize, solid: solid,
                    window: UInt64(streams[solid ? 0 : 3].dictionarySize))
            case nil:
                if flags & UInt64(criticalSectionFlag) != 0 { throw .unsupportedSection(type: type) }
            }
        }
        guard reader.remaining == 0 else { throw .invalidField("header length", offset: reader.offset) }
        guard (features & tarRenameFeature != 0) == (tarRename != nil) else {
            throw .invalidField(
                "rename section without its feature bit, or the bit without the section", offset: reader.offset)
        }
        var header = NativePatchHeader(old: old, new: new, streams: streams, metadata: metadata)
        guard (features & literalContextFeature != 0) == (literalContext != nil) else {
            throw .invalidField(
                "literal context section without its feature bit, or the bit without the section", offset: reader.offset
            )
        }
        header.tarRename = tarRename
        header.literalContext = literalContext
        header.version = version
        header.requiredFeatures = features
        return header
    }

    /// The literal context section: a mode, 0 for the whole old file, 1 for a context derived
    /// from the commands followed by its `before`, `after` and `limit`. The context is at most
    /// `window` bytes (0 when the stream it primes is not LZMA2), so the applier reads no more
    /// than its decoder keeps; a solid patch's commands are inside the primed stream, so it may
    /// only use the whole file.
    static func readLiteralContext(
        _ value: [UInt8], at: UInt64, oldSize: UInt64, solid: Bool,
        window: UInt64
    ) throws(PatchFormatError) -> LiteralContext {
        var section = PatchByteReader(value, baseOffset: at, section: "literal context section")
        let context: LiteralContext
        switch try section.readVarint("literal context mode") {
        case LiteralContext.wholeFileMode:
            guard oldSize > 0, oldSize <= window else { throw .invalidField("literal context size", offset: at) }
            context = .wholeFile
        case LiteralContext.derivedMode:
            let before = try section.readVarint("literal context before")
            let after = try section.readVarint("literal context after")
            let limit = try section.readVarint("literal context limit")
            guard !solid, limit > 0, limit <= window else { throw .invalidField("literal context limit", offset: at) }
            context = .derived(before: before, after: after, limit: limit)
        default:
            throw .invalidField("literal context mode", offset: at)
        }
        guard section.remaining == 0 else { throw .invalidField("literal context section length", offset: at) }
        return context
    }

    /// Digest algorithms' identifiers in the format.
    static func identifier(of algorithm: DigestAlgorithm) -> UInt8 {
        switch algorithm {
        case .md5: 1
        case .sha256: 2
        case .sha512: 3
        case .blake2b: 4
        }
    }

    static func algorithm(identifier: UInt8) -> DigestAlgorithm? {
        switch identifier {
        case 1: .md5
        case 2: .sha256
        case 3: .sha512
        case 4: .blake2b
        default: nil
        }
    }

    static func appendDigests(_ set: DigestSet, to writer: inout PatchByteWriter) {
        let digests = set.digests.values.sorted { identifier(of: $0.algorithm) < identifier(of: $1.algorithm) }
        writer.append(UInt8(digests.count))
        for digest in digests {
            writer.append(identifier(of: digest.algorithm))
            writer.append(digest.bytes)
        }
    }

    static func readDigests(_ reader: inout PatchByteReader, size: UInt64) throws(PatchFormatError) -> DigestSet {
        let count = try reader.readByte()
        var digests = [Digest]()
        for _ in 0..<count {
            let at = reader.offset
            guard let algorithm = algorithm(identifier: try reader.readByte()) else {
                throw .invalidField("digest algorithm", offset: at)
            }
            let bytes = Array(try reader.readBytes(algorithm.byteCount))
            guard let digest = try? Digest(algorithm: algorithm, bytes: bytes) else {
                throw .invalidField("digest", offset: at)
            }
            digests.append(digest)
        }
        return DigestSet(size: size, digests: digests)
    }
}
