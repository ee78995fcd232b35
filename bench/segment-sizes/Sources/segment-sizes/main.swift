import DeltaCore
import Foundation

/// Usage: segment-sizes RAW_DEFLATE CONTENT
/// Prints the deflate reconstruction payload's size and the analysis's wall seconds, segmented
/// (the default 4 MiB segments) and as one segment, and checks both replay to the stream.
let arguments = CommandLine.arguments
guard arguments.count == 3,
    let deflate = FileManager.default.contents(atPath: arguments[1]).map([UInt8].init),
    let content = FileManager.default.contents(atPath: arguments[2]).map([UInt8].init)
else {
    FileHandle.standardError.write("usage: segment-sizes RAW_DEFLATE CONTENT\n".data(using: .utf8)!)
    exit(2)
}

func measure(_ name: String, segmentSize: Int?) throws {
    let start = ContinuousClock.now
    let payload = try deflate.withUnsafeBytes { stream in
        try content.withUnsafeBytes { bytes in
            if let segmentSize {
                try DeflateReconstruction.analyse(deflate: stream, content: bytes, segmentSize: segmentSize)
            } else {
                try DeflateReconstruction.analyse(deflate: stream, content: bytes)
            }
        }
    }
    let analysed = ContinuousClock.now
    let replayed = try content.withUnsafeBytes { try DeflateReconstruction.replay(payload: payload, content: $0) }
    let end = ContinuousClock.now
    let seconds = { (d: Duration) in Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
    print(
        "\(name) payload \(payload.count) version \(payload[0]) analysis_wall_s "
            + String(format: "%.2f", seconds(analysed - start)) + " replay_in_memory_wall_s "
            + String(format: "%.2f", seconds(end - analysed)) + (replayed == deflate ? " ok" : " MISMATCH"))
}

try measure("segmented", segmentSize: nil)
try measure("one-segment", segmentSize: Int.max)
