import DeltaCore
import Foundation
import Testing

/// A tarball no exact recipe makes (7-Zip's deflate, issue 13's deflate reconstruction) with
/// bytes after its gzip member (issue 13's trailing garbage), fetched from a patch: the rebuild
/// must be the upstream file byte for byte, with the upstream digests.
@Suite struct ReconstructedProducerFetchTests {
    static let target = "six-1.17.0.tar.gz"
    /// What the mirror's tarball ends with after its gzip member.
    static let trailer = Array("signed: not really\n".utf8)

    /// A mirror whose six 1.17.0 is the committed 7-Zip -mx9 file plus ``trailer``, with the
    /// patch from PyPI's six 1.16.0.
    static func sevenZipMirror() throws -> PreparedMirror {
        let directory = try TestPaths.temporaryDirectory()
        let made = directory.appendingPathComponent(target)
        let sevenZip = try Data(
            contentsOf: URL(fileURLWithPath: TestPaths.testdata("deflate-reconstruction/six-1.17.0.tar.7zip-9.gz")))
        try (sevenZip + Data(trailer)).write(to: made)
        return try PreparedMirror.shared([TestPaths.testdata("six-1.16.0.tar.gz"), made.path])
    }

    @Test func aReconstructedTarballWithTrailingBytesIsRebuiltBitForBit() throws {
        let mirror = try Self.sevenZipMirror()
        let world = try FetchWorld(mirror)
        let outcome = try world.fetch(Self.target)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let report = try FetchReportJSON(outcome)
        #expect(report.action == "patched")
        #expect(report.alternateRecorded == false)
        let upstream = try contents(of: world.mirror.flat.appendingPathComponent(Self.target).path)
        #expect(Array(upstream.suffix(Self.trailer.count)) == Self.trailer)
        #expect(try contents(of: world.distdirFile(Self.target)) == upstream)
    }
}
