import DeltaCore
import Foundation
import Testing

/// The real `bsdiff` and `xdelta3` make patches between seeded random pairs; ours must apply
/// them byte for byte. Skipped (and said so) when a tool is not installed; `.ci/run`
/// installs both.
@Suite struct InteropLiveTests {
    /// An old/new pair and how it was made, so that a failure can be replayed.
    struct Pair: CustomStringConvertible {
        var name: String
        var old: [UInt8]
        var new: [UInt8]
        var description: String { "\(name) (old \(old.count) bytes, new \(new.count) bytes)" }
    }

    /// The edge table first (one byte, identical, disjoint, and empty sides where the tool
    /// allows them), then seeded random edits of text-like and binary data.
    static func pairs(includingEmpty: Bool) -> [Pair] {
        var generator = SeededGenerator(seed: 0xB5D1FF)
        let text = generator.compressibleBytes(count: 5000)
        let binary = (0..<4000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var pairs = [
            Pair(name: "one byte", old: [0x61], new: [0x62]),
            Pair(name: "identical", old: text, new: text),
            Pair(name: "disjoint", old: text, new: binary),
        ]
        if includingEmpty {
            pairs += [
                Pair(name: "empty/empty", old: [], new: []), Pair(name: "empty old", old: [], new: text),
                Pair(name: "empty new", old: text, new: []),
            ]
        }
        for seed: UInt64 in [1, 2, 3, 4, 5, 6] {
            var random = SeededGenerator(seed: seed)
            let size = Int.random(in: 1...40_000, using: &random)
            let old =
                seed.isMultiple(of: 2)
                ? random.compressibleBytes(count: size)
                : (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) }
            pairs.append(Pair(name: "seed \(seed)", old: old, new: Self.edit(old, using: &random)))
        }
        return pairs
    }

    /// Insertions, deletions, substitutions and a moved block: what a new release does to a tar.
    static func edit(_ bytes: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        var out = bytes
        for _ in 0..<Int.random(in: 1...30, using: &random) where !out.isEmpty {
            let at = Int.random(in: 0..<out.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0:
                out.insert(contentsOf: random.compressibleBytes(count: Int.random(in: 1...200, using: &random)), at: at)
            case 1: out.removeSubrange(at..<min(out.count, at + Int.random(in: 1...200, using: &random)))
            case 2: out[at] = UInt8.random(in: 0...255, using: &random)
            default:
                let end = min(out.count, at + Int.random(in: 1...2000, using: &random))
                let block = Array(out[at..<end])
                out.removeSubrange(at..<end)
                out.insert(contentsOf: block, at: Int.random(in: 0...out.count, using: &random))
            }
        }
        return out
    }

    /// Writes the pair, runs `tool` to make `patch`, and applies it with ours from the files.
    static func roundTrip(
        _ pair: Pair, tool: String, arguments: (String, String, String) -> [String],
        apply: (RandomAccessSource, RandomAccessSource, ChunkSink) throws -> UInt64
    ) throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = directory.appendingPathComponent("old").path
        let new = directory.appendingPathComponent("new").path
        let patch = directory.appendingPathComponent("patch").path
        try Data(pair.old).write(to: URL(fileURLWithPath: old))
        try Data(pair.new).write(to: URL(fileURLWithPath: new))
        let result = try Tools.run(tool, arguments(old, new, patch))
        try #require(result.status == 0, "\(tool) failed on \(pair): \(String(decoding: result.stderr, as: UTF8.self))")
        let output = try InteropVectors.applyFiles(patch: patch, base: old, with: apply)
        #expect(
            output == pair.new,
            "our applier rebuilt \(output.count) bytes that differ from \(tool)'s target for \(pair)")
    }

    @Test(.enabled(if: Tools.available("bsdiff"), "bsdiff is not installed"))
    func appliesPatchesFromRealBsdiff() throws {
        // Debian's bsdiff cannot read empty files (mmap fails), so no empty sides here.
        for pair in Self.pairs(includingEmpty: false) {
            try Self.roundTrip(pair, tool: "bsdiff", arguments: { [$0, $1, $2] }) {
                try BSDiff40Applier.apply(base: $0, patch: $1, into: $2)
            }
        }
    }

    @Test(.enabled(if: Tools.available("xdelta3"), "xdelta3 is not installed"))
    func appliesPatchesFromRealXdelta3() throws {
        for pair in Self.pairs(includingEmpty: true) {
            try Self.roundTrip(pair, tool: "xdelta3", arguments: { ["-e", "-f", "-s", $0, $1, $2] }) {
                try VCDiffApplier.apply(base: $0, patch: $1, into: $2)
            }
        }
    }

    @Test(.enabled(if: Tools.available("xdelta3"), "xdelta3 is not installed"))
    func appliesMultiWindowLZMAPatchesFromRealXdelta3() throws {
        // Small windows (-W 16384) over a 200 KB pair: many windows, each section LZMA-compressed
        // and continuing one xz stream per section kind, plus -S none and -9 for the other paths.
        var random = SeededGenerator(seed: 0x5EC0DA)
        let old = random.compressibleBytes(count: 200_000)
        let pair = Pair(name: "seed 0x5EC0DA, 200 KB", old: old, new: Self.edit(old, using: &random))
        for options in [["-W", "16384"], ["-W", "16384", "-S", "none"], ["-9"]] {
            try Self.roundTrip(pair, tool: "xdelta3", arguments: { ["-e", "-f"] + options + ["-s", $0, $1, $2] }) {
                try VCDiffApplier.apply(base: $0, patch: $1, into: $2)
            }
        }
    }
}
