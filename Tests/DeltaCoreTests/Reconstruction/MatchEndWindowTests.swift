import Foundation
import Testing

@testable import DeltaCore

/// Payload version 8's parse windows (``OptimalParsePredictor``, `endsWindowsWhereMatchesEnd`)
/// end where no candidate crosses, and all their choices are used. Every path from a window's
/// first position goes through such an end, so its choices are those of one backward pass over
/// the whole block: on blocks short enough for version 7's overlapping windows to cover them
/// whole (at most ``OptimalParsePredictor/horizon`` positions), both predict the same tokens.
struct MatchEndWindowTests {
    /// Random content with many repeats, random blocks and code lengths, random tree depths and
    /// nice lengths (without the fast-bytes rule); queried along the predicted path and, one
    /// time in eight, at a position a few bytes on (where a misprediction lands the replay).
    @Test func windowsEndingWhereMatchesEndPredictAsOneWholeBlockPass() {
        let (seed, queries) = Self.compareRounds(cutsAtNiceMatches: false, jumps: true)
        #expect(queries.count > 60 * 50, "seed \(seed): \(queries.count) queries")
    }

    /// With 7-Zip's fast-bytes rule too (a window also ends at a position whose longest match
    /// the rule takes), along the predicted path.
    @Test func windowsEndingAtNiceMatchesPredictAsOneWholeBlockPass() {
        let (seed, queries) = Self.compareRounds(cutsAtNiceMatches: true, jumps: false)
        #expect(queries.contains { $0.forced }, "seed \(seed): the rule took no match")
    }

    /// Sixty random rounds of ``predictedTokens(_:jumps:using:)``, each checked equal; returns
    /// the printed seed and every query of the whole-block rule.
    static func compareRounds(cutsAtNiceMatches: Bool, jumps: Bool) -> (seed: UInt64, queries: [Query]) {
        let seed = UInt64(Date().timeIntervalSince1970) &* (cutsAtNiceMatches ? 19 : 17)
        print("MatchEndWindowTests: seed \(seed), cuts \(cutsAtNiceMatches)")
        var generator = SeededGenerator(seed: seed)
        var queries: [Query] = []
        for round in 0..<60 {
            let settings = randomParse(cutsAtNiceMatches: cutsAtNiceMatches, using: &generator)
            let (whole, windowed) = predictedTokens(settings, jumps: jumps, using: &generator)
            #expect(whole == windowed, "seed \(seed), round \(round): \(settings)")
            queries += whole.map {
                var query = $0
                query.forced = cutsAtNiceMatches && query.length >= settings.niceLength
                return query
            }
        }
        return (seed, queries)
    }

    struct Parse: CustomStringConvertible {
        var chainLimit: Int
        var niceLength: Int
        var cutsAtNiceMatches: Bool
        var description: String { "depth \(chainLimit), nice \(niceLength), cuts \(cutsAtNiceMatches)" }
    }

    struct Query: Equatable {
        var position: Int
        var length: Int
        var distance: Int
        /// Set by ``compareRounds(cutsAtNiceMatches:jumps:)``: a match the fast-bytes rule took.
        var forced = false
    }

    static func randomParse(cutsAtNiceMatches: Bool, using generator: inout SeededGenerator) -> Parse {
        let nice =
            cutsAtNiceMatches
            ? Int.random(in: 8...64, using: &generator) : [258, 32, 128].randomElement(using: &generator)!
        return Parse(
            chainLimit: Int.random(in: 4...64, using: &generator), niceLength: nice,
            cutsAtNiceMatches: cutsAtNiceMatches)
    }

    /// The tokens both window rules predict over one random block of random content.
    static func predictedTokens(
        _ parse: Parse, jumps: Bool, using generator: inout SeededGenerator
    ) -> (whole: [Query], windowed: [Query]) {
        let content = repetitiveContent(count: Int.random(in: 3000...9000, using: &generator), using: &generator)
        let start = Int.random(in: 0...(content.count / 3), using: &generator)
        let end = min(content.count, start + Int.random(in: 500...OptimalParsePredictor.horizon, using: &generator))
        var literalLengths = (0..<286).map { _ in UInt8.random(in: 5...12, using: &generator) }
        for symbol in 257..<286 where Int.random(in: 0..<6, using: &generator) == 0 { literalLengths[symbol] = 0 }
        let distanceLengths = (0..<30).map { _ in UInt8.random(in: 2...9, using: &generator) }
        let jumpSeed = UInt64.random(in: 0...UInt64.max, using: &generator)
        let predictors = [false, true].map {
            OptimalParsePredictor(
                contentSize: content.count, chainLimit: parse.chainLimit, niceLength: parse.niceLength,
                cutsAtNiceMatches: parse.cutsAtNiceMatches, endsWindowsWhereMatchesEnd: $0)
        }
        let walks = content.withUnsafeBytes { bytes in
            predictors.map { predictor -> [Query] in
                predictor.rebase(bytes, origin: 0)
                predictor.beginBlock(
                    start: start, end: end, literalLengths: literalLengths, distanceLengths: distanceLengths)
                var jumper = SeededGenerator(seed: jumpSeed)
                var queries: [Query] = []
                var position = start
                while position < end {
                    let token = predictor.predict(at: position).token
                    let length = token == 0 ? 1 : token.matchLength
                    queries.append(
                        Query(position: position, length: length, distance: token == 0 ? 0 : token.matchDistance))
                    position += length
                    if jumps && Int.random(in: 0..<8, using: &jumper) == 0 {
                        position += Int.random(in: 1...20, using: &jumper)
                    }
                }
                return queries
            }
        }
        return (walks[0], walks[1])
    }

    /// Bytes from a four-letter alphabet, with copies of earlier stretches (some long, some
    /// overlapping) so that matches of every length cross one another.
    static func repetitiveContent(count: Int, using generator: inout SeededGenerator) -> [UInt8] {
        var content: [UInt8] = []
        content.reserveCapacity(count + 300)
        while content.count < count {
            if content.count > 16 && Int.random(in: 0..<2, using: &generator) != 0 {
                let distance = Int.random(in: 1...min(content.count, 4000), using: &generator)
                let length = Int.random(
                    in: 3...(Int.random(in: 0..<20, using: &generator) == 0 ? 300 : 16), using: &generator)
                for _ in 0..<length { content.append(content[content.count - distance]) }
            } else {
                content.append(UInt8(ascii: "a") + UInt8.random(in: 0..<4, using: &generator))
            }
        }
        return Array(content.prefix(count))
    }
}
