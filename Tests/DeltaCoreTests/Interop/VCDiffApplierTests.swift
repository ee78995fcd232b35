import DeltaCore
import Foundation
import Testing

/// VCDIFF patches written by xdelta3 3.0.11 (testdata/patches/), hand-made ones for what
/// xdelta3 rarely writes, and hostile ones.
@Suite struct VCDiffApplierTests {
    static func apply(_ base: RandomAccessSource, _ patch: RandomAccessSource, _ sink: ChunkSink) throws -> UInt64 {
        try VCDiffApplier.apply(base: base, patch: patch, into: sink)
    }

    @Test(arguments: ["text", "binary", "identical", "one-byte", "empty-old", "empty-new"])
    func appliesGoldenVector(name: String) throws {
        let output = try InteropVectors.apply(
            try InteropVectors.bytes("\(name).vcdiff"),
            to: try InteropVectors.bytes("\(name).old"), with: Self.apply)
        #expect(output == (try InteropVectors.bytes("\(name).new")), "\(name).vcdiff made different bytes")
    }

    /// The real release pair: LZMA-compressed sections (xdelta3's default), several windows
    /// (`-W 65536`), and no secondary compression (`-S none`).
    @Test(arguments: ["six.vcdiff", "six-windows.vcdiff", "six-plain.vcdiff"])
    func appliesSixReleasePatch(name: String) throws {
        let old = try InteropVectors.sixTar("1.16.0")
        let new = try InteropVectors.sixTar("1.17.0")
        let output = try InteropVectors.apply(try InteropVectors.bytes(name), to: old, with: Self.apply)
        #expect(output.count == new.count)
        #expect(output == new, "\(name) did not rebuild six-1.17.0.tar")
    }

    @Test func refusesPatchesOfExternallyCompressedFilesUnlessAllowed() throws {
        let patch = try InteropVectors.bytes("six-gzipped.vcdiff")
        let compressedBase = try InteropVectors.bytes("../six-1.16.0.tar.gz")
        #expect(throws: VCDiffError.externallyCompressed(target: "gzip", source: "gzip")) {
            try VCDiffApplier.apply(base: InMemorySource(compressedBase), patch: InMemorySource(patch)) { _ in }
        }
        var output = [UInt8]()
        try VCDiffApplier.apply(
            base: InMemorySource(try InteropVectors.sixTar("1.16.0")), patch: InMemorySource(patch),
            allowingExternalCompression: true
        ) { output += $0 }
        #expect(output == (try InteropVectors.sixTar("1.17.0")), "the decompressed target differs")
    }

    @Test func detectsAndDispatchesForeignFormats() throws {
        for (name, format) in [("text.bsdiff", ForeignPatchFormat.bsdiff40), ("text.vcdiff", .vcdiff)] {
            let patch = try InteropVectors.bytes(name)
            #expect(ForeignPatchFormat.detect(patch) == format)
            var output = [UInt8]()
            try ForeignPatchApplier.apply(
                format, base: InMemorySource(try InteropVectors.bytes("text.old")),
                patch: InMemorySource(patch)
            ) { output += $0 }
            #expect(output == (try InteropVectors.bytes("text.new")), "\(name) through ForeignPatchApplier")
        }
        #expect(ForeignPatchFormat.detect(Array("\u{89}DFPATCH".utf8)) == nil)
    }

    @Test func overlappingTargetCopyRepeatsWhatItWrites() throws {
        // ADD "ab" (code 3), then COPY 5 bytes (code 21: mode VCD_SELF, size 5) from target
        // address 0: the copy overlaps its own output, giving "abababa".
        let window: [UInt8] = [0x00, 0x0A, 0x07, 0x00, 0x02, 0x02, 0x01] + Array("ab".utf8) + [0x03, 21] + [0x00]
        let patch: [UInt8] = [0xD6, 0xC3, 0xC4, 0x00, 0x00] + window
        let output = try InteropVectors.apply(patch, to: [], with: Self.apply)
        #expect(output == Array("abababa".utf8))
    }

    @Test func limitsRefuseLargeWindowsBeforeAllocating() throws {
        let patch = try InteropVectors.bytes("six.vcdiff")
        let old = try InteropVectors.sixTar("1.16.0")
        #expect {
            try VCDiffApplier.apply(
                base: InMemorySource(old), patch: InMemorySource(patch),
                limits: VCDiffLimits(maximumWindowSize: 1 << 16)
            ) { _ in }
        } throws: { error in
            if case .windowTooLarge(174_080, 65536, _) = error as? VCDiffError { true } else { false }
        }
    }

    /// Golden errors: each file must fail with exactly the named error.
    static let errorCases: [(String, @Sendable (VCDiffError) -> Bool)] = [
        ("vcdiff-copy-past-source.patch", { if case .copyPastSource(0, 20, 13, 0, 5) = $0 { true } else { false } }),
        ("vcdiff-copy-address-ahead.patch", { if case .addressOutOfRange(5, 0, 0, 5) = $0 { true } else { false } }),
        (
            "vcdiff-source-past-base.patch",
            { if case .sourceSegmentPastBase(8, 10, 13, 5) = $0 { true } else { false } }
        ),
        ("vcdiff-add-past-data.patch", { if case .sectionUnderflow(.data, 0, 5) = $0 { true } else { false } }),
        (
            "vcdiff-window-length-mismatch.patch",
            { if case .windowLengthMismatch(8, 4, 0, 5) = $0 { true } else { false } }
        ),
        ("vcdiff-target-overflow.patch", { $0 == .targetOverflow(window: 0, offset: 5) }),
        ("vcdiff-bad-adler32.patch", { if case .checksumMismatch(0x1234_5678, _, 0, 5) = $0 { true } else { false } }),
        (
            "vcdiff-window-too-large.patch",
            { if case .windowTooLarge(1 << 30, 16 << 20, 5) = $0 { true } else { false } }
        ),
        ("vcdiff-bad-magic.patch", { $0 == .badMagic }),
        ("vcdiff-secondary-djw.patch", { $0 == .unsupportedSecondaryCompressor(id: 1, offset: 5) }),
        ("vcdiff-custom-code-table.patch", { if case .unsupportedCodeTable = $0 { true } else { false } }),
        ("vcdiff-target-window.patch", { $0 == .unsupportedTargetCopyWindow(offset: 5) }),
        ("vcdiff-varint-overflow.patch", { $0 == .invalidInteger(offset: 6) }),
        ("vcdiff-truncated-window.patch", { if case .truncated = $0 { true } else { false } }),
        (
            "vcdiff-encoding-length-mismatch.patch",
            { $0 == .encodingLengthMismatch(declared: 9, actual: 10, offset: 5) }
        ),
    ]

    @Test(arguments: errorCases.map(\.0))
    func rejectsGoldenError(name: String) throws {
        let matches = try #require(Self.errorCases.first { $0.0 == name }?.1)
        let patch = try InteropVectors.bytes("errors/\(name)")
        do {
            try VCDiffApplier.apply(base: InMemorySource(Array("hello, world\n".utf8)), patch: InMemorySource(patch)) {
                _ in
            }
            Issue.record("\(name) was accepted")
        } catch let error as VCDiffError {
            #expect(matches(error), "\(name) failed with another error: \(error)")
            #expect(!error.description.isEmpty)
        }
    }

    @Test func everyTruncationOfARealPatchFailsCleanly() throws {
        // Cut the multi-window LZMA patch at every length: each prefix must fail with a
        // VCDiffError (or, cut exactly between windows, make a prefix of the target).
        let patch = try InteropVectors.bytes("six-windows.vcdiff")
        let old = try InteropVectors.sixTar("1.16.0")
        let new = try InteropVectors.sixTar("1.17.0")
        let base = InMemorySource(old)
        for length in stride(from: 0, to: patch.count, by: 7) {
            var output = [UInt8]()
            do {
                try VCDiffApplier.apply(base: base, patch: InMemorySource(Array(patch.prefix(length)))) { output += $0 }
                #expect(
                    new.starts(with: output), "a \(length)-byte prefix made bytes that are not a prefix of the target")
            } catch is VCDiffError {
            }
        }
    }
}
