import DeltaCore
import Foundation
import Testing

/// Truncated, corrupted and padded streams give the specific typed error, never a crash.
@Suite struct CodecErrorTests {
    static let sample: [UInt8] = {
        var random = SeededGenerator(seed: 7)
        return random.compressibleBytes(count: 150_000)
    }()

    static func compressed(_ format: CompressionFormat) throws -> [UInt8] {
        switch format {
        case .gzip: try GzipEncoder().transform(sample)
        case .bzip2: try Bzip2Encoder(blockSize: 1).transform(sample)
        case .xz: try XZEncoder().transform(sample)
        case .none: sample
        }
    }

    @Test(arguments: [CompressionFormat.gzip, .bzip2, .xz])
    func everyTruncationIsReported(format: CompressionFormat) throws {
        let whole = try Self.compressed(format)
        // Cut at many points, including inside the header and one byte short of the end.
        var cuts = Array(stride(from: 1, to: whole.count, by: max(1, whole.count / 40)))
        cuts += [whole.count - 1, 2, 3, 10]
        for cut in cuts {
            #expect(throws: CompressionError.truncated(format), "\(format) cut at \(cut) of \(whole.count)") {
                try format.makeDecoder().transform(whole.prefix(cut))
            }
        }
        #expect(throws: CompressionError.truncated(format)) { try format.makeDecoder().transform([UInt8]()) }
    }

    @Test(arguments: [CompressionFormat.gzip, .bzip2, .xz])
    func corruptionIsDetected(format: CompressionFormat) throws {
        let whole = try Self.compressed(format)
        var random = SeededGenerator(seed: 99)
        for trial in 0..<30 {
            var damaged = whole
            let index = Int.random(in: 12..<whole.count, using: &random)
            damaged[index] ^= UInt8.random(in: 1...255, using: &random)
            do {
                let output = try format.makeDecoder().transform(damaged)
                Issue.record(
                    "\(format) trial \(trial): flipping byte \(index) went unnoticed (\(output.count) bytes out)")
            } catch let error as CompressionError {
                switch error {
                case .corrupt, .checksumMismatch, .truncated, .trailingData: break
                default: Issue.record("\(format) trial \(trial): unexpected \(error)")
                }
            }
        }
    }

    @Test func gzipChecksumMismatchIsNamed() throws {
        var damaged = try Self.compressed(.gzip)
        damaged[damaged.count - 6] ^= 0xff  // inside the CRC-32 trailer
        #expect(throws: CompressionError.checksumMismatch(.gzip)) {
            try CompressionFormat.gzip.makeDecoder().transform(damaged)
        }
    }

    /// Zero padding and other trailing bytes decode as `gzip -d` decodes them (the bytes are
    /// kept for the recipe, `TrailingBytesTests`); a member cut short is still truncated.
    @Test(arguments: [CompressionFormat.gzip, .bzip2])
    func paddingAndTrailingBytesAreAcceptedButACutMemberIsNot(format: CompressionFormat) throws {
        let whole = try Self.compressed(format)
        let padded = whole + [UInt8](repeating: 0, count: 1000)
        #expect(try format.makeDecoder().transform(padded) == Self.sample)
        #expect(try format.makeDecoder().transform(whole + Array("garbage".utf8)) == Self.sample)
        #expect(try format.makeDecoder().transform(whole + [0, 0, 0x1f]) == Self.sample)
        #expect(throws: CompressionError.truncated(format)) {
            try format.makeDecoder().transform(whole + whole.prefix(whole.count / 2))
        }
    }

    @Test func xzTrailingGarbageIsRefused() throws {
        let whole = try Self.compressed(.xz)
        #expect(throws: CompressionError.self) {
            try CompressionFormat.xz.makeDecoder().transform(whole + Array("garbage!".utf8))
        }
    }

    @Test func xzMemoryLimitIsEnforced() throws {
        let big = try XZEncoder(preset: 9).transform(Self.sample)  // 64 MiB dictionary
        let decoder = try XZDecoder(memoryLimit: 1 << 20)
        do {
            _ = try decoder.transform(big)
            Issue.record("a 1 MiB limit let a preset-9 stream through")
        } catch let error as CompressionError {
            guard case .memoryLimit(.xz, let needed) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(needed > 1 << 20)
        }
    }

    @Test func formatIsDetectedFromMagicNotName() {
        #expect(CompressionFormat.detect([0x1f, 0x8b, 8, 0]) == .gzip)
        #expect(CompressionFormat.detect(Array("BZh9".utf8)) == .bzip2)
        #expect(CompressionFormat.detect(Array("BZh0".utf8)) == CompressionFormat.none)
        #expect(CompressionFormat.detect([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) == .xz)
        #expect(CompressionFormat.detect([0xfd, 0x37, 0x7a]) == CompressionFormat.none)
        #expect(CompressionFormat.detect(Array("ustar".utf8)) == CompressionFormat.none)
        #expect(CompressionFormat.detect([UInt8]()) == CompressionFormat.none)
    }
}
