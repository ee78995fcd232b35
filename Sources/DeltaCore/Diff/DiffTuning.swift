#if canImport(Glibc)
import Glibc
#endif

/// The differ's knobs, measured on the corpus (docs/benchmarks.md) and fixed in the defaults.
struct DiffTuning: Sendable, CustomStringConvertible {
    var switchMargin = 8
    var metadataMargin = 64
    var jumpWeight = 0
    var tieSearch = 32
    var agreeWeight = 2
    var stepWeight = 1
    var minCoverLength = 0
    var zeroRunBreak = 4
    /// (lc, lp, pb) for the commands, residuals and literals streams.
    var model: [(UInt32, UInt32, UInt32)] = [(0, 0, 0), (0, 0, 0), (0, 0, 0), (3, 0, 0)]

    var description: String {
        "margin=\(switchMargin) meta=\(metadataMargin) jump=\(jumpWeight) tie=\(tieSearch) agree=\(agreeWeight) step=\(stepWeight) mincover=\(minCoverLength) zrb=\(zeroRunBreak) "
            + "model=\(model.map { "\($0.0).\($0.1).\($0.2)" }.joined(separator: ","))"
    }

    /// Development only: variants to measure, from `DF_EXPERIMENTS` ("key=value ..." separated by "|").
    static func experiments() -> [DiffTuning]? {
        guard let raw = getenv("DF_EXPERIMENTS") else { return nil }
        return String(cString: raw).split(separator: "|").map { spec in
            var tuning = DiffTuning()
            for pair in spec.split(separator: " ") {
                let parts = pair.split(separator: "=")
                guard parts.count == 2 else { continue }
                let value = Int(parts[1]) ?? 0
                switch parts[0] {
                case "margin": tuning.switchMargin = value
                case "meta": tuning.metadataMargin = value
                case "jump": tuning.jumpWeight = value
                case "tie": tuning.tieSearch = value
                case "agree": tuning.agreeWeight = value
                case "step": tuning.stepWeight = value
                case "mincover": tuning.minCoverLength = value
                case "zrb": tuning.zeroRunBreak = value
                case "cmd", "res", "hdr", "lit":
                    let m = parts[1].split(separator: ".").compactMap { UInt32($0) }
                    let slot = ["cmd", "res", "hdr", "lit"].firstIndex(of: String(parts[0]))!
                    if m.count == 3 { tuning.model[slot] = (m[0], m[1], m[2]) }
                default: break
                }
            }
            return tuning
        }
    }

    static func dump(_ streams: [[UInt8]]) {
        guard getenv("DF_DUMP") != nil else { return }
        for (index, stream) in streams.enumerated() {
            guard let file = fopen("/tmp/df-stream-\(index)", "wb") else { continue }
            stream.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, file) }
            fclose(file)
        }
    }

    static func report(_ tuning: DiffTuning, header: NativePatchHeader, body: [UInt8]) {
        let streams = header.streams.map { "\($0.rawLength)->\($0.codedLength)" }.joined(separator: " ")
        let line = "EXP \(body.count + header.serialized().count) [\(streams)] \(tuning)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}

extension MatchFinder {
    mutating func apply(_ tuning: DiffTuning) {
        switchMargin = tuning.switchMargin
        agreeWeight = tuning.agreeWeight
        stepWeight = tuning.stepWeight
        metadataMargin = tuning.metadataMargin
        jumpWeight = tuning.jumpWeight
        tieSearch = tuning.tieSearch
    }
}
