/// The adaptive probabilities for everything in a stream but its tokens: block types,
/// token counts, stored-block lengths and padding, and dynamic headers. Shared by analysis
/// and replay like ``TokenModel``.
struct BlockModel {
    private var type = [UInt16](repeating: initialProbability, count: 4 * 3)
    private var sameCount = [UInt16](repeating: initialProbability, count: 2)
    private var tokenCount = GammaModel()
    /// Mode 6 only: a coded block's content length (``OptimalParsePredictor`` parses to the block's end).
    private var contentLength = GammaModel()
    private var padding = [UInt16](repeating: initialProbability, count: 8)
    private var headerPredicted = [UInt16](repeating: initialProbability, count: 2)
    private var previousType = 3
    private var previousTokenCount = -1
    private var previousHeaderPredicted = 1
    /// The encoder family's header builder, which headers are predicted from (zlib's
    /// `trees.c`, or ISA-L's for its predictor modes).
    let trees: any DynamicHeaderPredicting

    /// The model for a payload with these predictor settings: 7-Zip's header builder for the
    /// 7-Zip flags of version 7 (``DeflateReconstruction/Flags/predictedHeaders``,
    /// ``DeflateReconstruction/Flags/previousBlockPrices``), else the mode's.
    init(settings: MatchPredictor.Settings = MatchPredictor.Settings(chainLimit: 1, lazyLimit: 0)) {
        let sevenZip = settings.predictsHeaders || settings.pricesFromPreviousBlock
        trees = sevenZip ? SevenZipHeaderPredictor() : settings.mode.headerPredictor()
    }

    mutating func encodeType(_ kind: DeflateBlockRecord.Kind, _ coder: inout RangeEncoder) {
        let value = Int(kind.rawValue)
        coder.encode(value & 2 != 0, &type[previousType * 3])
        coder.encode(value & 1 != 0, &type[previousType * 3 + 1 + (value >> 1)])
        previousType = value
    }

    mutating func decodeType(_ coder: inout RangeDecoder) -> DeflateBlockRecord.Kind? {
        let high = coder.decode(&type[previousType * 3]) ? 1 : 0
        let low = coder.decode(&type[previousType * 3 + 1 + high]) ? 1 : 0
        previousType = high << 1 | low
        return DeflateBlockRecord.Kind(rawValue: UInt8(previousType))
    }

    mutating func encodeTokenCount(_ count: Int, _ coder: inout RangeEncoder) {
        let same = count == previousTokenCount
        coder.encode(same, &sameCount[0])
        if !same { tokenCount.encode(UInt32(count), &coder) }
        previousTokenCount = count
    }

    mutating func decodeTokenCount(_ coder: inout RangeDecoder) -> Int? {
        if coder.decode(&sameCount[0]) {
            return previousTokenCount >= 0 ? previousTokenCount : nil
        }
        guard let count = tokenCount.decode(&coder) else { return nil }
        previousTokenCount = Int(count)
        return Int(count)
    }

    /// Codes a coded block's content length (mode 6, whose predictor needs the block's end).
    mutating func encodeContentLength(_ length: Int, _ coder: inout RangeEncoder) {
        contentLength.encode(UInt32(length), &coder)
    }

    mutating func decodeContentLength(_ coder: inout RangeDecoder) -> Int? {
        contentLength.decode(&coder).map(Int.init)
    }

    mutating func encodePadding(_ bits: UInt32, count: Int, _ coder: inout RangeEncoder) {
        for index in 0..<count { coder.encode((bits >> UInt32(index)) & 1 == 1, &padding[index]) }
    }

    mutating func decodePadding(count: Int, _ coder: inout RangeDecoder) -> UInt32 {
        var bits: UInt32 = 0
        for index in 0..<count where coder.decode(&padding[index]) { bits |= 1 << UInt32(index) }
        return bits
    }

    /// Codes whether the header is the one the reference builds from the block's tokens.
    mutating func encodeHeaderPredicted(_ predicted: Bool, _ coder: inout RangeEncoder) {
        coder.encode(predicted, &headerPredicted[previousHeaderPredicted])
        previousHeaderPredicted = predicted ? 1 : 0
    }

    mutating func decodeHeaderPredicted(_ coder: inout RangeDecoder) -> Bool {
        let predicted = coder.decode(&headerPredicted[previousHeaderPredicted])
        previousHeaderPredicted = predicted ? 1 : 0
        return predicted
    }

    private var countTrimmed = [UInt16](repeating: initialProbability, count: 3)
    private var codeLength = [UInt16](repeating: initialProbability, count: 16 * 16)
    private var precodeLength = [UInt16](repeating: initialProbability, count: 8 * 8)
    private var itemMethod = [UInt16](repeating: initialProbability, count: 2)
    private var itemCount = GammaModel()
    private var itemSymbol = [UInt16](repeating: initialProbability, count: 4 * 32)

    /// Codes a dynamic header by its structure: every code length against `predicted` (zlib's
    /// lengths for the block's tokens, 286 + 30), the counts as trimmed or not, the runs as
    /// zlib's, libdeflate's or item by item, and the code-length code against zlib's lengths
    /// for those runs.
    mutating func encodeHeader(_ header: DynamicHeader, predicted: [UInt8], _ coder: inout RangeEncoder) {
        var full = [UInt8](repeating: 0, count: 316)
        for index in 0..<header.literalCount { full[index] = header.lengths[index] }
        for index in 0..<header.distanceCount { full[286 + index] = header.lengths[header.literalCount + index] }
        for index in 0..<316 {
            Self.encodeBits(Int(full[index]), width: 4, &codeLength, context: Int(predicted[index]), &coder)
        }
        let literalTrimmed = header.literalCount == DynamicHeader.trimmedCount(full[0..<286], minimum: 257)
        coder.encode(literalTrimmed, &countTrimmed[0])
        if !literalTrimmed { coder.encodeDirect(UInt32(header.literalCount - 257), count: 5) }
        let distanceTrimmed = header.distanceCount == DynamicHeader.trimmedCount(full[286...], minimum: 1)
        coder.encode(distanceTrimmed, &countTrimmed[1])
        if !distanceTrimmed { coder.encodeDirect(UInt32(header.distanceCount - 1), count: 5) }
        let method =
            header.items == DynamicHeader.zlibItems(header.lengths, literalCount: header.literalCount)
            ? 0 : header.items == DynamicHeader.libdeflateItems(header.lengths) ? 1 : 2
        coder.encode(method != 0, &itemMethod[0])
        if method != 0 { coder.encode(method == 2, &itemMethod[1]) }
        if method == 2 {
            itemCount.encode(UInt32(header.items.count), &coder)
            var context = 0
            for item in header.items {
                Self.encodeBits(Int(item.symbol), width: 5, &itemSymbol, context: context, &coder)
                Self.putExtra(item, &coder)
                context = Self.itemContext(item.symbol)
            }
        }
        let predictedPrecode = trees.precodeLengths(DynamicHeader.precodeFrequencies(header.items))
        let precodeTrimmed = header.precodeCount == DynamicHeader.trimmedPrecodeCount(header.precodeLengths)
        coder.encode(precodeTrimmed, &countTrimmed[2])
        if !precodeTrimmed { coder.encodeDirect(UInt32(header.precodeCount - 4), count: 4) }
        for symbol in 0..<19 {
            Self.encodeBits(
                Int(header.precodeLengths[symbol]), width: 3, &precodeLength, context: Int(predictedPrecode[symbol]),
                &coder)
        }
    }

    /// Decodes what ``encodeHeader(_:predicted:_:)`` wrote; nil when it is not a header.
    mutating func decodeHeader(predicted: [UInt8], _ coder: inout RangeDecoder) -> DynamicHeader? {
        var full = [UInt8](repeating: 0, count: 316)
        for index in 0..<316 {
            full[index] = UInt8(Self.decodeBits(width: 4, &codeLength, context: Int(predicted[index]), &coder))
        }
        let literalCount =
            coder.decode(&countTrimmed[0])
            ? DynamicHeader.trimmedCount(full[0..<286], minimum: 257) : Int(coder.decodeDirect(count: 5)) + 257
        let distanceCount =
            coder.decode(&countTrimmed[1])
            ? DynamicHeader.trimmedCount(full[286...], minimum: 1) : Int(coder.decodeDirect(count: 5)) + 1
        guard literalCount <= 286, distanceCount <= 30,
            !full[literalCount..<286].contains(where: { $0 != 0 }),
            !full[(286 + distanceCount)...].contains(where: { $0 != 0 })
        else { return nil }
        let lengths = Array(full[0..<literalCount]) + Array(full[286..<(286 + distanceCount)])
        let items: [DynamicHeader.Item]
        if !coder.decode(&itemMethod[0]) {
            items = DynamicHeader.zlibItems(lengths, literalCount: literalCount)
        } else if !coder.decode(&itemMethod[1]) {
            items = DynamicHeader.libdeflateItems(lengths)
        } else {
            guard let count = itemCount.decode(&coder, maximumWidth: 10), count <= lengths.count else { return nil }
            var decoded = [DynamicHeader.Item]()
            var context = 0
            for _ in 0..<count {
                let symbol = Self.decodeBits(width: 5, &itemSymbol, context: context, &coder)
                guard symbol < 19 else { return nil }
                let width = symbol == 16 ? 2 : symbol == 17 ? 3 : symbol == 18 ? 7 : 0
                decoded.append(
                    DynamicHeader.Item(symbol: UInt8(symbol), extra: UInt8(coder.decodeDirect(count: width))))
                context = Self.itemContext(UInt8(symbol))
            }
            items = decoded
        }
        let predictedPrecode = trees.precodeLengths(DynamicHeader.precodeFrequencies(items))
        let precodeTrimmedFlag = coder.decode(&countTrimmed[2])
        let explicitCount = precodeTrimmedFlag ? 0 : Int(coder.decodeDirect(count: 4)) + 4
        var precodeLengths = [UInt8](repeating: 0, count: 19)
        for symbol in 0..<19 {
            precodeLengths[symbol] = UInt8(
                Self.decodeBits(width: 3, &precodeLength, context: Int(predictedPrecode[symbol]), &coder))
        }
        let precodeCount = precodeTrimmedFlag ? DynamicHeader.trimmedPrecodeCount(precodeLengths) : explicitCount
        guard (precodeCount..<19).allSatisfy({ precodeLengths[DeflateCodes.codeLengthOrder[$0]] == 0 }) else {
            return nil
        }
        return DynamicHeader(
            literalCount: literalCount, distanceCount: distanceCount, precodeCount: precodeCount,
            precodeLengths: precodeLengths, items: items, lengths: lengths)
    }

    private static func itemContext(_ symbol: UInt8) -> Int {
        switch symbol {
        case 0: 1
        case 16: 2
        case 17, 18: 3
        default: 0
        }
    }

    private static func putExtra(_ item: DynamicHeader.Item, _ coder: inout RangeEncoder) {
        let width = item.symbol == 16 ? 2 : item.symbol == 17 ? 3 : item.symbol == 18 ? 7 : 0
        coder.encodeDirect(UInt32(item.extra), count: width)
    }

    /// Codes `value` (`width` bits, most significant first) with a bit tree per context.
    private static func encodeBits(
        _ value: Int, width: Int, _ probabilities: inout [UInt16], context: Int, _ coder: inout RangeEncoder
    ) {
        var node = 1
        let base = context << width
        for index in stride(from: width - 1, through: 0, by: -1) {
            let bit = (value >> index) & 1
            coder.encode(bit == 1, &probabilities[base + node])
            node = node << 1 | bit
        }
    }

    private static func decodeBits(
        width: Int, _ probabilities: inout [UInt16], context: Int, _ coder: inout RangeDecoder
    )
        -> Int
    {
        var node = 1
        let base = context << width
        for _ in 0..<width { node = node << 1 | (coder.decode(&probabilities[base + node]) ? 1 : 0) }
        return node - (1 << width)
    }
}
