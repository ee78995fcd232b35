#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one candidate encoder over the content and checks its output against the file,
/// giving up at the first differing byte so that a wrong guess costs little.
struct CandidateTrial {
    /// The uncompressed content.
    let content: UnsafeRawBufferPointer
    /// The compressed bytes the candidate must produce exactly.
    let expected: UnsafeRawBufferPointer
    /// Input is fed in pieces this size, so that a mismatch stops the work soon after it shows.
    var pieceSize = 1 << 16

    private struct Mismatch: Error {}

    /// Whether `encoder` turns ``content`` into exactly ``expected``.
    /// - Throws: only errors of the encoder itself (a library failure), never a mismatch.
    func reproduces(with encoder: any StreamEncoder) throws -> Bool {
        try matchedBytes(with: encoder) == nil
    }

    /// How many leading bytes of ``expected`` `encoder` wrote before its output differed;
    /// nil when it reproduces ``expected`` exactly.
    /// - Throws: only errors of the encoder itself (a library failure), never a mismatch.
    func matchedBytes(with encoder: any StreamEncoder) throws -> Int? {
        var matched = 0
        let expected = self.expected
        let compare: ChunkSink = { chunk in
            let common = min(chunk.count, expected.count - matched)
            if common == chunk.count, memcmp(chunk.baseAddress!, expected.baseAddress! + matched, common) == 0 {
                matched += common
                return
            }
            var same = 0
            while same < common && chunk[same] == expected[matched + same] { same += 1 }
            matched += same
            throw Mismatch()
        }
        do {
            var start = 0
            while start < content.count {
                let end = min(content.count, start + pieceSize)
                try encoder.process(UnsafeRawBufferPointer(rebasing: content[start..<end]), into: compare)
                start = end
            }
            try encoder.finish(into: compare)
        } catch is Mismatch {
            return matched
        }
        return matched == expected.count ? nil : matched
    }
}
