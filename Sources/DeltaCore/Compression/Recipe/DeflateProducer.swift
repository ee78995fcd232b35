/// A deflate producer beyond zlib's and GNU gzip's plain modes: the payload of a recipe's
/// ``RecipeExtensionKind/deflateProducer`` extension. The recipe's ``GzipRecipe`` still gives
/// the header, the level and (for zlib-based producers) the strategy.
///
/// Payload: a varint code, then the producer's parameters:
/// - 1, GNU gzip `--rsyncable`: nothing more (the recipe's deflater is `gnu-gzip`);
/// - 2, pigz: block size in KiB (varint, 32 to 524288), flags (1 byte: bit 0 `-i`, others 0)
///   (the recipe's deflater is `zlib`, memLevel 8);
/// - 3, Go's `compress/flate`: the encoder generation (varint; 1 is Go 1.8 to 1.25's), the
///   recipe's deflater is `go-flate`, its level Go's level (HuffmanOnly: level 0, strategy
///   Huffman-only);
/// - 4, Rust's miniz_oxide: the encoder generation (varint; 1 is miniz_oxide 0.6.2's), the
///   recipe's deflater is `miniz-oxide`;
/// - 5, zlib-ng: the encoder generation (varint; 1 is zlib-ng 2.3.3's), then the input bytes
///   of each `deflate` call (varint, 0 for all the input in one call, at most 2^30), the
///   recipe's deflater is `zlib-ng`;
/// - 6, libdeflate: the encoder generation (varint; 1 is libdeflate 1.14's), the recipe's
///   deflater is `libdeflate`;
/// - 8, zlib-ng with all the input in one `deflate` call that finishes the stream (Python's
///   `zlib_ng.compress` and `gzip_ng.compress`; write size ``ZlibNGDeflateEncoder/oneFinishingCall``):
///   the encoder generation (varint), the recipe's deflater is `zlib-ng`;
/// - 7, GNU gzip 1.4 and earlier, and busybox `gzip`: nothing more (the recipe's deflater is
///   `gnu-gzip`): the window bytes past the input's end keep what they held (gzip 1.5 zeroes
///   two of them), which changes the last few tokens of some files.
public enum DeflateProducer: Hashable, Sendable {
    /// `gzip --rsyncable` (GNU gzip 1.7 and later): ``GNUDeflateEncoder`` with sequence points.
    case gnuRsyncable
    /// pigz over zlib: ``PigzDeflateEncoder``.
    case pigz(blockSize: Int, independent: Bool)
    /// Go's `compress/flate` as of the given encoder generation: ``GoFlateEncoder``.
    case goFlate(generation: Int)
    /// Rust's miniz_oxide as of the given encoder generation: ``MinizDeflateEncoder``.
    case minizOxide(generation: Int)
    /// zlib-ng as of the given encoder generation, fed `writeSize` bytes a call (0: one call,
    /// then a finishing one; ``ZlibNGDeflateEncoder/oneFinishingCall``: one call that
    /// finishes): ``ZlibNGDeflateEncoder``.
    case zlibNG(generation: Int, writeSize: Int)
    /// libdeflate as of the given encoder generation, the whole input in one call:
    /// ``LibdeflateDeflateEncoder``.
    case libdeflate(generation: Int)
    /// GNU gzip before 1.5, and busybox's `gzip` (same `deflate.c`): ``GNUDeflateEncoder`` whose
    /// window is not zeroed past the input's end.
    case gnuUnzeroedEnd

    /// The deflater a recipe with this producer has, when the producer records it.
    var recordedDeflater: DeflateImplementation? {
        switch self {
        case .goFlate: .goFlate
        case .minizOxide: .minizOxide
        case .zlibNG: .zlibNG
        case .libdeflate: .libdeflate
        case .gnuRsyncable, .pigz, .gnuUnzeroedEnd: nil
        }
    }

    /// The payload bytes.
    public var payload: [UInt8] {
        var out = RecipeByteWriter()
        switch self {
        case .gnuRsyncable:
            out.varint(1)
        case let .pigz(blockSize, independent):
            out.varint(2)
            out.varint(UInt64(blockSize >> 10))
            out.bytes.append(independent ? 1 : 0)
        case let .goFlate(generation):
            out.varint(3)
            out.varint(UInt64(generation))
        case let .minizOxide(generation):
            out.varint(4)
            out.varint(UInt64(generation))
        case let .zlibNG(generation, ZlibNGDeflateEncoder.oneFinishingCall):
            out.varint(8)
            out.varint(UInt64(generation))
        case let .zlibNG(generation, writeSize):
            out.varint(5)
            out.varint(UInt64(generation))
            out.varint(UInt64(writeSize))
        case let .libdeflate(generation):
            out.varint(6)
            out.varint(UInt64(generation))
        case .gnuUnzeroedEnd:
            out.varint(7)
        }
        return out.bytes
    }

    /// Reads a payload.
    /// - Throws: ``RecipeError/malformed(offset:detail:)``, the offset counted in the payload.
    public init(payload: [UInt8]) throws(RecipeError) {
        var input = RecipeByteReader(bytes: payload)
        let codeOffset = input.offset
        switch try input.varint() {
        case 1:
            self = .gnuRsyncable
        case 2:
            let kib = PigzDeflateEncoder.blockSizes.lowerBound >> 10...PigzDeflateEncoder.blockSizes.upperBound >> 10
            let blockSize = try input.small(kib, "pigz block size (KiB)") << 10
            let flagsOffset = input.offset
            let flags = try input.byte()
            guard flags <= 1 else { throw .malformed(offset: flagsOffset, detail: "pigz flags \(flags)") }
            self = .pigz(blockSize: blockSize, independent: flags == 1)
        case 3:
            self = .goFlate(generation: try input.small(GoFlateEncoder.generations, "Go flate encoder generation"))
        case 4:
            self = .minizOxide(
                generation: try input.small(MinizDeflateEncoder.generations, "miniz_oxide encoder generation"))
        case 5:
            let generation = try input.small(ZlibNGDeflateEncoder.generations, "zlib-ng encoder generation")
            self = .zlibNG(
                generation: generation,
                writeSize: try input.small(0...ZlibNGDeflateEncoder.maximumWriteSize, "zlib-ng write size"))
        case 6:
            self = .libdeflate(
                generation: try input.small(LibdeflateDeflateEncoder.generations, "libdeflate encoder generation"))
        case 7:
            self = .gnuUnzeroedEnd
        case 8:
            let generation = try input.small(ZlibNGDeflateEncoder.generations, "zlib-ng encoder generation")
            self = .zlibNG(generation: generation, writeSize: ZlibNGDeflateEncoder.oneFinishingCall)
        case let code:
            throw .malformed(offset: codeOffset, detail: "unknown deflate producer \(code)")
        }
        try input.expectEnd("deflate producer")
    }
}

/// How the content is split over several gzip members or bzip2 streams: the payload of a
/// recipe's ``RecipeExtensionKind/memberLayout`` extension. Each member is made with the
/// recipe's own settings, over its share of the content.
///
/// Payload: a varint code, then its parameters:
/// - 1, uniform: the content size of every member but the last (varint, 1 to 2^40), which
///   holds the rest (pbzip2 `-b N`: N × 100 000 bytes);
/// - 2, listed (gzip only): every member with its content size and its own recipe
///   (``GzipMemberList``); the recipe's base settings are then its first member's.
///
/// A client that predates a layout code refuses the recipe at the code ("unknown member
/// layout 2"), so it never rebuilds a file it cannot make exactly.
public enum MemberLayout: Hashable, Sendable {
    /// Members of `memberSize` content bytes each; the last holds the rest.
    case uniform(memberSize: UInt64)
    /// Gzip members listed one by one, each with its own recipe.
    case listed(GzipMemberList)

    /// The largest member size a payload may give.
    static let maximumMemberSize: UInt64 = 1 << 40

    /// The payload bytes.
    public var payload: [UInt8] {
        var out = RecipeByteWriter()
        switch self {
        case let .uniform(memberSize):
            out.varint(1)
            out.varint(memberSize)
        case let .listed(list):
            out.varint(2)
            list.write(to: &out)
        }
        return out.bytes
    }

    /// Reads a payload.
    /// - Throws: ``RecipeError/malformed(offset:detail:)``, the offset counted in the payload.
    public init(payload: [UInt8]) throws(RecipeError) {
        var input = RecipeByteReader(bytes: payload)
        let codeOffset = input.offset
        switch try input.varint() {
        case 1:
            let sizeOffset = input.offset
            let size = try input.varint()
            guard (1...Self.maximumMemberSize).contains(size) else {
                throw .malformed(offset: sizeOffset, detail: "member size \(size) out of range")
            }
            self = .uniform(memberSize: size)
        case 2:
            self = .listed(try GzipMemberList(reading: &input))
        case let code:
            throw .malformed(offset: codeOffset, detail: "unknown member layout \(code)")
        }
        try input.expectEnd("member layout")
    }
}

extension RecompressionRecipe {
    /// The recipe's deflate producer, nil when it has none.
    /// - Throws: ``RecipeError/malformed(offset:detail:)`` for a payload this build cannot read.
    public func deflateProducer() throws(RecipeError) -> DeflateProducer? {
        try extensionPayload(.deflateProducer).map { (payload) throws(RecipeError) in
            try DeflateProducer(payload: payload)
        }
    }

    /// The recipe's member layout, nil for a single member or stream.
    /// - Throws: ``RecipeError/malformed(offset:detail:)`` for a payload this build cannot read.
    public func memberLayout() throws(RecipeError) -> MemberLayout? {
        try extensionPayload(.memberLayout).map { (payload) throws(RecipeError) in try MemberLayout(payload: payload) }
    }
}

extension RecipeByteReader {
    /// Throws unless every byte of the payload was read.
    mutating func expectEnd(_ what: String) throws(RecipeError) {
        guard offset == bytes.count else {
            throw .malformed(offset: offset, detail: "trailing bytes after the \(what)")
        }
    }
}
