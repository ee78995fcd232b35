import DeltaCore
import Foundation
import Testing

/// Diff then apply, in memory: HDiffPatch's edge table first, then seeded random edits.
@Suite struct NativePatchRoundTripTests {
    /// Applies `patch` to `old` through the streaming applier and returns the output.
    static func apply(_ patch: [UInt8], to old: [UInt8]) throws -> [UInt8] {
        var output = [UInt8]()
        try NativePatchApplier.apply(base: InMemorySource(old), patch: InMemorySource(patch)) {
            output.append(contentsOf: $0)
        }
        return output
    }

    static func roundTrip(_ old: [UInt8], _ new: [UInt8], threads: Int = 1, _ comment: Comment) throws {
        let patch = try NativeDiffer.makePatch(old: old, new: new, options: DiffOptions(threads: threads))
        let output = try apply(patch, to: old)
        #expect(output == new, comment)
        let header = try NativePatchHeader.read(from: InMemorySource(patch))
        #expect(header.old.size == UInt64(old.count) && header.new.size == UInt64(new.count), comment)
        #expect(header.old[.sha256] == (try DigestContext.digest(.sha256, of: old)), comment)
        #expect(header.new[.sha256] == (try DigestContext.digest(.sha256, of: new)), comment)
    }

    @Test func edgeTable() throws {
        var random = SeededGenerator(seed: 7)
        let block = random.bytes(5000)
        let other = random.bytes(3000)
        let cases: [(String, [UInt8], [UInt8])] = [
            ("empty to empty", [], []),
            ("empty to one byte", [], [42]),
            ("one byte to empty", [42], []),
            ("one byte to another", [1], [2]),
            ("identical", block, block),
            ("disjoint", block, other),
            ("old empty", [], block),
            ("new empty", block, []),
            ("prefix removed", block, Array(block[100...])),
            ("suffix added", block, block + other),
            ("all zeros", [UInt8](repeating: 0, count: 10_000), [UInt8](repeating: 0, count: 12_345)),
        ]
        for (name, old, new) in cases { try Self.roundTrip(old, new, "\(name)") }
    }

    @Test func seededRandomEdits() throws {
        for seed in UInt64(1)...40 {
            var random = SeededGenerator(seed: seed)
            // Text-like data (a small alphabet) so that matches of every length occur.
            let old = random.bytes(Int.random(in: 0..<40_000, using: &random), alphabet: [4, 26, 256][Int(seed) % 3])
            var new = old
            for _ in 0..<Int.random(in: 0..<30, using: &random) {
                let at = new.isEmpty ? 0 : Int.random(in: 0..<new.count, using: &random)
                let length = Int.random(in: 0..<min(300, new.count - at + 1), using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: new.replaceSubrange(at..<at + length, with: random.bytes(length))
                case 1: new.removeSubrange(at..<at + length)
                case 2: new.insert(contentsOf: random.bytes(length), at: at)
                default:
                    // Move a block from elsewhere in the old file.
                    let from = old.isEmpty ? 0 : Int.random(in: 0..<old.count, using: &random)
                    new.insert(contentsOf: old[from..<min(old.count, from + length)], at: at)
                }
            }
            try Self.roundTrip(old, new, threads: Int(seed % 2) + 1, "seed \(seed)")
        }
    }

    @Test func twoThreadsSplitTheNewFileAndStillRoundTrip() throws {
        var random = SeededGenerator(seed: 99)
        let old = random.bytes(3 << 20, alphabet: 16)
        var new = old
        new.replaceSubrange(1_500_000..<1_600_000, with: random.bytes(50_000))
        try Self.roundTrip(old, new, threads: 2, "3 MiB, two threads")
    }

    @Test func tarArchivesRoundTripWithRecomputedChecksums() throws {
        var random = SeededGenerator(seed: 11)
        let files = (0..<30).map {
            ("pkg-1.0/file\($0).txt", random.bytes(Int.random(in: 0..<3000, using: &random), alphabet: 20))
        }
        let old = TarBuilder.archive(files, mtime: 1_600_000_000)
        var changed = files.map { ($0.0.replacingOccurrences(of: "1.0", with: "1.1"), $0.1) }
        changed[3].1 += random.bytes(100, alphabet: 20)
        changed.remove(at: 7)
        let new = TarBuilder.archive(changed, mtime: 1_700_000_000)
        let patch = try NativeDiffer.makePatch(old: old, new: new)
        let header = try NativePatchHeader.read(from: InMemorySource(patch))
        #expect(header.requiredFeatures & NativePatchHeader.tarChecksumsFeature != 0)
        #expect(try Self.apply(patch, to: old) == new)
        // A tar with a non-canonical checksum must not use the feature, and still round-trip.
        var odd = new
        odd[148] = UInt8(ascii: " ")  // " 01234\0 " style: leading space instead of a zero
        #expect(try Self.apply(try NativeDiffer.makePatch(old: old, new: odd), to: old) == odd)
        #expect(
            try NativePatchHeader.read(from: InMemorySource(try NativeDiffer.makePatch(old: old, new: odd)))
                .requiredFeatures & NativePatchHeader.tarChecksumsFeature == 0)
    }

    /// Small tar patches go solid (one LZMA2 stream for all four) with run-coded metadata
    /// residuals; large ones keep four streams but still run-code the metadata.
    @Test func solidAndRunCodedMetadataStreamsRoundTrip() throws {
        for seed in UInt64(1)...6 {
            var random = SeededGenerator(seed: seed)
            let large = seed > 4
            let fileSize = large ? 120_000 : 2_000
            let files = (0..<40).map {
                ("pkg/f\($0)", random.bytes(Int.random(in: 0..<fileSize, using: &random), alphabet: 20))
            }
            var changed = files
            for index in stride(from: 0, to: changed.count, by: large ? 2 : 3) {
                // Large pairs get new content (literals over the solid limit); small ones small edits.
                changed[index].1 =
                    large
                    ? random.bytes(changed[index].1.count, alphabet: 256)
                    : changed[index].1 + random.bytes(20, alphabet: 20)
            }
            let old = TarBuilder.archive(files, mtime: 1_600_000_000)
            let new = TarBuilder.archive(changed, mtime: 1_700_000_000 + Int(seed))
            let patch = try NativeDiffer.makePatch(old: old, new: new)
            let header = try NativePatchHeader.read(from: InMemorySource(patch))
            #expect(header.requiredFeatures & NativePatchHeader.metadataResidualRunsFeature != 0, "seed \(seed)")
            #expect((header.requiredFeatures & NativePatchHeader.solidStreamsFeature != 0) == !large, "seed \(seed)")
            #expect(try Self.apply(patch, to: old) == new, "seed \(seed)")
        }
    }

    /// A new file made of chunks of `old` taken from random places, as long as `old`, with a
    /// few random bytes between the chunks.
    static func shuffledChunks(
        of old: [UInt8], chunkLengths: Range<Int>, gapLengths: Range<Int>,
        using random: inout SeededGenerator
    ) -> [UInt8] {
        var new = [UInt8]()
        while new.count < old.count {
            let from = Int.random(in: 0..<old.count, using: &random)
            new += old[from..<min(old.count, from + Int.random(in: chunkLengths, using: &random))]
            new += random.bytes(Int.random(in: gapLengths, using: &random))
        }
        return new
    }

    /// Old files beyond a 32-bit suffix array are indexed in pieces; small pieces exercise the
    /// same path on small inputs: matches are found in every piece, and may cross from one
    /// piece to the next by extension.
    @Test func oldFileIndexedInManyPiecesRoundTrips() throws {
        for seed in UInt64(1)...8 {
            var random = SeededGenerator(seed: seed)
            let old = random.bytes(
                Int.random(in: 1000..<30_000, using: &random), alphabet: [4, 26, 256][Int(seed) % 3])
            let new = Self.shuffledChunks(of: old, chunkLengths: 50..<2000, gapLengths: 0..<5, using: &random)
            let piece = Int.random(in: 100..<3000, using: &random)
            let threads = Int(seed % 2) + 1
            let pieced = try NativeDiffer.makePatch(
                old: old, new: new, options: DiffOptions(threads: threads, maximumIndexPiece: piece))
            #expect(try Self.apply(pieced, to: old) == new, "seed \(seed), pieces of \(piece) bytes")
            let whole = try NativeDiffer.makePatch(old: old, new: new, options: DiffOptions(threads: threads))
            #expect(
                pieced.count <= whole.count + whole.count / 4 + 64,
                "seed \(seed): \(pieced.count) bytes in pieces of \(piece) against \(whole.count) whole")
        }
    }

    /// A sparse index (even old positions only) on small inputs: patches still apply, and cost
    /// little more than with every position indexed, since matches at odd old positions are
    /// found a byte on and stretched back, or found by the shifted search of a refined match.
    @Test func sparseIndexRoundTripsAndStaysSmall() throws {
        var sparseTotal = 0, denseTotal = 0
        for seed in UInt64(1)...16 {
            var random = SeededGenerator(seed: seed)
            let old = random.bytes(
                Int.random(in: 1000..<40_000, using: &random), alphabet: [4, 26, 256][Int(seed) % 3])
            // Chunks start at any old position, so half of them at odd ones.
            let new = Self.shuffledChunks(of: old, chunkLengths: 20..<3000, gapLengths: 0..<6, using: &random)
            let threads = Int(seed % 2) + 1
            let sparse = try NativeDiffer.makePatch(
                old: old, new: new, options: DiffOptions(threads: threads, sparseIndexMinimum: 0))
            #expect(try Self.apply(sparse, to: old) == new, "seed \(seed)")
            let dense = try NativeDiffer.makePatch(
                old: old, new: new, options: DiffOptions(threads: threads, sparseIndexMinimum: .max))
            #expect(try Self.apply(dense, to: old) == new, "seed \(seed)")
            sparseTotal += sparse.count
            denseTotal += dense.count
        }
        print("measured: sparse index \(sparseTotal) bytes of patches, dense \(denseTotal)")
        #expect(sparseTotal <= denseTotal + denseTotal / 20, "sparse \(sparseTotal) bytes against dense \(denseTotal)")
    }

    /// Copies from earlier in the new file: new material that appears twice is paid for once,
    /// because the literals stream's LZMA2 window (up to 48 MiB of literals) finds the second
    /// copy in the first, as an LZ tool would.
    @Test func newMaterialRepeatedInTheNewFileIsPaidForOnce() throws {
        var random = SeededGenerator(seed: 5)
        let old = random.bytes(100_000, alphabet: 26)
        let added = random.bytes(300_000)  // incompressible on its own
        let new = Array(old[..<50_000]) + added + Array(old[50_000...]) + added
        let patch = try NativeDiffer.makePatch(old: old, new: new)
        #expect(try Self.apply(patch, to: old) == new)
        print("measured: \(added.count) new bytes twice cost a \(patch.count)-byte patch")
        #expect(patch.count < added.count + added.count / 20)
    }

    @Test func metadataSectionsRoundTrip() throws {
        let target = DigestSet(
            size: 1234,
            digests: [
                try DigestContext.digest(.blake2b, of: [1, 2, 3]),
                try DigestContext.digest(.sha512, of: [4]),
            ])
        let metadata = PatchMetadata(recipe: Array("gzip -9n".utf8), targetCompressed: target)
        let patch = try NativeDiffer.makePatch(old: [1, 2, 3], new: [1, 2, 3, 4], metadata: metadata)
        let header = try NativePatchHeader.read(from: InMemorySource(patch))
        #expect(header.metadata == metadata)
        #expect(try Self.apply(patch, to: [1, 2, 3]) == [1, 2, 3, 4])
    }

    @Test func headerSerializationRoundTrips() throws {
        let old = DigestSet(size: 10, digests: [try DigestContext.digest(.sha256, of: [0])])
        let new = DigestSet(size: 1 << 40, digests: [try DigestContext.digest(.blake2b, of: [1])])
        let header = NativePatchHeader(
            old: old, new: new,
            streams: NativePatchStream.Kind.allCases.map {
                NativePatchStream(kind: $0, codec: .stored, dictionarySize: 0, rawLength: 0, codedLength: 0)
            }, metadata: PatchMetadata(recipe: [9, 9]))
        let read = try NativePatchHeader.read(from: InMemorySource(header.serialized()))
        #expect(
            read.old == old && read.new == new && read.metadata == header.metadata && read.streams == header.streams)
    }
}
