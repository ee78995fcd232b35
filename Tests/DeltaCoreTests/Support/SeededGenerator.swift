/// A small, fast, seedable random generator (SplitMix64), so that a failing random test can
/// be replayed from the seed printed in its message.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` bytes of compressible text-like data: runs, repeats and a small alphabet, the
    /// way source files look to a compressor.
    mutating func compressibleBytes(count: Int) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        let words: [[UInt8]] = ["func ", "let ", "return ", "\n", "    ", "value", "(", ")", "{", "}", " = ", "0x1f"]
            .map { Array($0.utf8) }
        while bytes.count < count {
            switch Int.random(in: 0..<10, using: &self) {
            case 0: bytes.append(UInt8.random(in: 0...255, using: &self))
            case 1 where bytes.count > 16:
                let start = Int.random(in: 0..<(bytes.count - 8), using: &self)
                let length = Int.random(in: 1...min(64, bytes.count - start), using: &self)
                bytes.append(contentsOf: bytes[start..<start + length])
            default: bytes.append(contentsOf: words[Int.random(in: 0..<words.count, using: &self)])
            }
        }
        return Array(bytes.prefix(count))
    }

    /// Up to 1.5 MB of content an encoder emulation is checked on: one to six pieces of
    /// text-like data, random bytes, small alphabets or a repeat of what came before.
    mutating func encoderTestContent() -> [UInt8] {
        var content: [UInt8] = []
        for _ in 0..<Int.random(in: 1...6, using: &self) {
            let size = Int.random(in: 0...250_000, using: &self)
            switch Int.random(in: 0...3, using: &self) {
            case 0: content += compressibleBytes(count: size)
            case 1: content += bytes(size)
            case 2: content += bytes(size, alphabet: Int.random(in: 1...8, using: &self))
            default: content += content.suffix(size)
            }
        }
        return content
    }

    /// `count` random bytes drawn from the first `alphabet` byte values (small alphabets repeat more).
    mutating func bytes(_ count: Int, alphabet: Int = 256) -> [UInt8] {
        (0..<count).map { _ in UInt8(Int.random(in: 0..<alphabet, using: &self)) }
    }
}
