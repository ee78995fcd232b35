@testable import DeltaCore
import Foundation
import Testing

/// Deflate reconstruction against ISA-L's own matchers (``IsalMatchEmulation``, payload
/// version 2): its hashes as its x86 code computes them, its output at levels 0-3 over random
/// content round-trips and is predicted by an ISA-L mode, and version 1 payloads keep their
/// meaning while version 2's modes are refused where they do not belong.
@Suite struct IsalReconstructionTests {
    /// Values worked out bit by bit (CRC-32C from 0 with no inversions, as SSE 4.2's `crc32`
    /// on a 32-bit word; ISA-L's `compute_hash_mad`).
    @Test func hashesMatchIsalsOwn() {
        let expected: [(word: UInt32, crc: UInt32, mad: UInt32)] = [
            (0, 0, 0), (1, 0xdd45_aab8, 0x0232_6e48), (0x6463_6261, 0xdaaf_41f6, 0x1f81_0d46),
            (0xdead_beef, 0x0999_1d14, 0x0311_3af0), (0xffff_ffff, 0xb798_b438, 0x0bda_212c),
        ]
        for (word, crc, mad) in expected {
            #expect(IsalMatchEmulation.crc32c(word) == crc, "crc32c \(word)")
            #expect(IsalMatchEmulation.multiplyAddHash(word) == mad, "mad \(word)")
        }
    }

    /// ISA-L (PyPI's `isal`) at `level` over `content`, as a raw deflate stream (what
    /// `isal.igzip.compress` wraps in gzip); nil when the module is missing.
    static func isal(_ content: [UInt8], level: Int) -> [UInt8]? {
        let script =
            "import sys, isal.igzip_lib as l; "
            + "sys.stdout.buffer.write(l.compress(sys.stdin.buffer.read(), \(level), flag=l.COMP_DEFLATE))"
        return try? RecipeFixtures.peer("python3", ["-c", script], input: content)
    }

    /// The predictor mode a payload records.
    static func mode(of payload: [UInt8]) throws -> MatchPredictor.Settings.Mode {
        try DeflateReconstruction.Sizes(payload).settings.mode
    }

    /// Stored blocks longer than the predictor's history between two matches: the positions
    /// inserted after the match before them lie further back than a streaming replay holds
    /// (found on the Django 5.1 tar at ISA-L -1: `mkpatch recompress --jobs 1` read freed
    /// memory there, crashed or wrote other bytes). They are read when the match is queried.
    @Test(arguments: [0, 1, 2])
    func storedBlocksLongerThanTheHistoryReplayStreamed(level: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        let content =
            generator.compressibleBytes(count: 700_000) + generator.bytes(300_000)
            + generator.compressibleBytes(count: 300_000) + generator.bytes(70_000)
            + generator.compressibleBytes(count: 100_000)
        guard let deflate = Self.isal(content, level: level) else {
            print("IsalReconstructionTests: Python's isal module is missing; stored-block replay skipped")
            return
        }
        let payload = try DeflateReconstructionTests.analysed(deflate, content: content)
        #expect(
            try DeflateReconstructionTests.replayed(payload, content: content) == deflate,
            "ISA-L -\(level), seed \(seed)")
    }

    @Test func isalOutputAtEveryLevelRoundTripsThroughItsMatcher() throws {
        let base = UInt64(Date().timeIntervalSince1970) &* 31
        var tried = 0
        for level in 0...3 {
            for round in 0..<3 {
                let seed = base &+ UInt64(level * 8 + round)
                var generator = SeededGenerator(seed: seed)
                let size = Int.random(in: 1...150_000, using: &generator)
                let content =
                    round == 2
                    ? ReconstructionWalkTests.repetitiveContent(&generator) : generator.compressibleBytes(count: size)
                guard let deflate = Self.isal(content, level: level) else {
                    print("IsalReconstructionTests: Python's isal module is missing; ISA-L round trips skipped")
                    return
                }
                let payload = try DeflateReconstructionTests.analysed(deflate, content: content)
                let replayed = try DeflateReconstructionTests.replayed(payload, content: content)
                #expect(replayed == deflate, "seed \(seed), level \(level), \(content.count) bytes")
                tried += 1
            }
        }
        print("IsalReconstructionTests: \(tried) ISA-L streams round-tripped, seeds from \(base)")
    }

    /// On content with matches to find (the six tar's first 200 kB), ISA-L's output is
    /// predicted by its own matcher, for under 2 % of the stream (0.3-0.9 % when written).
    /// The modes follow ISA-L's AVX-512 code; elsewhere ISA-L runs other code (level 3's C
    /// fallback hashes differently), whose output round-trips but may cost more.
    @Test func isalOutputChoosesAnIsalModeAndCostsLess() throws {
        guard Self.cpuRunsIsalsAVX512Code else {
            print("IsalReconstructionTests: this CPU lacks AVX-512 (F, CD, BW, DQ, VL); ISA-L runs other code here, cost check skipped")
            return
        }
        let content = Array(RecipeFixtures.sixTar.prefix(200_000))
        // Levels 0 and 1 differ only where level 1 skips over long literal runs, which text
        // has none of: either mode may code them.
        let expected: [Set<MatchPredictor.Settings.Mode>] = [
            [.isalLevel0, .isalLevel1], [.isalLevel0, .isalLevel1], [.isalLevel2], [.isalLevel3],
        ]
        for level in 0...3 {
            guard let deflate = Self.isal(content, level: level) else {
                print("IsalReconstructionTests: Python's isal module is missing; level \(level) skipped")
                return
            }
            let payload = try DeflateReconstructionTests.analysed(deflate, content: content)
            #expect(expected[level].contains(try Self.mode(of: payload)), "level \(level)")
            #expect(payload.first == 2, "level \(level): ISA-L modes are payload version 2")
            #expect(payload.count * 50 < deflate.count, "level \(level): \(payload.count) bytes")
            print("IsalReconstructionTests: level \(level), \(deflate.count) bytes of deflate, \(payload.count) of reconstruction")
        }
    }

    /// Whether ISA-L's dispatcher picks its AVX-512 code on this machine (the flags it asks for,
    /// as Linux lists them).
    static var cpuRunsIsalsAVX512Code: Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return false }
        let present = Set(flags.split(separator: " ").map(String.init))
        return ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(present.contains)
    }

    /// Corrupt bodies in the ISA-L modes (pairs with literal runs, the level 3 map) are
    /// refused with ``RecipeError`` or give some stream; they never crash.
    @Test func corruptIsalBodiesAreRefusedOrHarmless() throws {
        for name in ["isal-1", "isal-3"] {
            let refused = try DeflateReconstructionTests.refusedCorruptions(of: name, seed: 0x15a1_c0de)
            #expect(refused > 0, "\(name): no corruption was refused")
            print("IsalReconstructionTests: \(name): \(refused) of 60 corrupt bodies refused")
        }
    }

    /// A version 1 payload names modes 0-1 only; version 2 adds 2-5; nothing names more.
    @Test func modesOutsideTheirVersionAreRefused() throws {
        let (payload, content) = try DeflateReconstructionTests.payload(for: "isal-1")
        let sizes = try DeflateReconstruction.Sizes(payload)
        #expect(payload.first == 2)
        #expect(try DeflateReconstructionTests.replay(payload, content).count > 0)
        // The mode is the last varint before the body: one byte here.
        let modeOffset = sizes.bodyOffset - 1
        for (version, mode) in [(UInt8(1), UInt8(2)), (1, 5), (2, 6), (2, 0x7f)] {
            var hostile = payload
            hostile[0] = version
            hostile[modeOffset] = mode
            do {
                _ = try DeflateReconstructionTests.replay(hostile, content)
                Issue.record("version \(version) with mode \(mode) was accepted")
            } catch let RecipeError.malformed(offset, _) {
                #expect(offset == modeOffset, "version \(version), mode \(mode)")
            }
        }
    }
}
