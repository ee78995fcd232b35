import Foundation
import FuzzTargets
import Testing

/// A seeded stand-in for coverage-guided fuzzing of the metadata parsers: real lines are cut,
/// spliced and corrupted token by token, and every result goes through the fuzz target, which
/// traps on a crash or on a parsed entry that does not survive being written and read again.
@Suite struct MetadataMutationTests {
    @Test func mutatedRealLinesNeverCrashOrBreakRoundTrips() throws {
        let directory = TestPaths.repositoryRoot.appendingPathComponent("Tests/DeltaCoreTests/Fuzz/FuzzMetadata")
        let seeds = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map {
            try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)
        }
        let tokens =
            seeds.flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init) }
            + [
                "UMD5", "USHA512", "UBLAKE2B", "SHA256", "FOO", "0", "18446744073709551615", "18446744073709551616",
                "#", "- ", "", "\t", "\r",
            ]
        let seed: UInt64 = 0x00da_7a_25
        var rng = SeededGenerator(seed: seed)
        var parsedSomething = 0
        for _ in 0..<2000 {
            var words = seeds[Int(rng.next() % UInt64(seeds.count))].split(
                separator: " ", omittingEmptySubsequences: false
            ).map(String.init)
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let index = words.isEmpty ? 0 : Int(rng.next() % UInt64(words.count))
                switch rng.next() % 5 {
                case 0 where !words.isEmpty: words.remove(at: index)
                case 1: words.insert(tokens[Int(rng.next() % UInt64(tokens.count))], at: index)
                case 2 where !words.isEmpty: words[index] = tokens[Int(rng.next() % UInt64(tokens.count))]
                case 3 where !words.isEmpty && !words[index].isEmpty:
                    var bytes = Array(words[index].utf8)
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                    words[index] = String(decoding: bytes, as: UTF8.self)
                case 4 where words.count < 60: words.append("\n" + words.joined(separator: " "))  // a second line
                default: words.insert("\n", at: index)
                }
            }
            let text = words.joined(separator: " ")
            // The target traps if a round trip breaks; the seed is fixed, so a rerun reproduces it.
            let count = Array(text.utf8).withUnsafeBytes { FuzzTargets.metadata($0) }
            if count > 0 { parsedSomething += 1 }
        }
        // Enough mutants must still parse for the round trips to have been exercised.
        #expect(parsedSomething > 200, "seed \(seed)")
    }
}
