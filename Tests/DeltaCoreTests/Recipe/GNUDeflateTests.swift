import DeltaCore
import Foundation
import Testing

/// Our GNU gzip compatible deflate against the system's GNU gzip, byte for byte.
@Suite struct GNUDeflateTests {
    /// What `gzip -n -LEVEL` writes: no name, mtime 0, XFL 4 at -1 and 2 at -9, OS 3 (Unix).
    static func gzipNoNameHeader(level: Int) -> GzipHeader {
        GzipHeader(modificationTime: 0, operatingSystem: 3, extraFlags: level == 1 ? 4 : level == 9 ? 2 : 0)
    }

    @Test(.enabled(if: Tools.available("gzip")), arguments: 1...9)
    func matchesSystemGzipAtEveryLevel(level: Int) throws {
        let content = RecipeFixtures.sixTar
        let expected = try RecipeFixtures.peer("gzip", ["-n", "-\(level)"], input: content)
        let ours = try GzipMemberEncoder(
            header: Self.gzipNoNameHeader(level: level), deflater: GNUDeflateEncoder(level: level)
        ).transform(content)
        #expect(ours.count == expected.count, "gzip -\(level): \(ours.count) bytes, gzip wrote \(expected.count)")
        #expect(
            ours == expected,
            "gzip -\(level) differs first at byte \((0..<min(ours.count, expected.count)).first { ours[$0] != expected[$0] } ?? min(ours.count, expected.count))"
        )
    }

    @Test(.enabled(if: Tools.available("gzip")))
    func outputDoesNotDependOnHowInputIsChunked() throws {
        let content = RecipeFixtures.sixTar
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        let expected = try RecipeFixtures.peer("gzip", ["-n", "-6"], input: content)
        let encoder = GzipMemberEncoder(
            header: Self.gzipNoNameHeader(level: 6), deflater: try GNUDeflateEncoder(level: 6))
        var output = [UInt8]()
        let sink: ChunkSink = { output.append(contentsOf: $0) }
        var start = 0
        try content.withUnsafeBytes { bytes in
            while start < bytes.count {
                let size = Int(generator.next() % 3000) + (generator.next() % 8 == 0 ? 70_000 : 1)
                let end = min(bytes.count, start + size)
                try encoder.process(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), into: sink)
                start = end
            }
        }
        try encoder.finish(into: sink)
        #expect(output == expected, "random chunking with seed \(seed) changed the output")
    }

    @Test(.enabled(if: Tools.available("gzip")))
    func edgeInputsMatchSystemGzip() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        let random = (0..<100_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let inputs: [(String, [UInt8])] = [
            ("empty", []), ("one byte", [65]), ("two bytes", [1, 2]),
            ("zeros", [UInt8](repeating: 0, count: 200_000)),
            ("random (stored blocks)", random),
            ("exactly 64 KiB of text", Array(RecipeFixtures.sixTar.prefix(65536))),
            ("text then random", Array(RecipeFixtures.sixTar.prefix(90_000)) + random.prefix(50_000)),
        ]
        for (name, input) in inputs {
            for level in [1, 3, 4, 6, 9] {
                let expected = try RecipeFixtures.peer("gzip", ["-n", "-\(level)"], input: input)
                let ours = try GzipMemberEncoder(
                    header: Self.gzipNoNameHeader(level: level), deflater: GNUDeflateEncoder(level: level)
                ).transform(input)
                #expect(ours == expected, "\(name) at -\(level) differs (seed \(seed))")
            }
        }
    }

    @Test func rejectsLevelsOutsideOneToNine() {
        #expect(throws: CompressionError.invalidSettings(.gzip, detail: "GNU gzip level 0")) {
            try GNUDeflateEncoder(level: 0)
        }
        #expect(throws: CompressionError.invalidSettings(.gzip, detail: "GNU gzip level 10")) {
            try GNUDeflateEncoder(level: 10)
        }
    }
}
