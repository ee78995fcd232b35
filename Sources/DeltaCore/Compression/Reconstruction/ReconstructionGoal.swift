/// What deflate reconstruction's analysis weighs when it chooses a predictor: the rebuild's
/// time on every client, or the bytes every client downloads (`mkpatch create --reconstruction`).
///
/// The two differ only on streams from encoders that parse optimally (7-Zip, zopfli,
/// libdeflate -10 to -12), where predictor mode 6 (``OptimalParsePredictor``) codes about half
/// the data of the hash-chain modes (3.3-4.4 % of the file against 8.7-9.7 %) but replays at
/// 2.5-3.7 × the time of one zlib -9 compression of the content, against at most 1.4 × for the
/// others. On a 10 MB file that is about 0.5 MB saved for 5-7 s more of one core at each
/// rebuild, a gain only below about 100 kB/s per core (docs/recipes.md), so time is the default.
public enum ReconstructionGoal: String, Sendable, CaseIterable {
    /// The predictors whose replay stays within 1.4 × a zlib -9 compression.
    case fastReplay = "fast"
    /// Also the optimal parse, where it codes the sample smaller (for mirrors whose users
    /// are mostly on slow links).
    case smallestData = "small"
}

extension DeflateReconstruction {
    /// About how many times longer than zlib's own compression of the content replaying
    /// `payload` takes: for mode 6, 3 with a nice length and a tree depth of at most 80 (7-Zip's
    /// settings: 2.3-2.9 × a zlib -9 compression on the 61 MB Django tar), 3.5 when the
    /// fast-bytes rule tries every length up to a nice length above 64 (-mx9's 128: 3.65 ×;
    /// bench/results-2026-12-03-fast-bytes.txt), else 3.5 with the depth 32 and 4 deeper
    /// (3.4-4.0 ×; bench/results-2026-12-02-nice-length.txt); 1 for the other modes and for
    /// a payload that does not parse (the replay will refuse it anyway). With payload version
    /// 8's windows, 2 for -mx5/-mx6's single pass (1.7 × in CPU time on the 61 MB tar, -mx9
    /// 3.3 ×; bench/results-2026-12-03-v8-windows.txt).
    public static func replayCostFactor(payload: [UInt8]) -> Double {
        guard let settings = try? Sizes(payload).settings, settings.mode == .optimalParse else { return 1 }
        if settings.optimalParseNiceLength < 258 && settings.chainLimit <= 80 {
            if settings.endsWindowsWhereMatchesEnd && settings.pricesFromPreviousBlock { return 2 }
            return settings.cutsAtNiceMatches && settings.optimalParseNiceLength > 64 ? 3.5 : 3
        }
        return settings.chainLimit > 32 ? 4 : 3.5
    }
}
