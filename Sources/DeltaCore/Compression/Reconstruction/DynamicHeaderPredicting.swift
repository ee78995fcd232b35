/// What deflate reconstruction predicts a dynamic block's header from: the header an encoder
/// family builds for the block's tokens. A header equal to the prediction costs one adaptive
/// bit; any other is coded against the predicted code lengths (``BlockModel``).
protocol DynamicHeaderPredicting: AnyObject {
    /// The header bits (HLIT through the last code length) for a block whose tokens have
    /// these frequencies, and the code lengths they send (286 literal/length, then 30
    /// distance).
    func dynamicHeader(_ frequencies: BlockFrequencies) -> (bits: [Bool], lengths: [UInt8])

    /// The code lengths the family gives the 19 code-length symbols for `frequencies`.
    func precodeLengths(_ frequencies: [Int]) -> [UInt8]
}

extension MatchPredictor.Settings.Mode {
    /// The header predictor that goes with this mode: ISA-L's for its matchers, else zlib's.
    func headerPredictor() -> any DynamicHeaderPredicting {
        isalKind == nil ? ZlibHeaderPredictor() : IsalHeaderPredictor()
    }
}
