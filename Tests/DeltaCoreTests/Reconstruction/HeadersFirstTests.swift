@testable import DeltaCore
import Foundation
import FuzzTargets
import Testing

/// Payload flag `headersFirst` (version 3): a dynamic block over what the replay may hold
/// (``DeflateReplay/maximumBlockTokens``, lowered here so the data stays small) gets its header
/// coded before its tokens, and the replay writes the header and then streams the tokens, so the
/// stream round-trips in bounded memory; without the flag such a payload is refused. Streams
/// whose blocks fit keep their version 1 or 2 payloads.
@Suite struct HeadersFirstTests {
    /// The lowered limit: any block of more tokens than this needs headers first here.
    static let limit = 1000

    static func analysed(_ deflate: [UInt8], _ content: [UInt8], limit: Int = limit) throws -> [UInt8] {
        try deflate.withUnsafeBytes { stream in
            try content.withUnsafeBytes {
                try DeflateReconstruction.analyse(deflate: stream, content: $0, maximumHeldTokens: limit)
            }
        }
    }

    static func replayed(_ payload: [UInt8], _ content: [UInt8], limit: Int = limit) throws(RecipeError) -> [UInt8] {
        try content.withUnsafeBytes { bytes in
            Result { () throws(RecipeError) in
                try DeflateReconstruction.replay(payload: payload, content: bytes, maximumHeldTokens: limit)
            }
        }.get()
    }

    static func largestDynamicBlock(_ deflate: [UInt8], _ content: [UInt8]) throws -> Int {
        let parsed = try deflate.withUnsafeBytes { stream in
            try content.withUnsafeBytes { try DeflateStreamParser.parse(stream, content: $0) }
        }
        return parsed.blocks.filter { $0.kind == .dynamic }.map(\.tokenCount).max() ?? 0
    }

    /// GNU gzip's deflate at random levels over random content: several dynamic blocks, most
    /// over the lowered limit; with headers first each round-trips, and the payload made for the
    /// full limit is refused by a replay held to the lowered one.
    @Test func dynamicBlocksOverTheLimitRoundTripWithHeadersFirst() throws {
        let base = UInt64(Date().timeIntervalSince1970) &* 37
        var checked = 0
        for round in 0..<6 {
            let seed = base &+ UInt64(round)
            var generator = SeededGenerator(seed: seed)
            let content = generator.compressibleBytes(count: Int.random(in: 60_000...200_000, using: &generator))
            let level = Int.random(in: 1...9, using: &generator)
            let gzip = try GzipMemberEncoder(header: GzipHeader(), deflater: GNUDeflateEncoder(level: level))
                .transform(content)
            let deflate = try DeflateReconstructionTests.deflateData(of: gzip)
            guard try Self.largestDynamicBlock(deflate, content) > Self.limit else { continue }
            checked += 1
            let payload = try Self.analysed(deflate, content)
            let sizes = try DeflateReconstruction.Sizes(payload)
            #expect(payload.first == 3, "seed \(seed)")
            #expect(sizes.flags == .headersFirst, "seed \(seed)")
            #expect(try Self.replayed(payload, content) == deflate, "seed \(seed), GNU level \(level)")
            #expect(try DeflateReconstructionTests.replayed(payload, content: content) == deflate, "seed \(seed)")

            let plain = try DeflateReconstructionTests.analysed(deflate, content: content)
            // Without headers first: no flags (version 1, or 3 where zlib-ng's quick mode codes
            // a fast level's greedy stream an eighth smaller).
            #expect(try DeflateReconstruction.Sizes(plain).flags.isEmpty, "seed \(seed)")
            #expect(plain.first == 1 || plain.first == 3, "seed \(seed)")
            do {
                _ = try Self.replayed(plain, content)
                Issue.record("seed \(seed): a block over the lowered limit replayed without headers first")
            } catch let RecipeError.malformed(offset, detail) {
                #expect(detail == "token count out of range", "seed \(seed)")
                #expect(offset > 0 && offset <= plain.count, "seed \(seed): offset \(offset)")
            }
        }
        #expect(checked >= 3, "only \(checked) streams had a dynamic block over \(Self.limit) tokens, seeds from \(base)")
        print("HeadersFirstTests: \(checked) GNU gzip streams with headers first, seeds from \(base)")
    }

    /// Blocks within the limit keep the payload the analysis wrote before version 3.
    @Test func blocksWithinTheLimitKeepTheirPayload() throws {
        for name in ["libdeflate-12", "isal-1"] {
            let (payload, content) = try DeflateReconstructionTests.payload(for: name)
            let deflate = try DeflateReconstructionTests.deflateData(of: DeflateReconstructionTests.vector(name))
            let largest = try Self.largestDynamicBlock(deflate, content)
            #expect(try Self.analysed(deflate, content, limit: largest) == payload, "\(name)")
            // Version 3, or 4 where the analysis chooses mode 6 (libdeflate -12 since 2026-12-02).
            let limited = try Self.analysed(deflate, content, limit: largest - 1)
            #expect(try DeflateReconstruction.Sizes(limited).flags.contains(.headersFirst), "\(name)")
            #expect(limited.first == 3 || limited.first == 4, "\(name)")
        }
    }

    /// ISA-L's level 0 repeats its built-in table in one long dynamic block: with headers first
    /// it round-trips, the repeated header costing a bit. Skipped when Python's isal is missing.
    @Test func isalLevelZeroRoundTripsWithHeadersFirst() throws {
        let base = UInt64(Date().timeIntervalSince1970) &* 41
        for round in 0..<3 {
            let seed = base &+ UInt64(round)
            var generator = SeededGenerator(seed: seed)
            let content =
                round == 2
                ? ReconstructionWalkTests.repetitiveContent(&generator)
                : generator.compressibleBytes(count: Int.random(in: 20_000...300_000, using: &generator))
            guard let deflate = IsalReconstructionTests.isal(content, level: 0) else {
                print("HeadersFirstTests: Python's isal module is missing; ISA-L level 0 round trips skipped")
                return
            }
            let largest = try Self.largestDynamicBlock(deflate, content)
            let limit = max(1, largest / 2)
            let payload = try Self.analysed(deflate, content, limit: limit)
            #expect(payload.first == 3, "seed \(seed)")
            // On text ISA-L's own level 0 matcher codes smallest; on a tiny alphabet (round 2)
            // another mode (seed 73644878921 in CI chose one) can tie or win, which is fine.
            if round < 2 {
                #expect(try IsalReconstructionTests.mode(of: payload) == .isalLevel0, "seed \(seed)")
            }
            #expect(try Self.replayed(payload, content, limit: limit) == deflate, "seed \(seed), \(content.count) bytes")
        }
        print("HeadersFirstTests: ISA-L level 0 round trips, seeds from \(base)")
    }

    /// Corrupt and cut headers-first payloads are refused (`RecipeError.malformed`, offsets
    /// inside the payload) or give some other stream of the stated size; never a crash or hang.
    @Test func corruptHeadersFirstPayloadsAreRefusedOrHarmless() throws {
        let seed = UInt64(Date().timeIntervalSince1970)
        var generator = SeededGenerator(seed: seed)
        let content = generator.compressibleBytes(count: 120_000)
        let gzip = try GzipMemberEncoder(header: GzipHeader(), deflater: GNUDeflateEncoder(level: 6)).transform(content)
        let deflate = try DeflateReconstructionTests.deflateData(of: gzip)
        let payload = try Self.analysed(deflate, content)
        #expect(payload.first == 3, "seed \(seed)")
        let bodyOffset = try DeflateReconstruction.Sizes(payload).bodyOffset
        func check(_ bytes: [UInt8], _ note: String) {
            do {
                let output = try Self.replayed(bytes, content)
                #expect(output.count == deflate.count, "seed \(seed), \(note)")
            } catch let RecipeError.malformed(offset, _) {
                #expect(offset >= 0 && offset <= bytes.count, "seed \(seed), \(note): offset \(offset)")
            } catch {
                Issue.record("seed \(seed), \(note): \(error)")
            }
        }
        for cut in [0, 1, bodyOffset - 1, bodyOffset, bodyOffset + 3, payload.count / 2, payload.count - 1] {
            check(Array(payload.prefix(cut)), "cut at \(cut)")
        }
        for round in 0..<200 {
            var corrupt = payload
            let index = Int.random(in: bodyOffset - 1..<corrupt.count, using: &generator)
            corrupt[index] ^= UInt8.random(in: 1...255, using: &generator)
            check(corrupt, "round \(round), byte \(index)")
        }
    }

    // MARK: Fuzz seeds

    static let fuzzDirectory = TestPaths.repositoryRoot.appendingPathComponent(
        "Tests/DeltaCoreTests/Fuzz/FuzzReconstruction")

    /// The headers-first seeds of the reconstruction fuzz corpus (replayed by
    /// `FuzzCorpusReplayTests`) and what the fuzz target returns for each: 1 replayed.
    static let fuzzSeeds = [
        ("seed-replay-headers-first-gnu", 1), ("seed-replay-headers-first-isal0", 1),
        ("seed-replay-v3-unknown-flag", 0),
    ]

    /// The seeds as ``writeFuzzSeeds()`` makes them: the fuzz target's replay mode (0), the
    /// content's length, the content (4096 bytes of the six tar), then a version 3 payload
    /// analysed with a limit of 16 tokens (so with headers first) of GNU gzip -6's stream, of
    /// ISA-L -0's (when Python's isal is there), and the first with flag bit 1 set.
    static func makeFuzzSeeds() throws -> [(String, [UInt8])] {
        let content = Array(RecipeFixtures.sixTar.prefix(4096))
        let prefix: [UInt8] = [0, UInt8(content.count & 0xff), UInt8(content.count >> 8)] + content
        let gzip = try GzipMemberEncoder(header: GzipHeader(), deflater: GNUDeflateEncoder(level: 6)).transform(content)
        let gnu = try Self.analysed(try DeflateReconstructionTests.deflateData(of: gzip), content, limit: 16)
        var seeds = [("seed-replay-headers-first-gnu", prefix + gnu)]
        if let isal = IsalReconstructionTests.isal(content, level: 0) {
            seeds.append(("seed-replay-headers-first-isal0", prefix + (try Self.analysed(isal, content, limit: 16))))
        }
        var header = try PayloadVersionTests.Header(gnu)
        header.flags = 3
        seeds.append(("seed-replay-v3-unknown-flag", prefix + header.written().bytes))
        return seeds
    }

    /// Writes the seeds into the corpus; runs only with `DELTAFETCH_WRITE_FUZZ_SEEDS=1`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DELTAFETCH_WRITE_FUZZ_SEEDS"] == "1"))
    func writeFuzzSeeds() throws {
        for (name, bytes) in try Self.makeFuzzSeeds() {
            try Data(bytes).write(to: Self.fuzzDirectory.appendingPathComponent(name))
        }
    }

    @Test func headersFirstFuzzSeedsReplay() throws {
        for (name, expected) in Self.fuzzSeeds {
            let bytes = [UInt8](try Data(contentsOf: Self.fuzzDirectory.appendingPathComponent(name)))
            #expect(bytes.withUnsafeBytes { FuzzTargets.reconstruction($0) } == expected, "\(name)")
            let payload = Array(bytes[(3 + 4096)...])
            #expect(payload.first == 3, "\(name)")
            if expected == 1 {
                #expect(try DeflateReconstruction.Sizes(payload).flags == .headersFirst, "\(name)")
            }
        }
    }
}
