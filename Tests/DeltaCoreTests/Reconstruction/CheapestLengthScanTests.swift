import Foundation
import Testing

@testable import DeltaCore

/// The optimal parse's keyed eight-lane length scan chooses what the one-by-one scan chooses:
/// the same cheapest cost and, among lengths at that cost, the shortest.
struct CheapestLengthScanTests {
    /// Random cost tables with many ties (costs from a small range), lengths without a code
    /// (``OptimalParsePredictor/unusable``-priced, 1 << 24) and paths through them, and costs
    /// around ``OptimalParsePredictor/keyedCostLimit`` where the keys stop being exact; random
    /// ranges of every alignment and length from 8 on. Both scans read tables the size the
    /// parser allocates (259 length costs), so a read outside the range would be caught by
    /// the address sanitizer too.
    @Test func theKeyedLaneScanChoosesAsTheOneByOneScan() {
        let seed = UInt64(Date().timeIntervalSince1970) &* 31
        var generator = SeededGenerator(seed: seed)
        let limit = OptimalParsePredictor.keyedCostLimit
        var fellBack = 0
        for round in 0..<3000 {
            let spread = Int32.random(in: 1...40, using: &generator)
            // Every fourth round, costs around the key limit (both sides of it).
            let base: Int32 = round % 4 == 3 ? limit - spread * Int32.random(in: 0...2, using: &generator) : 0
            var lengthCost = (0..<259).map { _ in Int32.random(in: 0...spread, using: &generator) }
            var pathCost = (0..<300).map { _ in base + Int32.random(in: 0...spread, using: &generator) }
            if round % 3 == 0 { lengthCost[Int.random(in: 3...258, using: &generator)] = 1 << 24 }
            if round % 5 == 0 { pathCost[Int.random(in: 0...299, using: &generator)] = 1 << 24 }
            if round % 7 == 0 { for length in 3...258 { lengthCost[length] = 1 << 24 } }
            let lengthKey = (0..<259).map { length in
                length < 3 ? 0 : OptimalParsePredictor.lengthKey(cost: lengthCost[length], length: length)
            }
            let first = Int.random(in: 3...251, using: &generator)
            let last = Int.random(in: (first + 7)...258, using: &generator)
            let (laneCost, laneLength) = OptimalParsePredictor.cheapestLength(
                from: first, through: last, lengthKey: lengthKey, lengthCost: lengthCost, pathCost: pathCost)
            let (oneCost, oneLength) = OptimalParsePredictor.cheapestLengthOneByOne(
                from: first, through: last, lengthCost: lengthCost, pathCost: pathCost)
            #expect(
                laneCost == oneCost && laneLength == oneLength,
                "seed \(seed), round \(round): lengths \(first)...\(last): \(laneLength) at \(laneCost) against \(oneLength) at \(oneCost)"
            )
            if laneLength != oneLength { return }
            if oneCost >= limit { fellBack += 1 }
        }
        // The rounds exercised both the keys and the fallback.
        #expect(fellBack > 100 && fellBack < 2900, "seed \(seed): \(fellBack) of 3000 rounds fell back")
    }
}
