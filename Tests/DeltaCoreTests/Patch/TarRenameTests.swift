import DeltaCore
import Testing

/// The tarRename feature: a renamed top directory (`pkg-1.0/` → `pkg-1.10/`) costs the patch
/// one header section instead of a residual for every shifted name byte.
@Suite struct TarRenameTests {
    static func header(rename: TarPathRename?, features: UInt64) throws -> NativePatchHeader {
        let digests = DigestSet(size: 0, digests: [try DigestContext.digest(.sha256, of: [])])
        var header = NativePatchHeader(
            old: digests, new: digests,
            streams: NativePatchStream.Kind.allCases.map {
                NativePatchStream(kind: $0, codec: .stored, dictionarySize: 0, rawLength: 0, codedLength: 0)
            })
        header.tarRename = rename
        header.requiredFeatures = features
        return header
    }

    /// Seeded random archives under a renamed top directory, with and without names the
    /// rename cannot express (one already under the old name, one too long to rename back):
    /// those must turn the feature off and still round-trip.
    @Test func renamedTopDirectoriesRoundTrip() throws {
        for seed in UInt64(1)...12 {
            var random = SeededGenerator(seed: seed)
            let short = "pkg-1.\(seed)", long = short + String(repeating: "0", count: Int(seed % 3) + 1)
            // Seeds 3, 7, 11 rename to a shorter name, the others to a longer one.
            let (oldTop, newTop) = seed % 4 == 3 ? (long, short) : (short, long)
            var files = (0..<Int.random(in: 1..<25, using: &random)).map { index in
                (
                    "\(oldTop)/d\(index % 4)/f\(index).txt",
                    random.compressibleBytes(count: Int.random(in: 0..<4000, using: &random))
                )
            }
            files.insert((oldTop + "/", []), at: 0)
            var changed = files.map { ($0.0.replacingOccurrences(of: oldTop, with: newTop), $0.1) }
            if changed.count > 2 { changed[2].1 += random.compressibleBytes(count: 200) }
            let expressible: Bool
            switch seed % 4 {
            case 1:
                changed.append(("\(oldTop)/stray.txt", [1, 2, 3]))  // already under the old name
                expressible = false
            case 2, 3:
                // A name filling all 100 bytes of the field: renamed back to a shorter old
                // name it fits (seed 2, 6, 10); to a longer one it does not (seed 3, 7, 11),
                // so that header goes as it is, with residuals, and the others are renamed.
                changed.append((newTop + "/" + String(repeating: "x", count: 99 - newTop.count), [4]))
                expressible = true
            default:
                expressible = true
            }
            let old = TarBuilder.archive(files, mtime: 1_600_000_000)
            let new = TarBuilder.archive(changed, mtime: 1_700_000_000)
            let patch = try NativeDiffer.makePatch(old: old, new: new, options: DiffOptions(threads: Int(seed % 2) + 1))
            let header = try NativePatchHeader.read(from: InMemorySource(patch))
            #expect(try NativePatchRoundTripTests.apply(patch, to: old) == new, "seed \(seed)")
            #expect((header.requiredFeatures & NativePatchHeader.tarRenameFeature != 0) == expressible, "seed \(seed)")
            #expect(
                header.tarRename
                    == (expressible ? TarPathRename(old: Array(oldTop.utf8), new: Array(newTop.utf8)) : nil),
                "seed \(seed)")
        }
    }

    /// The rename pays: a rename to a longer name costs about what a same-length one does
    /// (whose names do not shift), rather than a residual for every shifted name byte.
    @Test func renamingMakesSmallerPatchesThanShiftedNames() throws {
        var random = SeededGenerator(seed: 3)
        let files = (0..<200).map { ("pkg-2.0/src/module\($0)/file.py", random.compressibleBytes(count: 300)) }
        let old = TarBuilder.archive(files, mtime: 1_600_000_000)
        let renamed = TarBuilder.archive(
            files.map { ($0.0.replacingOccurrences(of: "pkg-2.0", with: "pkg-2.0.1"), $0.1) },
            mtime: 1_600_000_000)
        // The same length of rename is not detected, and costs as the shift would without it.
        let sameLength = TarBuilder.archive(
            files.map { ($0.0.replacingOccurrences(of: "pkg-2.0", with: "pkg-2.1"), $0.1) },
            mtime: 1_600_000_000)
        let withRename = try NativeDiffer.makePatch(old: old, new: renamed)
        let withoutRename = try NativeDiffer.makePatch(old: old, new: sameLength)
        #expect(try NativePatchHeader.read(from: InMemorySource(withRename)).tarRename != nil)
        #expect(try NativePatchHeader.read(from: InMemorySource(withoutRename)).tarRename == nil)
        #expect(try NativePatchRoundTripTests.apply(withRename, to: old) == renamed)
        print(
            "measured: 200 renamed headers cost \(withRename.count) bytes (same-length rename, no section: \(withoutRename.count))"
        )
        #expect(withRename.count < withoutRename.count + 40)
    }

    @Test func componentsMustBeValid() {
        #expect(TarPathRename(old: Array("a".utf8), new: Array("a".utf8)) == nil)
        #expect(TarPathRename(old: [], new: Array("a".utf8)) == nil)
        #expect(TarPathRename(old: Array("a/b".utf8), new: Array("a".utf8)) == nil)
        #expect(TarPathRename(old: [0x61, 0], new: Array("a".utf8)) == nil)
        #expect(TarPathRename(old: [UInt8](repeating: 0x61, count: 101), new: Array("a".utf8)) == nil)
        #expect(TarPathRename(old: Array("pkg-1.0".utf8), new: Array("pkg-1.10".utf8)) != nil)
    }

    @Test func renameSectionRoundTripsThroughTheHeader() throws {
        let rename = try #require(TarPathRename(old: Array("Django-5.0.7".utf8), new: Array("Django-5.1".utf8)))
        let header = try Self.header(rename: rename, features: NativePatchHeader.tarRenameFeature)
        let read = try NativePatchHeader.read(from: InMemorySource(header.serialized()))
        #expect(read.tarRename == rename && read.requiredFeatures == NativePatchHeader.tarRenameFeature)
    }

    /// The section and the feature bit come together: a reader that knew one without the other
    /// would make a different file.
    @Test func sectionAndFeatureBitMustAgree() throws {
        let rename = try #require(TarPathRename(old: Array("a-1".utf8), new: Array("a-10".utf8)))
        for (label, header) in [
            ("bit without section", try Self.header(rename: nil, features: NativePatchHeader.tarRenameFeature)),
            ("section without bit", try Self.header(rename: rename, features: 0)),
        ] {
            let error = #expect(throws: PatchFormatError.self, "\(label)") {
                try NativePatchHeader.read(from: InMemorySource(header.serialized()))
            }
            guard case .invalidField(let field, _)? = error else { continue }
            #expect(field.contains("rename section"), "\(label): \(field)")
        }
    }
}
