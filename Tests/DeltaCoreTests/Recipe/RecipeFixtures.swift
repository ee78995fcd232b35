import DeltaCore
import Foundation
import Testing

/// Shared inputs for the recipe tests: the six 1.17.0 tar (174 KB, from the committed
/// PyPI sdist) and helpers to compress it with the real peer tools.
enum RecipeFixtures {
    /// The uncompressed six tar, decompressed once.
    static let sixTar: [UInt8] = {
        let compressed = try! Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata("six-1.17.0.tar.gz")))
        return try! GzipDecoder().transform(compressed)
    }()

    /// The (input, level, size, SHA256) lines of a producer's `testdata/<folder>/vectors.txt`,
    /// `#` lines left out.
    static func producerVectors(_ file: String) -> [(input: String, level: Int, size: Int, sha256: String)] {
        let text = try! String(contentsOfFile: TestPaths.testdata(file), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: " ")
            return (String(fields[0]), Int(fields[1])!, Int(fields[2])!, String(fields[3]))
        }
    }

    /// Expects `output` to be the bytes `producer` wrote for `vector`: its size, then its
    /// SHA256; failures name `file` (when given), the input and the level.
    static func expect(
        _ output: [UInt8], matches vector: (input: String, level: Int, size: Int, sha256: String),
        writtenBy producer: String, file: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let label = (file.map { "\($0), " } ?? "") + "\(vector.input) at level \(vector.level)"
        #expect(
            output.count == vector.size, "\(label): \(output.count) bytes, \(producer) wrote \(vector.size)",
            sourceLocation: sourceLocation)
        #expect(
            try DigestContext.digest(.sha256, of: output).hex == vector.sha256, "\(label)",
            sourceLocation: sourceLocation)
    }

    /// `content` through `encoder` fed a byte at a time for its first 3,000 bytes, then in
    /// random pieces of up to 40,000 (from `seed`): what a stream encoder must not care about.
    static func compressedInRandomPieces(_ content: [UInt8], by encoder: some StreamEncoder, seed: UInt64) throws
        -> [UInt8]
    {
        var generator = SeededGenerator(seed: seed)
        var output = [UInt8]()
        let append: ChunkSink = { output.append(contentsOf: $0) }
        try content.withUnsafeBytes { bytes in
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + (start < 3000 ? 1 : Int.random(in: 1...40_000, using: &generator)))
                try encoder.process(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), into: append)
                start = end
            }
        }
        try encoder.finish(into: append)
        return output
    }

    /// `tool arguments` with `input` on stdin; its stdout.
    static func peer(_ tool: String, _ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let result = try Tools.run(tool, arguments, input: Data(input))
        guard result.status == 0 else {
            throw PeerToolFailed(
                command: ([tool] + arguments).joined(separator: " "),
                stderr: String(decoding: result.stderr, as: UTF8.self))
        }
        return [UInt8](result.stdout)
    }

    /// Runs a peer tool with `input` on its standard input as a regular file, not a pipe:
    /// gzip and busybox read a pipe in whatever pieces arrive, and their output can depend on
    /// those (docs/recipes.md, GNU gzip's known limits), so a property test on a pipe would be
    /// flaky. `{file}` in `arguments` is replaced by the file's path (zopfli reads no stdin).
    static func peerReadingFile(_ tool: String, _ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("peer-input-\(UUID().uuidString)")
        try Data(input).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let command = "exec \"$0\" \"$@\" < '\(url.path)'"
        return try peer("/bin/sh", ["-c", command, tool] + arguments.map { $0 == "{file}" ? url.path : $0 }, input: [])
    }

    /// Detects the recipe of `bytes` (written to a temporary file, as `mkpatch` reads files).
    static func detect(_ bytes: [UInt8]) throws -> RecipeDetection {
        try RecipeDetector.detect(compressed: bytes)
    }

    /// Rebuilds a file from `content` with `recipe`'s encoder.
    static func rebuild(_ content: [UInt8], with recipe: RecompressionRecipe) throws -> [UInt8] {
        try recipe.makeEncoder().transform(content)
    }
}

struct PeerToolFailed: Error, CustomStringConvertible {
    var command: String
    var stderr: String
    var description: String { "\(command) failed: \(stderr)" }
}
