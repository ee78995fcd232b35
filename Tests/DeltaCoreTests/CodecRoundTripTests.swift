import DeltaCore
import Foundation
import Testing

/// Every encoder's output decodes to the input, fed all at once or a byte at a time.
@Suite struct CodecRoundTripTests {
    static let encoders: [(CompressionFormat, @Sendable () throws -> any StreamEncoder)] = [
        (.gzip, { try GzipEncoder(level: 6) }),
        (.gzip, { try GzipEncoder(level: 1, memLevel: 9, strategy: .filtered) }),
        (.bzip2, { try Bzip2Encoder(blockSize: 1) }),
        (.xz, { try XZEncoder(preset: 1) }),
        (.xz, { try XZEncoder(preset: 6, extreme: true, check: .sha256) }),
        (.none, { PassthroughCodec() }),
    ]

    @Test(arguments: [0, 1, 2, 100, 65_535, 65_536, 300_001])
    func roundTripsAtAllSizes(size: Int) throws {
        let seed = UInt64(size) &* 7919
        var random = SeededGenerator(seed: seed)
        let input = random.compressibleBytes(count: size)
        for (format, makeEncoder) in Self.encoders {
            let compressed = try makeEncoder().transform(input)
            #expect(
                CompressionFormat.detect(compressed) == format || size == 0 && format == .none,
                "seed \(seed): \(format) output not detected")
            let decoded = try format.makeDecoder().transform(compressed)
            #expect(decoded == input, "seed \(seed): \(format) round trip of \(size) bytes differs")
        }
    }

    @Test func decodesWhenFedOneByteAtATime() throws {
        var random = SeededGenerator(seed: 42)
        let input = random.compressibleBytes(count: 20_000)
        for (format, makeEncoder) in Self.encoders where format != .none {
            let compressed = try makeEncoder().transform(input)
            let decoder = try format.makeDecoder()
            var output = [UInt8]()
            for byte in compressed {
                try [byte].withUnsafeBytes { try decoder.process($0) { output.append(contentsOf: $0) } }
            }
            try decoder.finish { output.append(contentsOf: $0) }
            #expect(output == input, "\(format) byte-at-a-time decode differs")
            #expect(decoder.compressedOffset == UInt64(compressed.count))
        }
    }

    @Test func randomIncompressibleDataRoundTrips() throws {
        for seed in UInt64(1)...5 {
            var random = SeededGenerator(seed: seed)
            let input = (0..<Int.random(in: 0...200_000, using: &random)).map { _ in
                UInt8.random(in: 0...255, using: &random)
            }
            for (format, makeEncoder) in Self.encoders {
                let decoded = try format.makeDecoder().transform(try makeEncoder().transform(input))
                #expect(decoded == input, "seed \(seed): \(format)")
            }
        }
    }

    @Test func multiMemberAndMultiStreamInputsDecodeWhole() throws {
        let first = Array("first member\n".utf8), second = Array("second member\n".utf8)
        for (format, makeEncoder) in Self.encoders where format != .none {
            let joined = try makeEncoder().transform(first) + makeEncoder().transform(second)
            #expect(try format.makeDecoder().transform(joined) == first + second, "\(format)")
        }
    }

    @Test func gzipHeaderFieldsAreWritten() throws {
        let header = GzipHeader(
            modificationTime: 1_700_000_000, operatingSystem: 11, name: Array("a.tar".utf8),
            comment: Array("hi".utf8), extra: [1, 2, 3, 4])
        let compressed = try GzipEncoder(level: 9, header: header).transform(Array("x".utf8))
        #expect(compressed[3] == 0x04 | 0x08 | 0x10, "FEXTRA, FNAME and FCOMMENT flags")
        #expect(Array(compressed[4..<8]) == [0x00, 0xf1, 0x53, 0x65], "little-endian mtime")
        #expect(compressed[9] == 11)
        #expect(try CompressionFormat.gzip.makeDecoder().transform(compressed) == Array("x".utf8))
    }

    @Test func invalidSettingsAreRefused() {
        #expect(throws: CompressionError.self) { try GzipEncoder(level: 10) }
        #expect(throws: CompressionError.self) { try Bzip2Encoder(blockSize: 0) }
        #expect(throws: CompressionError.self) { try XZEncoder(preset: 10) }
    }
}
