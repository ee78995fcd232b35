@testable import DeltaCore
import Foundation
import FuzzTargets
import Testing

/// Deflate reconstruction against zlib-ng's level 1 (`deflate_quick`, ``ZlibNGQuickEmulation``,
/// predictor modes 7-9, payload version 3): zlib-ng -1 written in pieces no exact recipe
/// tries is predicted by its own one-probe matcher, for a few corrections per piece edge;
/// its output over random content in random pieces round-trips; corrupt quick payloads are
/// refused or harmless.
@Suite struct ZlibNGQuickReconstructionTests {
    /// The quick modes, one per zlib-ng encoder generation.
    static let quickModes: Set<MatchPredictor.Settings.Mode> = [.zlibNGQuick, .zlibNGQuickCRC32C, .zlibNGQuick20]

    /// PyPI's `zlib_ng` at level 1 over `content` given in pieces of the `pieces` sizes in
    /// turn, as a raw deflate stream; nil when the module is missing.
    static func zlibNG(_ content: [UInt8], pieces: [Int], level: Int = 1) -> [UInt8]? {
        let sizes = pieces.map(String.init).joined(separator: ",")
        let script =
            "import sys, itertools, zlib_ng.zlib_ng as z; d = sys.stdin.buffer.read(); "
            + "c = z.compressobj(\(level), 8, -15); out = []; start = 0\n"
            + "for size in itertools.cycle([\(sizes)]):\n"
            + "    if start >= len(d): break\n"
            + "    out.append(c.compress(d[start:start + size])); start += size\n"
            + "out.append(c.flush()); sys.stdout.buffer.write(b''.join(out))"
        return try? RecipeFixtures.peer("python3", ["-c", script], input: content)
    }

    /// The committed vector: the six tar's first 40,000 bytes through
    /// `producers/zlib-ng-uneven.py 1 4000 7` (pieces of 4,000 and 7 bytes), which no exact
    /// zlib-ng candidate reproduces. Its reconstruction runs the generation 1 quick mode and
    /// costs under 1 % of the file (66 bytes when written).
    @Test func unevenVectorIsRebuiltThroughTheQuickPredictor() throws {
        let file = try DeflateReconstructionTests.vector("zlib-ng-1-uneven")
        let content = try GzipDecoder().transform(file)
        #expect(content == Array(RecipeFixtures.sixTar.prefix(40_000)))
        let recipe = try #require(try RecipeFixtures.detect(file).recipe)
        #expect(recipe.usesDeflateReconstruction, "the uneven pieces should need reconstruction")
        #expect(try RecipeFixtures.rebuild(content, with: recipe) == file)
        let payload = try #require(recipe.extensionPayload(.deflateReconstruction))
        #expect(try IsalReconstructionTests.mode(of: payload) == .zlibNGQuick)
        #expect(payload.first == 3, "quick modes are payload version 3")
        #expect(payload.count * 100 < file.count, "\(payload.count) bytes of reconstruction for \(file.count)")
        print("ZlibNGQuickReconstructionTests: uneven vector, \(file.count) bytes, \(payload.count) of reconstruction")
    }

    /// zlib-ng -1 over random content in random pieces round-trips, and on content with
    /// matches to find a quick mode codes it (the pieces' edges cost a few corrections each).
    @Test func zlibNGQuickOutputInRandomPiecesRoundTrips() throws {
        let base = UInt64(Date().timeIntervalSince1970) &* 13
        var tried = 0
        for round in 0..<6 {
            let seed = base &+ UInt64(round)
            var generator = SeededGenerator(seed: seed)
            let content =
                round % 3 == 2
                ? ReconstructionWalkTests.repetitiveContent(&generator)
                : generator.compressibleBytes(count: Int.random(in: 1...200_000, using: &generator))
            let pieces = (0..<Int.random(in: 1...4, using: &generator)).map { _ in
                Bool.random(using: &generator)
                    ? Int.random(in: 1...64, using: &generator) : Int.random(in: 1...70_000, using: &generator)
            }
            guard let deflate = Self.zlibNG(content, pieces: pieces) else {
                print("ZlibNGQuickReconstructionTests: Python's zlib_ng module is missing; round trips skipped")
                return
            }
            let payload = try DeflateReconstructionTests.analysed(deflate, content: content)
            let replayed = try DeflateReconstructionTests.replayed(payload, content: content)
            #expect(replayed == deflate, "seed \(seed), pieces \(pieces), \(content.count) bytes")
            if round % 3 == 0 && content.count >= 20_000 {
                let mode = try IsalReconstructionTests.mode(of: payload)
                #expect(Self.quickModes.contains(mode), "seed \(seed), pieces \(pieces): mode \(mode)")
            }
            tried += 1
        }
        print("ZlibNGQuickReconstructionTests: \(tried) zlib-ng -1 streams round-tripped, seeds from \(base)")
    }

    /// Each generation's hash picks its own mode: the emulation's output of generation 1
    /// (multiplicative hash) written in one call is predicted by mode 7, that of generations 2
    /// and 3 (CRC32-C) by mode 8 or 9, at a handful of corrections (the window fills the
    /// predictor does not see). 2.0 (generation 3, mode 9) also takes 3-byte matches, but its
    /// one candidate shares the 4-byte hash, so they come only from hash collisions and the
    /// two modes code most content alike (the first of equals, 8, is kept).
    @Test func everyGenerationsOutputPicksItsOwnQuickMode() throws {
        let content = Array(RecipeFixtures.sixTar.prefix(120_000))
        let expected: [ZlibNGGeneration: Set<MatchPredictor.Settings.Mode>] = [
            .zlibNG22: [.zlibNGQuick], .zlibNG21SSE42: [.zlibNGQuickCRC32C, .zlibNGQuick20],
            .zlibNG20SSE42: [.zlibNGQuickCRC32C, .zlibNGQuick20],
        ]
        for generation in ZlibNGGeneration.allCases {
            let deflate = try ZlibNGDeflateEncoder(level: 1, generation: generation.rawValue).transform(content)
            let payload = try DeflateReconstructionTests.analysed(deflate, content: content)
            let mode = try IsalReconstructionTests.mode(of: payload)
            print("ZlibNGQuickReconstructionTests: generation \(generation.rawValue), mode \(mode), \(payload.count) bytes")
            #expect(expected[generation]!.contains(mode), "generation \(generation): mode \(mode)")
            #expect(try DeflateReconstructionTests.replayed(payload, content: content) == deflate)
            #expect(payload.count * 200 < deflate.count, "generation \(generation): \(payload.count) bytes")
        }
    }

    /// Corrupt quick-mode bodies are refused with ``RecipeError`` or give some stream; never a
    /// crash. The fuzz seeds replay one quick payload and one corrupt one.
    @Test func corruptQuickBodiesAreRefusedOrHarmless() throws {
        let refused = try DeflateReconstructionTests.refusedCorruptions(of: "zlib-ng-1-uneven", seed: 0x2b9_0c1c)
        #expect(refused > 0, "no corruption was refused")
        let directory = TestPaths.repositoryRoot.appendingPathComponent("Tests/DeltaCoreTests/Fuzz/FuzzReconstruction")
        for (name, expected) in [("seed-replay-zlib-ng-quick", 1), ("seed-replay-zlib-ng-quick-corrupt", 0)] {
            let bytes = try Data(contentsOf: directory.appendingPathComponent(name))
            #expect(bytes.withUnsafeBytes { FuzzTargets.reconstruction($0) } == expected, "\(name)")
        }
    }

    /// The quick modes are version 3's: a version 1 or 2 payload naming one is refused at the
    /// mode, as is a mode no version has (version 1 and 2 payloads have no flags varint, so
    /// the flags byte is dropped for them).
    @Test func quickModesOutsideVersion3AreRefused() throws {
        let (payload, content) = try DeflateReconstructionTests.payload(for: "zlib-ng-1-uneven")
        let sizes = try DeflateReconstruction.Sizes(payload)
        #expect(payload.first == 3)
        // The mode and version 3's flags (none) are the last varints before the body: a byte each.
        let modeOffset = sizes.bodyOffset - 2
        #expect(payload[modeOffset] == 7 && payload[modeOffset + 1] == 0)
        for (version, mode) in [(UInt8(1), UInt8(7)), (2, 7), (2, 9), (3, 10), (3, 0x7f)] {
            var hostile = payload
            hostile[0] = version
            hostile[modeOffset] = mode
            if version < 3 { hostile.remove(at: modeOffset + 1) }
            do {
                _ = try DeflateReconstructionTests.replay(hostile, content)
                Issue.record("version \(version) with mode \(mode) was accepted")
            } catch let RecipeError.malformed(offset, _) {
                #expect(offset == modeOffset, "version \(version), mode \(mode)")
            }
        }
    }
}
