#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A deflate token packed in 32 bits: a literal is 0 (its byte is the content's); a match
/// holds its distance - 1 in bits 0-15, its length (3-258) in bits 16-24, and in bit 25
/// whether a length of 258 was written as code 284 with extra bits 31 (valid, but not what
/// most encoders write).
typealias DeflateToken = UInt32

extension DeflateToken {
    static func match(length: Int, distance: Int, longForm: Bool = false) -> DeflateToken {
        UInt32(distance - 1) | UInt32(length) << 16 | (longForm ? 1 << 25 : 0)
    }
    var matchLength: Int { Int((self >> 16) & 0x1ff) }
    var matchDistance: Int { Int(self & 0xffff) + 1 }
    var isLongForm258: Bool { self & (1 << 25) != 0 }
}

/// One block of a parsed stream, as written.
struct DeflateBlockRecord: Equatable {
    enum Kind: UInt8 {
        case stored = 0
        case fixed = 1
        case dynamic = 2
    }

    var kind: Kind
    var isFinal: Bool
    /// The block's tokens in ``ParsedDeflate/tokens`` (fixed and dynamic blocks).
    var tokenStart = 0
    var tokenCount = 0
    /// The content the block covers.
    var contentStart = 0
    var contentLength = 0
    /// The bit in the stream where the block's header starts.
    var bitStart = 0
    /// Stored blocks: the bits skipped to reach a byte boundary, and how many.
    var paddingBits: UInt32 = 0
    var paddingCount = 0
    /// Dynamic blocks: the header's bits (HLIT through the last code length) in the input.
    var headerBits: Range<Int> = 0..<0
    /// Dynamic blocks: the code lengths the header gives.
    var literalLengths: [UInt8] = []
    var distanceLengths: [UInt8] = []
}

/// A deflate stream taken apart: blocks, tokens and the padding after the final block.
struct ParsedDeflate {
    var blocks: [DeflateBlockRecord] = []
    var tokens: [DeflateToken] = []
    var endPaddingBits: UInt32 = 0
    var endPaddingCount = 0
    /// The stream's length in bytes.
    var byteCount = 0
}

/// Takes a raw deflate stream apart, token by token, checking it against its content.
///
/// Bounded for hostile input: every block consumes input bits, tokens never outnumber the
/// content bytes, and the whole stream must decode to exactly `content`.
enum DeflateStreamParser {
    /// The dynamic header's code lengths, read from `reader`.
    static func readDynamicHeader(_ reader: inout DeflateBitReader) throws(DeflateParseError) -> (
        literal: [UInt8], distance: [UInt8]
    ) {
        let start = reader.bitPosition
        let literalCount = Int(try reader.read(5)) + 257
        let distanceCount = Int(try reader.read(5)) + 1
        let codeLengthCount = Int(try reader.read(4)) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw .invalid(bitOffset: start, detail: "too many length or distance codes")
        }
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for index in 0..<codeLengthCount {
            codeLengthLengths[DeflateCodes.codeLengthOrder[index]] = UInt8(try reader.read(3))
        }
        let codeLengthCode: HuffmanCode
        do { codeLengthCode = try HuffmanCode(lengths: codeLengthLengths, requireComplete: true) } catch {
            throw .invalid(bitOffset: start, detail: "invalid code-length code")
        }
        var lengths = [UInt8]()
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try codeLengthCode.decode(&reader)
            switch symbol {
            case 0..<16:
                lengths.append(UInt8(symbol))
            case 16:
                guard let previous = lengths.last else {
                    throw .invalid(bitOffset: reader.bitPosition, detail: "repeat with no previous length")
                }
                let repeats = 3 + Int(try reader.read(2))
                guard lengths.count + repeats <= literalCount + distanceCount else {
                    throw .invalid(bitOffset: reader.bitPosition, detail: "too many code lengths")
                }
                lengths.append(contentsOf: repeatElement(previous, count: repeats))
            default:
                let repeats = symbol == 17 ? 3 + Int(try reader.read(3)) : 11 + Int(try reader.read(7))
                guard lengths.count + repeats <= literalCount + distanceCount else {
                    throw .invalid(bitOffset: reader.bitPosition, detail: "too many code lengths")
                }
                lengths.append(contentsOf: repeatElement(0, count: repeats))
            }
        }
        guard lengths[256] != 0 else { throw .invalid(bitOffset: start, detail: "no end-of-block code") }
        return (Array(lengths[..<literalCount]), Array(lengths[literalCount...]))
    }

    /// Parses `deflate`, which must decode to exactly `content` and end (after its final
    /// block and the padding to a byte) exactly at its last byte; or, with a `blockLimit`,
    /// only its first blocks up to that many (whose content must be `content`'s start).
    static func parse(
        _ deflate: UnsafeRawBufferPointer, content: UnsafeRawBufferPointer, blockLimit: Int = .max
    ) throws(DeflateParseError) -> ParsedDeflate {
        var reader = DeflateBitReader(deflate)
        var parsed = ParsedDeflate()
        parsed.byteCount = deflate.count
        let fixedLiteral = try HuffmanCode(lengths: DeflateCodes.fixedLiteralLengths)
        let fixedDistance = try HuffmanCode(lengths: DeflateCodes.fixedDistanceLengths)
        var position = 0
        let contentBytes = content.bindMemory(to: UInt8.self)
        var isFinal = false
        while !isFinal {
            if parsed.blocks.count == blockLimit { return parsed }
            let blockStart = reader.bitPosition
            isFinal = try reader.bit() == 1
            let type = try reader.read(2)
            var block = DeflateBlockRecord(kind: .stored, isFinal: isFinal)
            block.contentStart = position
            block.bitStart = blockStart
            block.tokenStart = parsed.tokens.count
            switch type {
            case 0:
                block.paddingCount = (8 - reader.bitPosition & 7) & 7
                block.paddingBits = try reader.read(block.paddingCount)
                let length = Int(try reader.read(16))
                let complement = Int(try reader.read(16))
                guard length ^ complement == 0xffff else {
                    throw .invalid(bitOffset: blockStart, detail: "stored block length check")
                }
                guard length <= content.count - position else {
                    throw .invalid(bitOffset: blockStart, detail: "stored block past the content")
                }
                let byteOffset = reader.bitPosition >> 3
                guard length <= deflate.count - byteOffset,
                    length == 0
                        || memcmp(deflate.baseAddress! + byteOffset, content.baseAddress! + position, length) == 0
                else { throw .invalid(bitOffset: blockStart, detail: "stored bytes differ from the content") }
                try reader.skip(bytes: length)
                position += length
            case 1, 2:
                let literalCode: HuffmanCode
                let distanceCode: HuffmanCode
                if type == 1 {
                    block.kind = .fixed
                    literalCode = fixedLiteral
                    distanceCode = fixedDistance
                } else {
                    block.kind = .dynamic
                    let headerStart = reader.bitPosition
                    let lengths = try readDynamicHeader(&reader)
                    block.headerBits = headerStart..<reader.bitPosition
                    block.literalLengths = lengths.literal
                    block.distanceLengths = lengths.distance
                    do {
                        literalCode = try HuffmanCode(lengths: lengths.literal, requireComplete: true)
                        distanceCode = try HuffmanCode(lengths: lengths.distance, requireComplete: true)
                    } catch {
                        throw .invalid(bitOffset: headerStart, detail: "invalid literal/length or distance code")
                    }
                }
                while true {
                    let symbolOffset = reader.bitPosition
                    let symbol = try literalCode.decode(&reader)
                    if symbol < 256 {
                        guard position < content.count, contentBytes[position] == UInt8(symbol) else {
                            throw .invalid(bitOffset: symbolOffset, detail: "literal differs from the content")
                        }
                        parsed.tokens.append(0)
                        position += 1
                    } else if symbol == 256 {
                        break
                    } else {
                        let code = symbol - 257
                        guard code < 29 else {
                            throw .invalid(bitOffset: symbolOffset, detail: "length code \(symbol)")
                        }
                        let extra = Int(try reader.read(DeflateCodes.lengthExtra[code]))
                        let length = DeflateCodes.lengthBase[code] + extra
                        let longForm = code == 27 && extra == 31
                        let distanceSymbol = try distanceCode.decode(&reader)
                        guard distanceSymbol < 30 else {
                            throw .invalid(bitOffset: symbolOffset, detail: "distance code \(distanceSymbol)")
                        }
                        let distance =
                            DeflateCodes.distanceBase[distanceSymbol]
                            + Int(try reader.read(DeflateCodes.distanceExtra[distanceSymbol]))
                        guard distance <= position, length <= content.count - position else {
                            throw .invalid(bitOffset: symbolOffset, detail: "match outside the content")
                        }
                        for index in 0..<length
                        where contentBytes[position + index] != contentBytes[position + index - distance] {
                            throw .invalid(bitOffset: symbolOffset, detail: "match differs from the content")
                        }
                        parsed.tokens.append(.match(length: length, distance: distance, longForm: longForm))
                        position += length
                    }
                }
                block.tokenCount = parsed.tokens.count - block.tokenStart
            default:
                throw .invalid(bitOffset: blockStart, detail: "block type 3")
            }
            block.contentLength = position - block.contentStart
            parsed.blocks.append(block)
        }
        guard position == content.count else {
            throw .invalid(bitOffset: reader.bitPosition, detail: "stream ends before the content does")
        }
        parsed.endPaddingCount = (8 - reader.bitPosition & 7) & 7
        parsed.endPaddingBits = try reader.read(parsed.endPaddingCount)
        guard reader.bitPosition == deflate.count * 8 else {
            throw .unsupported("\(deflate.count - reader.bitPosition / 8) bytes after the final block")
        }
        return parsed
    }
}
