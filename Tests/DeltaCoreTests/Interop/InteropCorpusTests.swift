import DeltaCore
import Foundation
import Testing

/// Real release tarballs from the corpus (skipped without it): patches between two Django
/// releases (60 MB tars) applied from files by ours and checked by SHA-256. The xdelta3 one
/// (8 windows of 8 MiB) is made live; the bsdiff one is committed
/// (testdata/patches/corpus/, 25 KB) because bsdiff takes ~8 minutes and 530 MB to make it.
@Suite(.enabled(if: TestPaths.corpus != nil, "the corpus is not fetched (set DELTA_CORPUS)"))
struct InteropCorpusTests {
    /// Decompresses a corpus .tar.gz into `directory` with our GzipDecoder; returns the path
    /// and the tar's SHA-256.
    static func unpack(_ name: String, into directory: URL) throws -> (path: String, sha256: String) {
        let input = try ReadableFile(path: try #require(TestPaths.corpusFile(name)))
        let path = directory.appendingPathComponent(name.replacingOccurrences(of: ".gz", with: "")).path
        let writer = try AtomicFileWriter(path: path)
        let decoder = try GzipDecoder()
        var digest = try DigestContext(.sha256)
        let sink: ChunkSink = { chunk in
            digest.update(chunk)
            try writer.write(chunk)
        }
        try input.forEachChunk { try decoder.process($0, into: sink) }
        try decoder.finish(into: sink)
        try writer.commit()
        return (path, digest.finalize().hex)
    }

    @Test(.enabled(if: Tools.available("xdelta3"), "xdelta3 is not installed"))
    func appliesXdelta3PatchBetweenDjangoReleases() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try Self.unpack("Django-5.0.6.tar.gz", into: directory)
        let new = try Self.unpack("Django-5.0.7.tar.gz", into: directory)
        let patch = directory.appendingPathComponent("django.vcdiff").path
        let result = try Tools.run("xdelta3", ["-e", "-f", "-s", old.path, new.path, patch])
        try #require(result.status == 0, "xdelta3 failed: \(String(decoding: result.stderr, as: UTF8.self))")

        var digest = try DigestContext(.sha256)
        let written = try VCDiffApplier.apply(
            base: try ReadableFile(path: old.path), patch: try ReadableFile(path: patch)
        ) {
            digest.update($0)
        }
        #expect(written == (try ReadableFile(path: new.path).size()))
        #expect(digest.finalize().hex == new.sha256, "the rebuilt Django 5.0.7 tar differs")
    }

    @Test func appliesCommittedBsdiffPatchBetweenDjangoReleases() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try Self.unpack("Django-5.0.6.tar.gz", into: directory)
        let sums = String(decoding: try InteropVectors.bytes("corpus/Django.SHA256SUMS"), as: UTF8.self)
        #expect(
            sums.contains("\(old.sha256)  Django-5.0.6.tar"),
            "the corpus's Django 5.0.6 is not the one the patch was made from")
        let expected = try #require(sums.split(separator: "\n").first { $0.hasSuffix("Django-5.0.7.tar") }).prefix(64)

        var digest = try DigestContext(.sha256)
        let written = try BSDiff40Applier.apply(
            base: try ReadableFile(path: old.path),
            patch: try ReadableFile(path: TestPaths.testdata("patches/corpus/Django-5.0.6-to-5.0.7.bsdiff"))
        ) {
            digest.update($0)
        }
        #expect(written == 60_733_440)
        #expect(digest.finalize().hex == String(expected), "the rebuilt Django 5.0.7 tar differs")
    }
}
