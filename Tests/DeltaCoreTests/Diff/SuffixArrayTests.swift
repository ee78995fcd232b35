import DeltaCore
import Testing

@Suite struct SuffixArrayTests {
    /// The suffix array by definition: every suffix, sorted (with the empty one first).
    static func naive(_ text: [UInt8]) -> [Int] {
        (0...text.count).sorted { text[$0...].lexicographicallyPrecedes(text[$1...]) }
    }

    static func build(_ text: [UInt8]) throws -> [Int] {
        try text.withUnsafeBytes { try SuffixArray($0).array }
    }

    @Test(arguments: [[], [7], [0], [1, 1], [2, 1], [0, 0, 0, 0, 0], Array("banana".utf8), Array("mississippi".utf8),
                      Array("abracadabra abracadabra".utf8), [255, 0, 255, 0, 255], [UInt8](repeating: 0xff, count: 100)])
    func matchesTheDefinitionOnEdgeCases(_ text: [UInt8]) throws {
        #expect(try Self.build(text) == Self.naive(text))
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

    /// The sparse array by definition: the even suffixes, sorted, after the empty one.
    static func naiveSparse(_ text: [UInt8]) -> [Int] {
        [text.count] + stride(from: 0, to: text.count, by: 2).sorted { text[$0...].lexicographicallyPrecedes(text[$1...]) }
    }

    static func buildSparse(_ text: [UInt8]) throws -> [Int] {
        try text.withUnsafeBytes { try SuffixArray($0, sparse: true).array }
    }

    @Test(arguments: [[], [7], [0], [1, 1], [2, 1], [1, 2, 1], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], Array("banana".utf8),
                      Array("mississippi".utf8), Array("abracadabra abracadabra".utf8), [255, 0, 255, 0, 255],
                      [255, 255, 255], [UInt8](repeating: 0xff, count: 101), [0, 255, 0, 255, 0, 255, 0]])
    func sparseMatchesTheDefinitionOnEdgeCases(_ text: [UInt8]) throws {
        #expect(try Self.buildSparse(text) == Self.naiveSparse(text))
    }

    @Test func sparseMatchesTheDefinitionOnSeededRandomTexts() throws {
        for seed in UInt64(1)...80 {
            var random = SeededGenerator(seed: seed)
            let count = Int.random(in: 0..<700, using: &random)
            let alphabet = [2, 3, 4, 17, 256][Int(seed) % 5]
            // Periodic texts with odd periods put equal pairs of bytes at both parities.
            let text = seed % 4 == 0
                ? Array(repeating: random.bytes(Int.random(in: 1..<8, using: &random), alphabet: alphabet), count: 100).flatMap { $0 }.prefix(count).map { $0 }
                : random.bytes(count, alphabet: alphabet)
            #expect(try Self.buildSparse(text) == Self.naiveSparse(text), "seed \(seed), \(text.count) bytes over \(alphabet) symbols")
        }
    }

    @Test func periodicTextRecursesCorrectly() throws {
        let text = Array(repeating: Array("abcab".utf8), count: 200).flatMap { $0 } + Array("abc".utf8)
        #expect(try Self.build(text) == Self.naive(text))
    }
}
