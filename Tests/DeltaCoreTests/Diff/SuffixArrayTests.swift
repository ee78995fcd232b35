import DeltaCore
import Testing

@Suite struct SuffixArrayTests {
    /// The suffix array by definition: the suffixes at every `step`-th position, sorted, after
    /// the empty one (which sorts first).
    static func naive(_ text: [UInt8], step: Int = 1) -> [Int] {
        [text.count]
            + stride(from: 0, to: text.count, by: step).sorted { text[$0...].lexicographicallyPrecedes(text[$1...]) }
    }

    static func build(_ text: [UInt8], sparse: Bool = false) throws -> [Int] {
        try text.withUnsafeBytes { try SuffixArray($0, sparse: sparse).array }
    }

    @Test(arguments: [
        [], [7], [0], [1, 1], [2, 1], [1, 2, 1], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], Array("banana".utf8),
        Array("mississippi".utf8), Array("abracadabra abracadabra".utf8), [255, 0, 255, 0, 255],
        [255, 255, 255], [UInt8](repeating: 0xff, count: 100), [UInt8](repeating: 0xff, count: 101),
        [0, 255, 0, 255, 0, 255, 0],
    ])
    func matchesTheDefinitionOnEdgeCases(_ text: [UInt8]) throws {
        #expect(try Self.build(text) == Self.naive(text))
        #expect(try Self.build(text, sparse: true) == Self.naive(text, step: 2), "sparse")
    }

    @Test func matchesTheDefinitionOnSeededRandomTexts() throws {
        for seed in UInt64(1)...60 {
            var random = SeededGenerator(seed: seed)
            let count = Int.random(in: 0..<600, using: &random)
            // Small alphabets make deep recursion (repeated LMS substrings) likely.
            let alphabet = [2, 3, 4, 17, 256][Int(seed) % 5]
            let text = random.bytes(count, alphabet: alphabet)
            #expect(try Self.build(text) == Self.naive(text), "seed \(seed), \(count) bytes over \(alphabet) symbols")
        }
    }

    @Test func sparseMatchesTheDefinitionOnSeededRandomTexts() throws {
        for seed in UInt64(1)...80 {
            var random = SeededGenerator(seed: seed)
            let count = Int.random(in: 0..<700, using: &random)
            let alphabet = [2, 3, 4, 17, 256][Int(seed) % 5]
            // Periodic texts with odd periods put equal pairs of bytes at both parities.
            let text =
                seed % 4 == 0
                ? Array(repeating: random.bytes(Int.random(in: 1..<8, using: &random), alphabet: alphabet), count: 100)
                    .flatMap { $0 }.prefix(count).map { $0 }
                : random.bytes(count, alphabet: alphabet)
            #expect(
                try Self.build(text, sparse: true) == Self.naive(text, step: 2),
                "seed \(seed), \(text.count) bytes over \(alphabet) symbols")
        }
    }

    @Test func periodicTextRecursesCorrectly() throws {
        let text = Array(repeating: Array("abcab".utf8), count: 200).flatMap { $0 } + Array("abc".utf8)
        #expect(try Self.build(text) == Self.naive(text))
    }
}
