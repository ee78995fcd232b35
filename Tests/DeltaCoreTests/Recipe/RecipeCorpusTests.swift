import DeltaCore
import Foundation
import Testing

/// The big real tarballs (DELTA_CORPUS): PyPI's zlib-made Django, and GNU gzip -6/-9 over its tar.
@Suite(.enabled(if: TestPaths.corpus != nil)) struct RecipeCorpusTests {
    @Test func djangoSdistReproducesWithZlib() throws {
        let path = try #require(TestPaths.corpusFile("Django-5.1.tar.gz"))
        let detection = try RecipeDetector.detect(path: path)
        #expect(detection.reproducible, "\(detection.reason ?? "")")
        #expect(detection.recipe?.gzip?.deflater == .zlib)
        #expect(detection.recipe?.gzip?.level == 9)
    }

    @Test(.enabled(if: Tools.available("gzip")), arguments: [6, 9])
    func gnuDeflateMatchesSystemGzipOnDjango(level: Int) throws {
        let path = try #require(TestPaths.corpusFile("Django-5.1.tar.gz"))
        let tar = try GzipDecoder().transform(try Data(contentsOf: URL(fileURLWithPath: path)))
        let expected = try RecipeFixtures.peer("gzip", ["-n", "-\(level)"], input: tar)
        let header = GzipHeader(modificationTime: 0, operatingSystem: 3, extraFlags: level == 9 ? 2 : 0)
        let ours = try GzipMemberEncoder(header: header, deflater: GNUDeflateEncoder(level: level)).transform(tar)
        #expect(ours.count == expected.count)
        #expect(
            ours == expected,
            "Django tar at -\(level) differs first at byte \((0..<min(ours.count, expected.count)).first { ours[$0] != expected[$0] } ?? -1)"
        )
    }

    /// `gzip --rsyncable` and pigz over the 61 MB Django tar: detected, with their producer, and
    /// checked to the last byte by the detection's own trial.
    @Test(
        .enabled(if: Tools.available("gzip") && Tools.available("pigz")),
        arguments: [
            (["gzip", "-n", "-9", "--rsyncable"], DeflateProducer.gnuRsyncable),
            (["pigz", "-n", "-6"], .pigz(blockSize: 128 << 10, independent: false)),
        ])
    func producersReproduceOnDjango(command: [String], producer: DeflateProducer) throws {
        let path = try #require(TestPaths.corpusFile("Django-5.1.tar.gz"))
        let tar = try GzipDecoder().transform(try Data(contentsOf: URL(fileURLWithPath: path)))
        let file = try RecipeFixtures.peer(command[0], Array(command.dropFirst()), input: tar)
        let detection = try RecipeFixtures.detect(file)
        #expect(detection.reproducible, "\(command): \(detection.reason ?? "")")
        #expect(try detection.recipe?.deflateProducer() == producer)
    }
}
