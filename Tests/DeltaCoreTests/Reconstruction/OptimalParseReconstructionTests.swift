@testable import DeltaCore
import Foundation
import FuzzTargets
import Testing

/// Predictor mode 6 (``OptimalParsePredictor``, payload version 4 with `headersFirst`, 5 with a
/// nice length): the
/// optimal parse of each block under its own code lengths predicts the encoders that parse
/// optimally (7-Zip, zopfli, libdeflate -10 to -12); their streams round-trip through it, it
/// codes them smaller than the hash-chain modes, and other producers' payloads do not change.
@Suite struct OptimalParseReconstructionTests {
    /// The committed vectors from encoders that parse optimally.
    static let optimalParsers = ["7zip-5", "7zip-9", "zopfli", "libdeflate-12"]
    static let modeSix = OptimalParsePredictor.candidateSettings[0]

    static func analysed(_ deflate: [UInt8], content: [UInt8], settings: MatchPredictor.Settings) throws -> [UInt8] {
        try deflate.withUnsafeBytes { stream in
            try content.withUnsafeBytes { try DeflateReconstruction.analyse(deflate: stream, content: $0, settings: settings) }
        }
    }

    @Test(arguments: optimalParsers)
    func committedVectorRoundTripsInModeSixAndCodesSmaller(name: String) throws {
        let file = try DeflateReconstructionTests.vector(name)
        let content = try GzipDecoder().transform(file)
        let deflate = try DeflateReconstructionTests.deflateData(of: file)
        let payload = try Self.analysed(deflate, content: content, settings: Self.modeSix)
        let sizes = try DeflateReconstruction.Sizes(payload)
        // 7-Zip -mx5's setting parses under the previous block's lengths (version 7), headers after
        // tokens, in windows that end where matches end (version 8).
        #expect(payload[0] == 8 && sizes.settings.mode == .optimalParse && sizes.flags.contains(.previousBlockPrices))
        #expect(sizes.flags.contains(.windowsEndWhereMatchesEnd))
        #expect(!sizes.flags.contains(.headersFirst))
        #expect(try DeflateReconstructionTests.replayed(payload, content: content) == deflate, "\(name)")
        let longest = try Self.analysed(deflate, content: content, settings: DeflateReconstruction.defaultSettings)
        #expect(payload.count < longest.count, "\(name): mode 6 \(payload.count) bytes, longest match \(longest.count)")
        let fast = try DeflateReconstructionTests.analysed(deflate, content: content)
        #expect(try DeflateReconstruction.Sizes(fast).settings.mode != .optimalParse, "\(name) chose mode 6 for speed")
        let small = try deflate.withUnsafeBytes { stream in
            try content.withUnsafeBytes {
                try DeflateReconstruction.analyse(deflate: stream, content: $0, goal: .smallestData)
            }
        }
        #expect(try DeflateReconstruction.Sizes(small).settings.mode == .optimalParse, "\(name) should choose mode 6")
        #expect(small.count < fast.count, "\(name): smallest \(small.count) bytes, fast \(fast.count)")
    }

    /// Every other committed producer keeps the payload it had (none pays mode 6's analysis:
    /// the hash-chain modes leave too little to win; zlib-ng's uneven -1 is version 3 by its
    /// quick mode, not mode 6).
    @Test(arguments: DeflateReconstructionTests.producerFiles.filter { !optimalParsers.contains($0) })
    func otherProducersKeepTheirPayloads(name: String) throws {
        let file = try DeflateReconstructionTests.vector(name)
        let recipe = try #require(try RecipeFixtures.detect(file).recipe, "\(name)")
        let payload = try #require(recipe.extensionPayload(.deflateReconstruction), "\(name)")
        #expect(try DeflateReconstruction.Sizes(payload).settings.mode != .optimalParse, "\(name) chose mode 6")
        #expect(payload.count == ReconstructionWalkTests.sizesBefore[name], "\(name): \(payload.count) bytes")
    }

    /// Content the optimal parsers handle differently from zlib: text with long repeats,
    /// tiny alphabets (ties everywhere), short inputs (fixed blocks).
    /// Each producer: the tool that must be installed, and the command run (zopfli reads a
    /// file, not a pipe).
    static let producers: [(name: String, tool: String, command: String, arguments: [String])] = [
        ("7-Zip -mx9", "7zz", "7zz", ["a", "-tgzip", "-mx9", "-si", "-so", "dummy"]),
        ("7-Zip -mx5", "7zz", "7zz", ["a", "-tgzip", "-mx5", "-si", "-so", "dummy"]),
        ("zopfli", "zopfli", "/bin/sh", ["-c", "t=$(mktemp) && cat > \"$t\" && zopfli -c \"$t\"; s=$?; rm -f \"$t\"; exit $s"]),
        ("libdeflate -12", "libdeflate-gzip", "libdeflate-gzip", ["-12", "-c"]),
        ("libdeflate -10", "libdeflate-gzip", "libdeflate-gzip", ["-10", "-c"]),
    ]

    /// Why ``DeflateStreamParser`` refuses `deflate`, if it does.
    static func parserRefusal(_ deflate: [UInt8], content: [UInt8]) -> DeflateParseError? {
        deflate.withUnsafeBytes { stream -> DeflateParseError? in
            content.withUnsafeBytes { bytes -> DeflateParseError? in
                do {
                    _ = try DeflateStreamParser.parse(stream, content: bytes)
                    return nil
                } catch let error as DeflateParseError {
                    return error
                } catch {
                    return nil
                }
            }
        }
    }

    @Test func randomContentFromOptimalParsersRoundTripsInModeSix() throws {
        let base = UInt64(Date().timeIntervalSince1970) &* 31
        var tried = 0
        for (index, producer) in Self.producers.enumerated() {
            guard Tools.available(producer.tool) else {
                print("OptimalParseReconstructionTests: \(producer.tool) is not installed; \(producer.name) skipped")
                continue
            }
            for round in 0..<3 {
                let seed = base &+ UInt64(index * 8 + round)
                var generator = SeededGenerator(seed: seed)
                var content = ReconstructionWalkTests.repetitiveContent(&generator)
                if round == 2 { content = Array(content.prefix(Int.random(in: 0...300, using: &generator))) }
                let note: Comment = "seed \(seed), \(producer.name), \(content.count) bytes, round \(round)"
                do {
                    let output = try RecipeFixtures.peer(producer.command, producer.arguments, input: content)
                    let deflate = try DeflateReconstructionTests.deflateData(of: output)
                    // Our parser refuses some valid one-block streams from libdeflate over
                    // tiny alphabets (whatever the mode); those are not mode 6's to test.
                    if let refusal = Self.parserRefusal(deflate, content: content) {
                        print("OptimalParseReconstructionTests: \(note) skipped, the parser refuses it: \(refusal)")
                        continue
                    }
                    // Every tree depth and nice length the analysis may choose, in turn.
                    let choices = OptimalParsePredictor.candidateSettings
                    let settings = choices[(index + round) % choices.count]
                    let payload = try Self.analysed(deflate, content: content, settings: settings)
                    let replayed = try DeflateReconstructionTests.replayed(payload, content: content)
                    #expect(replayed == deflate, note)
                } catch {
                    Issue.record("\(note): \(error)")
                }
                tried += 1
            }
        }
        print("OptimalParseReconstructionTests: \(tried) streams round-tripped in mode 6, seeds from \(base)")
    }

    /// Real 7-Zip and libdeflate -12 output of the six tar: the detected recipe survives its
    /// binary form and rebuilds the file byte for byte. Detected for the smallest data
    /// (``ReconstructionGoal/smallestData``) the recipe carries a mode-6 payload (version 4,
    /// or 6 with a nice length and 7-Zip's fast-bytes rule);
    /// for a fast replay (the default), another mode's, larger.
    @Test(arguments: [
        ("7zz", ["a", "-tgzip", "-mx9", "-si", "-so", "dummy"]), ("7zz", ["a", "-tgzip", "-mx5", "-si", "-so", "dummy"]),
        ("libdeflate-gzip", ["-12", "-c"]),
    ])
    func realOptimalParserOutputChoosesModeSixForTheSmallestData(tool: String, arguments: [String]) throws {
        guard Tools.available(tool) else {
            print("OptimalParseReconstructionTests: \(tool) is not installed; skipped")
            return
        }
        let content = try GzipDecoder().transform(try DeflateReconstructionTests.vector("7zip-9"))
        let file = try RecipeFixtures.peer(tool, arguments, input: content)
        let what = "\(tool) \(arguments.joined(separator: " "))"
        let small = try #require(
            try ProducerRecipeTests.detectAndRebuild(file, what, reconstruction: .smallestData), "\(what)")
        let smallPayload = try #require(small.extensionPayload(.deflateReconstruction), "\(what): no reconstruction")
        let sizes = try DeflateReconstruction.Sizes(smallPayload)
        #expect(sizes.settings.mode == .optimalParse, "\(what): mode \(sizes.settings.mode)")
        #expect(smallPayload.first == sizes.settings.minimumPayloadVersion, "\(what): the oldest version that has it")
        #expect(OptimalParsePredictor.candidateSettings.contains(sizes.settings), "\(what): \(sizes.settings)")
        let fast = try #require(try ProducerRecipeTests.detectAndRebuild(file, what), "\(what)")
        let fastPayload = try #require(fast.extensionPayload(.deflateReconstruction), "\(what): no reconstruction")
        let fastMode = try DeflateReconstruction.Sizes(fastPayload).settings.mode
        #expect(fastMode != .optimalParse, "\(what): mode 6 for speed")
        #expect(
            smallPayload.count < fastPayload.count, "\(what): small \(smallPayload.count), fast \(fastPayload.count)")
        print(
            "OptimalParseReconstructionTests: \(what): \(smallPayload.count) bytes (small), \(fastPayload.count) (fast) for \(file.count)"
        )
    }

    /// Plans weigh a recipe by its rebuild's cost: the optimal parse's 2-4 x the usual
    /// gzip recompression, the hash-chain modes' and exact recipes' 1; a model slowed by it
    /// takes that many times longer to recompress, shared out or serial.
    @Test func theOptimalParseIsWeighedAsASlowerRebuild() throws {
        let file = try DeflateReconstructionTests.vector("7zip-9")
        let small = try #require(try RecipeDetector.detect(compressed: file, reconstruction: .smallestData).recipe)
        let fast = try #require(try RecipeDetector.detect(compressed: file).recipe)
        let six = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata("six-1.17.0.tar.gz"))))
        let exact = try #require(try RecipeFixtures.detect(six).recipe)
        #expect(small.recompressionCostFactor >= 2, "\(small.recompressionCostFactor)")
        let sevenZipNine = MatchPredictor.Settings(chainLimit: 80, lazyLimit: 128, mode: .optimalParse)
        let deflate = try DeflateReconstructionTests.deflateData(of: file)
        let content = try GzipDecoder().transform(file)
        let nicePayload = try Self.analysed(deflate, content: content, settings: sevenZipNine)
        let deepPayload = try Self.analysed(
            deflate, content: content, settings: MatchPredictor.Settings(chainLimit: 128, lazyLimit: 0, mode: .optimalParse))
        #expect(DeflateReconstruction.replayCostFactor(payload: nicePayload) == 3)
        #expect(DeflateReconstruction.replayCostFactor(payload: deepPayload) == 4)
        // 7-Zip's fast-bytes rule with its -mx9 nice length tries every length up to 128.
        let cutNine = MatchPredictor.Settings(chainLimit: 80, lazyLimit: 128, mode: .optimalParse, cutsAtNiceMatches: true)
        let cutFive = MatchPredictor.Settings(chainLimit: 32, lazyLimit: 32, mode: .optimalParse, cutsAtNiceMatches: true)
        let cutNinePayload = try Self.analysed(deflate, content: content, settings: cutNine)
        let cutFivePayload = try Self.analysed(deflate, content: content, settings: cutFive)
        #expect(DeflateReconstruction.replayCostFactor(payload: cutNinePayload) == 3.5)
        #expect(DeflateReconstruction.replayCostFactor(payload: cutFivePayload) == 3, "a nice length of 64 or less")
        // -mx5's single pass under the previous block's lengths, in version 8's windows.
        let singlePass = OptimalParsePredictor.candidateSettings[0]
        #expect(singlePass.pricesFromPreviousBlock && singlePass.endsWindowsWhereMatchesEnd)
        let singlePassPayload = try Self.analysed(deflate, content: content, settings: singlePass)
        #expect(DeflateReconstruction.replayCostFactor(payload: singlePassPayload) == 2)
        #expect(fast.recompressionCostFactor == 1 && exact.recompressionCostFactor == 1)
        #expect(DeflateReconstruction.replayCostFactor(payload: [4, 0xFF]) == 1, "a payload that does not parse")
        let model = RebuildCostModel(bandwidth: 1e6)
        let slowed = model.recompressing(.gzip, slowerBy: small.recompressionCostFactor)
        for parallel in [true, false] {
            let ratio =
                slowed.recompressSeconds(name: "a.tar.gz", uncompressedBytes: 1 << 20, parallel: parallel)
                / model.recompressSeconds(name: "a.tar.gz", uncompressedBytes: 1 << 20, parallel: parallel)
            #expect(abs(ratio - small.recompressionCostFactor) < 1e-9, "parallel \(parallel): \(ratio)")
        }
        #expect(
            slowed.recompressSeconds(name: "a.tar.xz", uncompressedBytes: 1 << 20)
                == model.recompressSeconds(name: "a.tar.xz", uncompressedBytes: 1 << 20))
    }

    /// The fuzz target's version-4 to version-6 seeds (Fuzz/make-optimal-parse-seeds.py) are
    /// mode-6 payloads that replay, so the fuzzer starts inside the binary-tree parser, with
    /// and without a nice length, the fast-bytes rule and predicted headers; their corrupt twins and the
    /// version-3 seed run through the target without trapping.
    @Test func fuzzSeedsReachModeSix() throws {
        let directory = TestPaths.repositoryRoot.appendingPathComponent("Tests/DeltaCoreTests/Fuzz/FuzzReconstruction")
        for version: UInt8 in [4, 5, 6, 7, 8] {
            let seed = [UInt8](try Data(contentsOf: directory.appendingPathComponent("seed-replay-optimal-parse-v\(version)")))
            let contentLength = Int(seed[1]) | Int(seed[2]) << 8
            let payload = Array(seed[(3 + contentLength)...])
            let sizes = try DeflateReconstruction.Sizes(payload)
            #expect(payload.first == version && sizes.settings.mode == .optimalParse)
            #expect((sizes.settings.lazyLimit != 0) == (version >= 5), "a nice length from version 5")
            #expect(sizes.settings.cutsAtNiceMatches == (version >= 6), "the fast-bytes rule from version 6")
            #expect(version == 8 || sizes.settings.predictsHeaders == (version == 7), "predicted headers from version 7")
            #expect(sizes.settings.endsWindowsWhereMatchesEnd == (version == 8), "windows ending where matches end: 8")
            #expect(seed.withUnsafeBytes { FuzzTargets.reconstruction($0) } == 1, "the v\(version) seed does not replay")
        }
        for version in [7, 8] {
            let mx5 = [UInt8](
                try Data(contentsOf: directory.appendingPathComponent("seed-replay-optimal-parse-v\(version)-mx5")))
            let mx5Payload = Array(mx5[(3 + (Int(mx5[1]) | Int(mx5[2]) << 8))...])
            #expect(mx5Payload.first == UInt8(version))
            #expect(try DeflateReconstruction.Sizes(mx5Payload).settings.pricesFromPreviousBlock)
            #expect(mx5.withUnsafeBytes { FuzzTargets.reconstruction($0) } == 1, "the v\(version) -mx5 seed does not replay")
        }
        for name in [
            "seed-replay-optimal-parse-v7-mx5-corrupt", "seed-replay-optimal-parse-v4-corrupt", "seed-replay-optimal-parse-v5-corrupt",
            "seed-replay-optimal-parse-v6-corrupt", "seed-replay-optimal-parse-v7-corrupt",
            "seed-replay-optimal-parse-v8-corrupt", "seed-replay-optimal-parse-v8-mx5-corrupt",
            "seed-replay-optimal-parse",
        ] {
            let bytes = try Data(contentsOf: directory.appendingPathComponent(name))
            _ = bytes.withUnsafeBytes { FuzzTargets.reconstruction($0) }
        }
    }

    /// A mode-6 payload with bytes of its body changed is refused or replays to some stream;
    /// it never traps, overruns a block or loops.
    @Test(arguments: OptimalParsePredictor.candidateSettings.indices)
    func corruptModeSixPayloadsFailCleanly(candidate: Int) throws {
        let file = try DeflateReconstructionTests.vector("7zip-9")
        let content = try GzipDecoder().transform(file)
        let deflate = try DeflateReconstructionTests.deflateData(of: file)
        let settings = OptimalParsePredictor.candidateSettings[candidate]
        let payload = try Self.analysed(deflate, content: content, settings: settings)
        let bodyOffset = try DeflateReconstruction.Sizes(payload).bodyOffset
        let seed = UInt64(Date().timeIntervalSince1970)
        var generator = SeededGenerator(seed: seed)
        var refused = 0
        for _ in 0..<40 {
            var corrupt = payload
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                corrupt[Int.random(in: bodyOffset..<corrupt.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            }
            do {
                _ = try DeflateReconstructionTests.replayed(corrupt, content: content)
            } catch let error as RecipeError {
                guard case .malformed = error else { Issue.record("seed \(seed): \(error)"); continue }
                refused += 1
            }
        }
        print("OptimalParseReconstructionTests: \(settings): \(refused) of 40 corrupt payloads refused, seed \(seed)")
        #expect(refused > 0, "\(settings), seed \(seed)")
    }
}
