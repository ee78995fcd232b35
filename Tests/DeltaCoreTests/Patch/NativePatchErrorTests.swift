import DeltaCore
import Testing

/// Golden errors: hostile or damaged patches, each refused with one named error, never a crash.
@Suite struct NativePatchErrorTests {
    static let old: [UInt8] = Array("the quick brown fox jumps over the lazy dog".utf8)

    /// Builds a native patch by hand, byte by byte as docs/patch-format.md describes it, with
    /// stored streams, so that tests can say things the differ never would.
    static func craft(
        version: UInt16 = 1, features: UInt64 = 0, newSize: UInt64, commands: [UInt64] = [],
        residuals: [UInt8] = [], headerResiduals: [UInt8] = [], literals: [UInt8] = [],
        lzmaWindowLog: UInt8? = nil, sections: [(UInt64, UInt64, [UInt8])] = []
    ) throws -> [UInt8] {
        var commandBytes = PatchByteWriter()
        for value in commands { commandBytes.appendVarint(value) }
        var body = PatchByteWriter()
        body.appendVarint(features)
        body.appendVarint(UInt64(old.count))
        body.appendVarint(newSize)
        body.append(1)
        body.append(2)
        body.append(try DigestContext.digest(.sha256, of: old).bytes)
        body.append(1)
        body.append(2)
        body.append([UInt8](repeating: 0xAB, count: 32))
        let streams = [commandBytes.bytes, residuals, headerResiduals, literals]
        body.append(4)
        for (kind, stream) in streams.enumerated() {
            body.append(UInt8(kind))
            if let lzmaWindowLog, kind == 3 {
                body.append(1)
                body.append(lzmaWindowLog)
            } else {
                body.append(0)
                body.append(0)
            }
            body.appendVarint(UInt64(stream.count))
            body.appendVarint(UInt64(stream.count))
        }
        body.appendVarint(UInt64(sections.count))
        for (type, flags, value) in sections {
            body.appendVarint(type)
            body.appendVarint(flags)
            body.appendVarint(UInt64(value.count))
            body.append(value)
        }
        var patch = PatchByteWriter()
        patch.append(PatchFormat.nativeMagic)
        patch.appendLittleEndian(version)
        patch.appendLittleEndian(UInt32(body.bytes.count))
        patch.append(body.bytes)
        for stream in streams { patch.append(stream) }
        return patch.bytes
    }

    static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    static func apply(_ patch: [UInt8], to base: [UInt8] = old) throws -> [UInt8] {
        var output = [UInt8]()
        try NativePatchApplier.apply(base: InMemorySource(base), patch: InMemorySource(patch)) {
            output.append(contentsOf: $0)
        }
        return output
    }

    static func expectError(
        _ patch: [UInt8], base: [UInt8] = old, _ check: (PatchFormatError) -> Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let output = try apply(patch, to: base)
            Issue.record("patch applied (\(output.count) bytes) instead of failing", sourceLocation: sourceLocation)
        } catch let error as PatchFormatError {
            #expect(check(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// The new file's first 512 bytes are where a tar header would be, so their bytes come from
    /// the metadata residuals stream (0 keeps the old byte) until the tracker sees it is no tar.
    @Test func aHandCraftedPatchApplies() throws {
        // Copy "the quick " with a residual turning "t" into "T", add "red ", then jump to "fox".
        let patch = try Self.craft(
            newSize: 17, commands: [10, 4, Self.zigzag(6), 3, 0, 0],
            headerResiduals: [UInt8(ascii: "T")] + [UInt8](repeating: 0, count: 12),
            literals: Array("red ".utf8))
        #expect(try Self.apply(patch) == Array("The quick red fox".utf8))
    }

    /// The same patch with run-coded metadata residuals: one raw "T", then twelve zeros.
    @Test func runCodedMetadataResidualsApplyAndMustEndWithTheCopy() throws {
        let runs = NativePatchHeader.metadataResidualRunsFeature
        let patch = try Self.craft(
            features: runs, newSize: 17, commands: [10, 4, Self.zigzag(6), 3, 0, 0],
            headerResiduals: [0, 1, UInt8(ascii: "T"), 12, 0], literals: Array("red ".utf8))
        #expect(try Self.apply(patch) == Array("The quick red fox".utf8))
        let overlong = try Self.craft(
            features: runs, newSize: 17, commands: [10, 4, Self.zigzag(6), 3, 0, 0],
            headerResiduals: [0, 1, UInt8(ascii: "T"), 20, 0], literals: Array("red ".utf8))
        Self.expectError(overlong) { $0 == .streamLengthMismatch(stream: "metadata residuals") }
        // Empty run pairs consume the stream and end in truncation, not a spin.
        let empty = try Self.craft(
            features: runs, newSize: 3, commands: [3, 0, 0], headerResiduals: [0, 0, 0, 0, 0, 0])
        Self.expectError(empty) { if case .truncated = $0 { true } else { false } }
    }

    /// A solid patch's first stream must be LZMA2 and carry the rest; stored streams are refused.
    @Test func solidPatchWithStoredStreamsIsRefused() throws {
        let patch = try Self.craft(
            features: NativePatchHeader.solidStreamsFeature, newSize: 3, commands: [0, 3, 0], literals: [1, 2, 3])
        Self.expectError(patch) {
            if case .invalidField("codec of the commands stream", _) = $0 { true } else { false }
        }
    }

    @Test func copyPastTheBaseIsRefused() throws {  // the bspatch CVE-2014-9862 class
        let patch = try Self.craft(newSize: 100, commands: [100, 0, 0], residuals: [100, 0])
        Self.expectError(patch) { if case .outOfBounds = $0 { true } else { false } }
    }

    @Test func copyPastTheNewSizeIsRefused() throws {
        let patch = try Self.craft(newSize: 5, commands: [10, 0, 0], residuals: [10, 0])
        Self.expectError(patch) { if case .outOfBounds = $0 { true } else { false } }
    }

    @Test func literalPastTheNewSizeIsRefused() throws {
        let patch = try Self.craft(newSize: 4, commands: [0, 3, 0, 0, 3, 0], literals: [1, 2, 3, 4])
        Self.expectError(patch) { if case .outOfBounds = $0 { true } else { false } }
        let declared = try Self.craft(newSize: 2, commands: [0, 3, 0], literals: [1, 2, 3])
        Self.expectError(declared) { $0 == .invalidField("literal stream length", offset: 107) }
    }

    @Test func moveBeforeTheBaseStartIsRefused() throws {
        let patch = try Self.craft(
            newSize: 4, commands: [2, 0, Self.zigzag(-3), 2, 0, 0], headerResiduals: [0, 0, 0, 0])
        Self.expectError(patch) { if case .outOfBounds = $0 { true } else { false } }
    }

    @Test func moveOverflowIsRefused() throws {
        let patch = try Self.craft(
            newSize: 4, commands: [2, 0, Self.zigzag(Int64.max), 2, 0, 0], headerResiduals: [0, 0, 0, 0])
        Self.expectError(patch) { if case .outOfBounds = $0 { true } else { false } }
    }

    @Test func emptyCommandsCannotSpin() throws {
        let patch = try Self.craft(newSize: 4, commands: [0, 0, 0, 0, 0, 0, 0, 4, 0], literals: [1, 2, 3, 4])
        Self.expectError(patch) { if case .invalidField("empty command", _) = $0 { true } else { false } }
    }

    @Test func hugeNewSizeWithShortStreamsIsTruncatedNotAllocated() throws {
        let patch = try Self.craft(newSize: 1 << 62, commands: [0, 4, 0], literals: [1, 2, 3, 4])
        Self.expectError(patch) { if case .truncated = $0 { true } else { false } }
    }

    @Test func unusedLiteralsAreAMismatch() throws {
        let patch = try Self.craft(newSize: 3, commands: [1, 2, 0], headerResiduals: [0], literals: [1, 2, 3])
        Self.expectError(patch) { $0 == .streamLengthMismatch(stream: "literals") }
    }

    @Test func unusedResidualRunsAreAMismatch() throws {
        let patch = try Self.craft(newSize: 2, commands: [2, 0, 0], residuals: [5, 0], headerResiduals: [0, 0])
        Self.expectError(patch) { $0 == .streamLengthMismatch(stream: "residuals") }
    }

    @Test func overlongVarintIsRefused() throws {
        #expect(
            try Self.apply(try Self.craftRawCommands(newSize: 2, commandBytes: [0, 2, 0], literals: [1, 2])) == [1, 2])
        let tampered = try Self.craftRawCommands(newSize: 2, commandBytes: [UInt8](repeating: 0xff, count: 11) + [1])
        Self.expectError(tampered) { if case .invalidField = $0 { true } else { false } }
    }

    /// A patch whose command stream holds exactly `commandBytes`.
    static func craftRawCommands(newSize: UInt64, commandBytes: [UInt8], literals: [UInt8] = []) throws -> [UInt8] {
        var body = PatchByteWriter()
        body.appendVarint(0)
        body.appendVarint(UInt64(old.count))
        body.appendVarint(newSize)
        body.append([1, 2])
        body.append(try DigestContext.digest(.sha256, of: old).bytes)
        body.append([1, 2])
        body.append([UInt8](repeating: 0xAB, count: 32))
        body.append(4)
        for kind in 0..<4 {
            body.append([UInt8(kind), 0, 0])
            let length = UInt64(kind == 0 ? commandBytes.count : kind == 3 ? literals.count : 0)
            body.appendVarint(length)
            body.appendVarint(length)
        }
        body.appendVarint(0)
        var patch = PatchByteWriter()
        patch.append(PatchFormat.nativeMagic)
        patch.appendLittleEndian(UInt16(1))
        patch.appendLittleEndian(UInt32(body.bytes.count))
        patch.append(body.bytes)
        patch.append(commandBytes)
        patch.append(literals)
        return patch.bytes
    }

    @Test func unknownMagicIsNotAPatch() {
        Self.expectError(Array("BSDIFF40 and then some".utf8)) { if case .unknownFormat = $0 { true } else { false } }
    }

    @Test func newerVersionIsRefused() throws {
        let patch = try Self.craft(version: 2, newSize: 0)
        Self.expectError(patch) { $0 == .unsupportedVersion(2) }
    }

    @Test func unknownRequiredFeatureIsRefused() throws {
        let patch = try Self.craft(features: 1 << 9, newSize: 0)
        Self.expectError(patch) { $0 == .unsupportedFeatures(1 << 9) }
    }

    @Test func unknownCriticalSectionIsRefusedButOptionalOnesAreSkipped() throws {
        let critical = try Self.craft(newSize: 0, sections: [(77, 1, [1, 2, 3])])
        Self.expectError(critical) { $0 == .unsupportedSection(type: 77) }
        let optional = try Self.craft(newSize: 0, sections: [(77, 0, [1, 2, 3])])
        #expect(try Self.apply(optional) == [])
    }

    @Test func oversizedWindowIsRefusedBeforeAllocating() throws {
        let patch = try Self.craft(newSize: 0, lzmaWindowLog: 30)
        Self.expectError(patch) { if case .dictionaryTooLarge = $0 { true } else { false } }
    }

    @Test func everyTruncationIsRefused() throws {
        let patch = try NativeDiffer.makePatch(
            old: Self.old, new: Array("the quick red fox jumps over the lazy cat".utf8))
        for length in 0..<patch.count {
            Self.expectError(Array(patch.prefix(length))) { _ in true }
        }
    }

    @Test func trailingDataIsRefused() throws {
        let patch = try NativeDiffer.makePatch(old: Self.old, new: Array("the lazy dog".utf8))
        Self.expectError(patch + [0]) { if case .trailingData = $0 { true } else { false } }
    }

    @Test func baseOfAnotherSizeIsRefused() throws {
        let patch = try NativeDiffer.makePatch(old: Self.old, new: Array("the lazy dog".utf8))
        Self.expectError(patch, base: Array(Self.old.dropLast())) { if case .baseMismatch = $0 { true } else { false } }
    }

    @Test func everySingleByteCorruptionFailsCleanlyOrVerifies() throws {
        // Flipping any byte must give an error or an output (which digests then catch), never a crash.
        let new = Array("the quick red fox jumps over the lazy cat, twice: the quick red fox".utf8)
        let patch = try NativeDiffer.makePatch(old: Self.old, new: new)
        for index in patch.indices {
            var damaged = patch
            damaged[index] ^= 0x5A
            _ = try? Self.apply(damaged)
        }
    }

    @Test func seededRandomMutationsFailCleanly() throws {
        // A poor man's fuzzer that runs everywhere: random bytes overwritten, inserted or cut in
        // a real tar patch (LZMA2 streams, tar tracking, checksum fixing), applied each time.
        var random = SeededGenerator(seed: 2026)
        let files = (0..<8).map { ("p-1/f\($0)", random.bytes(Int.random(in: 0..<2000, using: &random), alphabet: 12)) }
        let old = TarBuilder.archive(files, mtime: 1_600_000_000)
        let new = TarBuilder.archive(files.map { ($0.0, $0.1 + random.bytes(20, alphabet: 12)) }, mtime: 1_700_000_000)
        let patch = try NativeDiffer.makePatch(old: old, new: new)
        #expect(try Self.apply(patch, to: old) == new)
        for round in 0..<1500 {
            var damaged = patch
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0..<damaged.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: damaged[at] = UInt8.random(in: 0...255, using: &random)
                case 1: damaged.insert(UInt8.random(in: 0...255, using: &random), at: at)
                default: damaged.remove(at: at)
                }
                if damaged.isEmpty { break }
            }
            if let output = try? Self.apply(damaged, to: old) {
                // Whatever applies must at least have the promised size; digests catch the rest.
                let header = try NativePatchHeader.read(from: InMemorySource(damaged))
                #expect(UInt64(output.count) == header.new.size, "round \(round) of seed 2026")
            }
        }
    }
}
