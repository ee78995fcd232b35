import DeltaCore
import Testing

/// The literalContext feature: the literals' LZMA2 decoder primed with the whole old file or
/// with the old text around each run of literals, derived from the commands.
@Suite struct LiteralContextTests {
    /// Text-like old files edited the way new releases edit them (rewritten passages made of
    /// the same vocabulary, deletions, insertions), diffed with each kind of context: every
    /// patch round-trips, and the context is chosen where it makes the patch smaller.
    @Test func primedPatchesRoundTrip() throws {
        for (label, wholeFileMaximum) in [("whole file", Int.max), ("derived", 0)] {
            var primed = 0
            for seed in UInt64(1)...16 {
                var random = SeededGenerator(seed: seed)
                let old = random.compressibleBytes(count: Int.random(in: 1000..<60_000, using: &random))
                var new = old
                for _ in 0..<Int.random(in: 1..<40, using: &random) {
                    let at = Int.random(in: 0..<new.count, using: &random)
                    let length = Int.random(in: 0..<min(400, new.count - at + 1), using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: new.replaceSubrange(at..<at + length, with: random.compressibleBytes(count: length))
                    case 1: new.removeSubrange(at..<at + length)
                    default: new.insert(contentsOf: random.compressibleBytes(count: length), at: at)
                    }
                }
                let options = DiffOptions(threads: Int(seed % 2) + 1, wholeFileContextMaximum: wholeFileMaximum)
                let patch = try NativeDiffer.makePatch(old: old, new: new, options: options)
                #expect(try NativePatchRoundTripTests.apply(patch, to: old) == new, "\(label), seed \(seed)")
                let header = try NativePatchHeader.read(from: InMemorySource(patch))
                if let context = header.literalContext {
                    primed += 1
                    #expect(
                        wholeFileMaximum == 0 ? context != .wholeFile : context == .wholeFile, "\(label), seed \(seed)")
                    #expect(
                        header.requiredFeatures & NativePatchHeader.literalContextFeature != 0, "\(label), seed \(seed)"
                    )
                }
            }
            print("measured: \(label) context chosen for \(primed) of 16 seeds")
            #expect(primed > 0, "\(label)")
        }
    }

    /// New text made of the old text's phrases, too short for covers to pay, is what the
    /// context is for: the differ finds the primed patch smaller.
    @Test func rewrittenTextIsPrimed() throws {
        var random = SeededGenerator(seed: 21)
        let old = random.compressibleBytes(count: 200_000)
        // Rewritten passages: phrases of the old text, reordered and cut short, so that no
        // cover is long enough to pay for its command.
        var new = [UInt8]()
        while new.count < old.count {
            let from = Int.random(in: 0..<old.count - 40, using: &random)
            new += old[from..<from + Int.random(in: 8..<40, using: &random)]
        }
        let patch = try NativeDiffer.makePatch(old: old, new: new)
        #expect(try NativePatchRoundTripTests.apply(patch, to: old) == new)
        let header = try NativePatchHeader.read(from: InMemorySource(patch))
        #expect(header.literalContext == .wholeFile)
    }

    @Test func contextSectionRoundTripsThroughTheHeader() throws {
        for context in [LiteralContext.wholeFile, .derived(before: 512, after: 1024, limit: 4000)] {
            let digests = DigestSet(size: 100, digests: [try DigestContext.digest(.sha256, of: [])])
            var header = NativePatchHeader(
                old: digests, new: digests,
                streams: NativePatchStream.Kind.allCases.map {
                    NativePatchStream(
                        kind: $0, codec: $0 == .literals ? .lzma2 : .stored, dictionarySize: $0 == .literals ? 4096 : 0,
                        rawLength: 0, codedLength: 0)
                })
            header.literalContext = context
            header.requiredFeatures = NativePatchHeader.literalContextFeature
            #expect(try NativePatchHeader.read(from: InMemorySource(header.serialized())).literalContext == context)
        }
    }

    /// Hostile context sections and commands: each refused by name, before any output.
    @Test func badContextsAreRefused() throws {
        let feature = NativePatchHeader.literalContextFeature
        let commands: [UInt64] = [10, 4, NativePatchErrorTests.zigzag(6), 3, 0, 0]
        func patch(_ section: [UInt8], features: UInt64 = feature, window: UInt8? = 12, commands: [UInt64] = commands)
            throws -> [UInt8]
        {
            try NativePatchErrorTests.craft(
                features: features, newSize: 17, commands: commands, headerResiduals: [UInt8](repeating: 0, count: 13),
                literals: Array("red ".utf8), lzmaWindowLog: window, sections: [(4, 1, section)])
        }
        func isInvalid(_ field: String) -> (PatchFormatError) -> Bool {
            { if case .invalidField(let name, _) = $0 { name == field } else { false } }
        }
        NativePatchErrorTests.expectError(try patch([7]), isInvalid("literal context mode"))
        NativePatchErrorTests.expectError(try patch([0], window: nil), isInvalid("literal context size"))
        NativePatchErrorTests.expectError(try patch([1, 0, 0, 0x81, 0x40]), isInvalid("literal context limit"))  // 8193 > 4096
        NativePatchErrorTests.expectError(try patch([1, 0, 0, 0]), isInvalid("literal context limit"))
        NativePatchErrorTests.expectError(try patch([0, 0]), isInvalid("literal context section length"))
        NativePatchErrorTests.expectError(try patch([0], features: 0)) {
            if case .invalidField(let name, _) = $0 { name.hasPrefix("literal context section without") } else { false }
        }
        // A derived context reads the commands first: a move out of the base is caught there.
        NativePatchErrorTests.expectError(
            try patch([1, 0, 0, 100], commands: [10, 4, NativePatchErrorTests.zigzag(-20), 3, 0, 0])
        ) {
            $0 == .outOfBounds("old cursor moved outside the base", newOffset: 0)
        }
        NativePatchErrorTests.expectError(try patch([1, 0, 0, 100], commands: [10, 40, 0])) {
            $0 == .outOfBounds("command past the new file's end", newOffset: 0)
        }
    }
}
