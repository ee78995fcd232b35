import DeltaCore
import Foundation
import Testing

/// Deterministic producers beyond plain zlib and GNU gzip (issue 13, item 1): `gzip
/// --rsyncable`, pigz and pbzip2, each against the real tool, byte for byte.
@Suite struct ProducerRecipeTests {
    /// The six tar followed by seeded text-like data and random bytes: ~600 KB, so that every
    /// producer cuts several blocks, with stored blocks in the random part.
    static func mixedContent(seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        return RecipeFixtures.sixTar + generator.compressibleBytes(count: 300_000) + generator.bytes(60_000)
            + generator.bytes(70_000, alphabet: 4)
    }

    static func differsAt(_ ours: [UInt8], _ expected: [UInt8]) -> Int {
        (0..<min(ours.count, expected.count)).first { ours[$0] != expected[$0] } ?? min(ours.count, expected.count)
    }

    // MARK: gzip --rsyncable

    @Test(.enabled(if: Tools.available("gzip")), arguments: 1...9)
    func rsyncableMatchesSystemGzipAtEveryLevel(level: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let content = Self.mixedContent(seed: seed)
        let expected = try RecipeFixtures.peer("gzip", ["-n", "-\(level)", "--rsyncable"], input: content)
        let ours = try GzipMemberEncoder(header: GNUDeflateTests.gzipNoNameHeader(level: level),
                                         deflater: GNUDeflateEncoder(level: level, rsyncable: true)).transform(content)
        #expect(ours == expected, "gzip -\(level) --rsyncable differs first at byte \(Self.differsAt(ours, expected)) (seed \(seed))")
    }
}
