import Foundation
import Testing

@testable import DeltaCore

/// The optimal parse's eight-lane length scan chooses what the one-by-one scan chooses: the
/// same cheapest cost and, among lengths at that cost, the shortest.
struct CheapestLengthScanTests {
    /// Random cost tables with many ties (costs from a small range, some unusable) and random
    /// ranges of every alignment, both scans over the same padded tables.
    @Test func theLaneScanChoosesAsTheOneByOneScan() {
        let seed = UInt64(Date().timeIntervalSince1970) &* 31
        var generator = SeededGenerator(seed: seed)
        let padding = OptimalParsePredictor.Lanes.scalarCount
        for round in 0..<2000 {
            let spread = Int32.random(in: 1...40, using: &generator)
            var lengthCost = (0..<(259 + padding)).map { _ in Int32.random(in: 0...spread, using: &generator) }
            var pathCost = (0..<(300 + padding)).map { _ in Int32.random(in: 0...spread, using: &generator) }
            if round % 3 == 0 { lengthCost[Int.random(in: 3...258, using: &generator)] = 1 << 24 }
            if round % 5 == 0 { pathCost[Int.random(in: 0...299, using: &generator)] = 1 << 24 }
            let first = Int.random(in: 3...258, using: &generator)
            let last = Int.random(in: first...258, using: &generator)
            let (laneCost, laneLength) = OptimalParsePredictor.cheapestLength(
                from: first, through: last, lengthCost: lengthCost, pathCost: pathCost)
            let (oneCost, oneLength) = OptimalParsePredictor.cheapestLengthOneByOne(
                from: first, through: last, lengthCost: lengthCost, pathCost: pathCost)
            #expect(
                laneCost == oneCost && laneLength == oneLength,
                "seed \(seed), round \(round): lengths \(first)...\(last): \(laneLength) at \(laneCost) against \(oneLength) at \(oneCost)"
            )
            if laneLength != oneLength { return }
        }
    }
}
