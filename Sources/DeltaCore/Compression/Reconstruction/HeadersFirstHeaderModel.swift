/// How a dynamic block's header is coded when it comes *before* the block's tokens (payload
/// flag ``DeflateReconstruction/Flags/headersFirst``), so without them: one adaptive bit for
/// "the previous dynamic block's header again" (ISA-L's level 0 repeats its built-in table),
/// else the header's structure (``BlockModel/encodeHeader(_:predicted:_:)``) against the
/// previous header's code lengths (the fixed code's before the first).
///
/// Shared by the analysis and the replay like ``BlockModel``; ``codeLengths`` is the block's
/// code lengths once its header is coded, for a predictor that uses them.
struct HeadersFirstHeaderModel {
    private var repeated = [UInt16](repeating: initialProbability, count: 2)
    private var previousRepeated = 0
    /// The previous dynamic header's bits; nil before the first.
    private var previousBits: [Bool]?
    /// The previous dynamic header's code lengths (286 literal/length, then 30 distance), the
    /// prediction the next header is coded against (without a predicted header).
    private(set) var previousLengths: [UInt8] =
        Array(DeflateCodes.fixedLiteralLengths.prefix(286)) + DeflateCodes.fixedDistanceLengths
    /// The code lengths of the block whose header was coded last.
    private(set) var codeLengths: BlockCodeLengths?

    /// Codes the header `bits` (HLIT through the last code length) of the next dynamic block.
    /// - Throws: ``DeflateParseError/unsupported(_:)`` for a header that does not read back.
    mutating func encode(
        _ bits: [Bool], _ blockModel: inout BlockModel, _ coder: inout RangeEncoder
    ) throws(DeflateParseError) {
        let isRepeat = bits == previousBits
        coder.encode(isRepeat, &repeated[previousRepeated])
        previousRepeated = isRepeat ? 1 : 0
        if isRepeat { return }
        guard let header = DynamicHeader(bits: bits), header.bits() == bits else {
            throw .unsupported("a dynamic header that does not read back")
        }
        blockModel.encodeHeader(header, predicted: previousLengths, &coder)
        remember(bits, header)
    }

    /// Codes the header `bits` of the next dynamic block against `predicted`, the header
    /// predicted for it (payload flag ``DeflateReconstruction/Flags/predictedHeaders``): one
    /// adaptive bit for "the predicted header", else its structure against the predicted code
    /// lengths.
    /// - Throws: ``DeflateParseError/unsupported(_:)`` for a header that does not read back.
    mutating func encode(
        _ bits: [Bool], predicted: (bits: [Bool], lengths: [UInt8]), _ blockModel: inout BlockModel,
        _ coder: inout RangeEncoder
    ) throws(DeflateParseError) {
        let isPredicted = bits == predicted.bits
        coder.encode(isPredicted, &repeated[previousRepeated])
        previousRepeated = isPredicted ? 1 : 0
        guard let header = DynamicHeader(bits: bits), header.bits() == bits else {
            throw .unsupported("a dynamic header that does not read back")
        }
        if !isPredicted { blockModel.encodeHeader(header, predicted: predicted.lengths, &coder) }
        remember(bits, header)
    }

    /// Decodes what ``encode(_:predicted:_:_:)`` wrote: the header's bits; nil when they are not
    /// a header.
    mutating func decode(
        predicted: (bits: [Bool], lengths: [UInt8]), _ blockModel: inout BlockModel, _ coder: inout RangeDecoder
    ) -> [Bool]? {
        let isPredicted = coder.decode(&repeated[previousRepeated])
        previousRepeated = isPredicted ? 1 : 0
        let header =
            isPredicted
            ? DynamicHeader(bits: predicted.bits) : blockModel.decodeHeader(predicted: predicted.lengths, &coder)
        guard let header, let bits = header.bits() else { return nil }
        remember(bits, header)
        return bits
    }

    /// Decodes what ``encode(_:_:_:)`` wrote: the header's bits; nil when they are not a header.
    mutating func decode(_ blockModel: inout BlockModel, _ coder: inout RangeDecoder) -> [Bool]? {
        let isRepeat = coder.decode(&repeated[previousRepeated])
        previousRepeated = isRepeat ? 1 : 0
        if isRepeat { return previousBits }
        guard let header = blockModel.decodeHeader(predicted: previousLengths, &coder), let bits = header.bits()
        else { return nil }
        remember(bits, header)
        return bits
    }

    private mutating func remember(_ bits: [Bool], _ header: DynamicHeader) {
        previousBits = bits
        let literal = Array(header.lengths[0..<header.literalCount])
        let distance = Array(header.lengths[header.literalCount...])
        previousLengths = header.paddedLengths
        codeLengths = BlockCodeLengths(literal: literal, distance: distance)
    }
}

/// The code lengths a block is written with, known before its tokens when its header comes
/// first: literal/length (257-286) and distance (1-30) lengths, 0 for an unused symbol.
struct BlockCodeLengths: Equatable {
    var literal: [UInt8]
    var distance: [UInt8]

    /// The fixed code's (deflate's block type 1).
    static let fixed = BlockCodeLengths(
        literal: DeflateCodes.fixedLiteralLengths, distance: DeflateCodes.fixedDistanceLengths)
}
