import DeltaCore
import Foundation
import Testing

/// The golden vectors of testdata/patches/ (see its README.md) and helpers to apply them.
enum InteropVectors {
    /// A file of testdata/patches/.
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata("patches/\(name)"))))
    }

    /// The uncompressed six tarball of `version` ("1.16.0" or "1.17.0"), decoded from the
    /// committed .tar.gz with our GzipDecoder and checked against patches/six.SHA256SUMS, so
    /// that a golden patch over it tests the applier and nothing else.
    static func sixTar(_ version: String) throws -> [UInt8] {
        let compressed = try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata("six-\(version).tar.gz")))
        let tar = try GzipDecoder().transform(compressed)
        let sums = String(decoding: try bytes("six.SHA256SUMS"), as: UTF8.self)
        let line = try #require(sums.split(separator: "\n").first { $0.hasSuffix("six-\(version).tar") })
        let expected = String(line.prefix(64))
        #expect(
            try DigestContext.digest(.sha256, of: tar).hex == expected, "six-\(version).tar differs from six.SHA256SUMS"
        )
        return tar
    }

    /// Applies a patch held in memory to a base held in memory with `apply`, collecting the output.
    static func apply(
        _ patch: [UInt8], to base: [UInt8],
        with apply: (RandomAccessSource, RandomAccessSource, ChunkSink) throws -> UInt64
    ) throws -> [UInt8] {
        var output = [UInt8]()
        let written = try apply(InMemorySource(base), InMemorySource(patch)) { output.append(contentsOf: $0) }
        #expect(written == UInt64(output.count), "the applier reported \(written) bytes but wrote \(output.count)")
        return output
    }

    /// Applies a patch file to a base file, both read by offset through ReadableFile.
    static func applyFiles(
        patch: String, base: String,
        with apply: (RandomAccessSource, RandomAccessSource, ChunkSink) throws -> UInt64
    ) throws -> [UInt8] {
        var output = [UInt8]()
        _ = try apply(try ReadableFile(path: base), try ReadableFile(path: patch)) { output.append(contentsOf: $0) }
        return output
    }
}
