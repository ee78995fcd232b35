import DeltaCore
import Foundation
import Testing

/// Real release tarballs from the corpus (skipped without it): a patch between two Django
/// releases (60 MB tars, 8 xdelta3 windows of 8 MiB) made by the real xdelta3 and applied
/// from files by ours, checked by SHA-256.
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
        let written = try VCDiffApplier.apply(base: try ReadableFile(path: old.path), patch: try ReadableFile(path: patch)) {
            digest.update($0)
        }
        #expect(written == (try ReadableFile(path: new.path).size()))
        #expect(digest.finalize().hex == new.sha256, "the rebuilt Django 5.0.7 tar differs")
    }
}
