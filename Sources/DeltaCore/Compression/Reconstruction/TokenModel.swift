/// What the reference deflate would write at a position.
struct TokenPrediction {
    /// The predicted token: 0 for a literal, else a match.
    var token: DeflateToken
    /// The longest match found there (length 0: none), whatever was predicted.
    var bestLength: Int
    /// The context the prediction gives its "right or wrong" bit: literal with no match (0),
    /// literal because the next position matches longer (1), match of length 3 (2), 3 too
    /// far for zlib's `TOO_FAR` (3), 4-7 (4), 8 or more (5).
    var kind: Int
}

/// The adaptive probabilities tokens are coded with, and the coding itself, shared by the
/// analysis (``encode(_:at:prediction:into:)``) and the replay (``decode(at:prediction:from:)``)
/// so that both move through exactly the same states.
struct TokenModel {
    private var hit = [UInt16](repeating: initialProbability, count: 12)
    private var literalOnMiss = [UInt16](repeating: initialProbability, count: 6)
    private var escape = [UInt16](repeating: initialProbability, count: 6)
    private var longForm = initialProbability
    private var longer = [UInt16](repeating: initialProbability, count: 6)
    private var lengthShortfall = GammaModel()
    private var lengthExcess = GammaModel()
    private var candidateIndex = GammaModel()
    private var lastHit = 1

    /// The reference's choice at `position`.
    static func predict(at position: Int, _ predictor: MatchPredictor, contentCount: Int) -> TokenPrediction {
        if let optimal = predictor.optimal { return optimal.predict(at: position) }
        let best = predictor.longestMatch(at: position)
        guard best.length >= 3 else { return TokenPrediction(token: 0, bestLength: 0, kind: 0) }
        let lazy = predictor.settings.lazyLimit
        if lazy > 0 && best.length < lazy && position + 1 < contentCount {
            let next = predictor.longestMatch(at: position + 1)
            if next.length > best.length { return TokenPrediction(token: 0, bestLength: best.length, kind: 1) }
        }
        let kind =
            switch best.length {
            case 3: best.distance > 4096 ? 3 : 2
            case 4..<8: 4
            default: 5
            }
        return TokenPrediction(
            token: .match(length: best.length, distance: best.distance), bestLength: best.length, kind: kind)
    }

    /// Codes the actual `token` at `position` against `prediction`.
    mutating func encode(
        _ token: DeflateToken, at position: Int, prediction: TokenPrediction, predictor: MatchPredictor,
        into coder: inout RangeEncoder
    ) {
        let context = prediction.kind * 2 + lastHit
        let isHit = token == prediction.token
        coder.encode(isHit, &hit[context])
        lastHit = isHit ? 1 : 0
        if isHit { return }
        if prediction.token != 0 {
            coder.encode(token == 0, &literalOnMiss[prediction.kind])
            if token == 0 { return }
        }
        let length = token.matchLength
        let distance = token.matchDistance
        encodeLength(length, best: prediction.bestLength, kind: prediction.kind, into: &coder)
        let index = predictor.index(ofDistance: distance, length: length, at: position)
        coder.encode(index == nil, &escape[prediction.kind])
        if let index {
            candidateIndex.encode(UInt32(index), &coder)
        } else {
            coder.encodeDirect(UInt32(distance - 1), count: 15)
        }
        if length == 258 { coder.encode(token.isLongForm258, &longForm) }
    }

    /// Codes a match length against the longest the predictor found: shorter by how much,
    /// or longer (the encoder searched further) by how much.
    private mutating func encodeLength(_ length: Int, best: Int, kind: Int, into coder: inout RangeEncoder) {
        if best >= 3 {
            coder.encode(length > best, &longer[kind])
            if length > best {
                lengthExcess.encode(UInt32(length - best - 1), &coder)
            } else {
                lengthShortfall.encode(UInt32(best - length), &coder)
            }
        } else {
            lengthExcess.encode(UInt32(length - 3), &coder)
        }
    }

    private mutating func decodeLength(best: Int, kind: Int, from coder: inout RangeDecoder) -> Int? {
        if best >= 3 {
            if coder.decode(&longer[kind]) {
                guard let excess = lengthExcess.decode(&coder, maximumWidth: 9), Int(excess) <= 258 - best - 1 else {
                    return nil
                }
                return best + 1 + Int(excess)
            }
            guard let shortfall = lengthShortfall.decode(&coder, maximumWidth: 9), Int(shortfall) <= best - 3 else {
                return nil
            }
            return best - Int(shortfall)
        }
        guard let excess = lengthExcess.decode(&coder, maximumWidth: 9), excess <= 255 else { return nil }
        return 3 + Int(excess)
    }

    /// Decodes the token at `position`; nil when the data names a match the content cannot
    /// hold there.
    mutating func decode(
        at position: Int, prediction: TokenPrediction, predictor: MatchPredictor, contentCount: Int,
        from coder: inout RangeDecoder
    ) -> DeflateToken? {
        let context = prediction.kind * 2 + lastHit
        let isHit = coder.decode(&hit[context])
        lastHit = isHit ? 1 : 0
        if isHit { return prediction.token }
        if prediction.token != 0 {
            if coder.decode(&literalOnMiss[prediction.kind]) { return 0 }
        }
        guard let length = decodeLength(best: prediction.bestLength, kind: prediction.kind, from: &coder),
            length <= contentCount - position
        else { return nil }
        let distance: Int
        if coder.decode(&escape[prediction.kind]) {
            distance = Int(coder.decodeDirect(count: 15)) + 1
            guard distance <= position else { return nil }
        } else {
            guard let index = candidateIndex.decode(&coder, maximumWidth: 13), Int(index) < MatchPredictor.indexLimit,
                let found = predictor.distance(atIndex: Int(index), length: length, at: position)
            else { return nil }
            distance = found
        }
        let longForm = length == 258 && coder.decode(&longForm)
        return .match(length: length, distance: distance, longForm: longForm)
    }
}
