import Foundation
import Testing

@testable import DeltaCore

/// 7-Zip's dynamic headers (``SevenZipHeaderPredictor``) against real 7-Zip output: Debian's
/// 7zip, 7-Zip 26.02 (`7zz a -tgzip -mx5` and `-mx9`, testdata/deflate-reconstruction, made by
/// make-vectors.sh) writes each block's header from the frequencies of the tokens it writes.
struct SevenZipHeaderPredictorTests {
    /// Per dynamic block of a vector: whether the predicted header is the block's, with a
    /// description of the first few that are not.
    static func predictedHeaders(_ name: String) throws -> (matched: Int, blocks: Int, misses: [String]) {
        try predictedHeaders(file: try DeflateReconstructionTests.vector(name))
    }

    static func predictedHeaders(file: [UInt8]) throws -> (matched: Int, blocks: Int, misses: [String]) {
        let content = try GzipDecoder().transform(file)
        let deflate = try DeflateReconstructionTests.deflateData(of: file)
        let parsed = try deflate.withUnsafeBytes { stream in
            try content.withUnsafeBytes { try DeflateStreamParser.parse(stream, content: $0) }
        }
        let headers = try deflate.withUnsafeBytes { stream in
            var reader = DeflateBitReader(stream)
            return try parsed.blocks.filter { $0.kind == .dynamic }.map { block in
                reader.seek(to: block.headerBits.lowerBound)
                return try block.headerBits.map { _ in try reader.bit() == 1 }
            }
        }
        let predictor = SevenZipHeaderPredictor()
        var matched = 0, blocks = 0
        var misses: [String] = []
        for (block, bits) in zip(parsed.blocks.filter { $0.kind == .dynamic }, headers) {
            blocks += 1
            let tokens = parsed.tokens[block.tokenStart..<block.tokenStart + block.tokenCount]
            let frequencies = BlockFrequencies(tokens: tokens, from: block.contentStart) { content[$0] }
            let predicted = predictor.dynamicHeader(frequencies)
            if predicted.bits == bits {
                matched += 1
            } else if misses.count < 3, let actual = DynamicHeader(bits: bits) {
                let literal = Array(actual.lengths[0..<actual.literalCount])
                let distance = Array(actual.lengths[actual.literalCount...])
                let lengths =
                    literal + [UInt8](repeating: 0, count: 286 - literal.count) + distance
                    + [UInt8](repeating: 0, count: 30 - distance.count)
                let differing = (0..<316).filter { lengths[$0] != predicted.lengths[$0] }
                misses.append(
                    "block \(blocks - 1) (\(block.tokenCount) tokens, max \(lengths.max()!), predicted max \(predicted.lengths.max()!)): symbols \(differing.prefix(8)) "
                        + "actual \(differing.prefix(8).map { lengths[$0] }) predicted \(differing.prefix(8).map { predicted.lengths[$0] })"
                )
            }
        }
        return (matched, blocks, misses)
    }

    @Test(arguments: ["7zip-5", "7zip-9"])
    func everyHeaderOfRealSevenZipOutputIsPredicted(name: String) throws {
        let (matched, blocks, misses) = try Self.predictedHeaders(name)
        #expect(blocks > 0)
        #expect(matched == blocks, "\(name): \(matched) of \(blocks); \(misses)")
    }
}
