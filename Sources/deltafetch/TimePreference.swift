import ArgumentParser
import DeltaCore

/// `--prefer time`: the planner weighs download time at `bandwidth` against the rebuild's
/// cost (decompress, apply, recompress), with measured speeds where given.
/// - Throws: `ValidationError` for a rate that does not parse.
func timePreference(bandwidth: String, applySpeed: String?, recompressSpeeds: [String]) throws -> PlanPreference {
    guard let rate = RateParser.bytesPerSecond(bandwidth) else {
        throw ValidationError("--bandwidth '\(bandwidth)' is not a rate such as 500k, 20M or 1.5G")
    }
    var model = RebuildCostModel(bandwidth: rate)
    if let applySpeed {
        guard let speed = RateParser.bytesPerSecond(applySpeed) else { throw ValidationError("--apply-speed '\(applySpeed)' is not a rate") }
        model.applyThroughput = speed
    }
    for setting in recompressSpeeds {
        let parts = setting.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let format = CompressionFormat(rawValue: String(parts[0])),
              let speed = RateParser.bytesPerSecond(String(parts[1])) else {
            throw ValidationError("--recompress-speed '\(setting)' is not FORMAT=RATE with FORMAT one of gzip, bzip2, xz, none")
        }
        model.recompressThroughput[format] = speed
    }
    return .time(model)
}
