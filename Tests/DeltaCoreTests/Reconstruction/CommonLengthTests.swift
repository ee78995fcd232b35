import Foundation
import Testing

@testable import DeltaCore

/// The match extension the libdeflate finders and the optimal parse's tree descent share
/// (``LibdeflateMatching/extend(_:_:_:from:maximum:)``: eight bytes at a time, then byte by
/// byte) counts the bytes two strings share as a byte-by-byte walk does.
struct CommonLengthTests {
    /// Strings that agree on a random prefix (every length from 0 to past the limit, across
    /// the eight-byte steps) and then differ in one bit, or not at all, with random starts
    /// and limits; the walk compares bytes one at a time.
    @Test func countsTheBytesTwoStringsShare() {
        let seed = UInt64(Date().timeIntervalSince1970) &* 17
        var generator = SeededGenerator(seed: seed)
        for round in 0..<5000 {
            let size = Int.random(in: 1...300, using: &generator)
            let a = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var b = a
            let agreed = Int.random(in: 0...size, using: &generator)
            if agreed < size { b[agreed] ^= 1 << UInt8.random(in: 0...7, using: &generator) }
            let limit = Int.random(in: 0...size, using: &generator)
            let start = Int.random(in: 0...min(agreed, limit), using: &generator)
            var walked = start
            while walked < limit && a[walked] == b[walked] { walked += 1 }
            // Both strings in one buffer, as the finders see them: `a` at 0, `b` after it.
            let counted = (a + b).withUnsafeBufferPointer { both in
                LibdeflateMatching.extend(both.baseAddress!, 0, size, from: start, maximum: limit)
            }
            #expect(counted == walked, "seed \(seed), round \(round): \(counted) bytes, not \(walked)")
            if counted != walked { return }
        }
    }
}
