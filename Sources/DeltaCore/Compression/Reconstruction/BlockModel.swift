/// The adaptive probabilities for everything in a stream but its tokens: block types,
/// token counts, stored-block lengths and padding, and dynamic headers. Shared by analysis
/// and replay like ``TokenModel``.
struct BlockModel {
    private var type = [UInt16](repeating: initialProbability, count: 4 * 3)
    private var sameCount = [UInt16](repeating: initialProbability, count: 2)
    private var tokenCount = GammaModel()
    private var padding = [UInt16](repeating: initialProbability, count: 8)
    private var headerPredicted = [UInt16](repeating: initialProbability, count: 2)
    private var headerBitCount = GammaModel()
    private var headerBits = [UInt16](repeating: initialProbability, count: 1 << 10)
    private var previousType = 3
    private var previousTokenCount = -1
    private var previousHeaderPredicted = 1

    /// The most bits a dynamic header can take (14 + 19 × 3 + 316 × 14, rounded up).
    static let maximumHeaderBits = 4600

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

    /// Codes a header's bits as they are, each in the context of the ten before it.
    mutating func encodeHeaderBits(_ bits: [Bool], _ coder: inout RangeEncoder) {
        headerBitCount.encode(UInt32(bits.count), &coder)
        var history = 0
        for bit in bits {
            coder.encode(bit, &headerBits[history])
            history = (history << 1 | (bit ? 1 : 0)) & ((1 << 10) - 1)
        }
    }

    mutating func decodeHeaderBits(_ coder: inout RangeDecoder) -> [Bool]? {
        guard let count = headerBitCount.decode(&coder, maximumWidth: 13), count <= Self.maximumHeaderBits else {
            return nil
        }
        var bits = [Bool]()
        bits.reserveCapacity(Int(count))
        var history = 0
        for _ in 0..<count {
            let bit = coder.decode(&headerBits[history])
            bits.append(bit)
            history = (history << 1 | (bit ? 1 : 0)) & ((1 << 10) - 1)
        }
        return bits
    }
}
