import DeltaCore
import Foundation
import Testing

/// BSDIFF40 patches written by Debian's bsdiff 4.3 (testdata/patches/), and hostile ones.
@Suite struct BSDiff40ApplierTests {
    static func apply(_ base: RandomAccessSource, _ patch: RandomAccessSource, _ sink: ChunkSink) throws -> UInt64 {
        try BSDiff40Applier.apply(base: base, patch: patch, into: sink)
    }

    @Test(arguments: ["text", "binary", "identical", "one-byte", "empty-new"])
    func appliesGoldenVector(name: String) throws {
        let output = try InteropVectors.apply(
            try InteropVectors.bytes("\(name).bsdiff"),
            to: try InteropVectors.bytes("\(name).old"), with: Self.apply)
        #expect(output == (try InteropVectors.bytes("\(name).new")), "\(name).bsdiff made different bytes")
    }

    @Test func appliesSixReleasePatchFromFiles() throws {
        let old = try InteropVectors.sixTar("1.16.0")
        let new = try InteropVectors.sixTar("1.17.0")
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let basePath = directory.appendingPathComponent("six-1.16.0.tar").path
        try Data(old).write(to: URL(fileURLWithPath: basePath))
        let output = try InteropVectors.applyFiles(
            patch: TestPaths.testdata("patches/six.bsdiff"), base: basePath, with: Self.apply)
        #expect(output.count == new.count)
        #expect(output == new, "six.bsdiff did not rebuild six-1.17.0.tar")
    }

    @Test func readsHeader() throws {
        let header = try BSDiff40Header.read(from: InMemorySource(try InteropVectors.bytes("six.bsdiff")))
        #expect(header.newSize == 174_080)
        #expect(header.controlLength > 0 && header.diffLength > 0)
    }

    @Test func outOfRangeOldBytesReadAsZeroLikeBspatch() throws {
        // A hand-made patch whose diff string starts 2 bytes before the old file and runs
        // 2 bytes past it: bspatch adds nothing there, so the diff bytes come out as they are.
        let old: [UInt8] = [10, 20, 30]
        let diffBytes: [UInt8] = [1, 1, 1, 1, 1, 1, 1]
        let patch = try Self.handMadePatch(triples: [(7, 0, 0)], diff: diffBytes, newSize: 7, seekFirst: -2)
        let output = try InteropVectors.apply(patch, to: old, with: Self.apply)
        #expect(output == [1, 1, 11, 21, 31, 1, 1])
    }

    /// Golden errors: each file must fail with exactly the named error.
    static let errorCases: [(String, @Sendable (BSDiff40Error) -> Bool)] = [
        (
            "bsdiff-ctrl-negative-length.patch",
            { if case .negativeLength(.diff, -5, 0, _) = $0 { true } else { false } }
        ),
        (
            "bsdiff-CVE-2014-9862-negative-extra.patch",
            { if case .negativeLength(.extra, -16, 0, _) = $0 { true } else { false } }
        ),
        (
            "bsdiff-CVE-2014-9862-overflow.patch",
            { if case .lengthPastNewSize(.diff, _, 0, 13, 0, _) = $0 { true } else { false } }
        ),
        (
            "bsdiff-diff-past-new-size.patch",
            { if case .lengthPastNewSize(.diff, 14, 0, 13, 0, _) = $0 { true } else { false } }
        ),
        ("bsdiff-seek-overflow.patch", { if case .oldPositionOverflow(0, _) = $0 { true } else { false } }),
        (
            "bsdiff-negative-new-size.patch",
            { if case .negativeHeaderField("new size", -1, 24) = $0 { true } else { false } }
        ),
        ("bsdiff-blocks-past-end.patch", { if case .blocksPastEnd = $0 { true } else { false } }),
        ("bsdiff-truncated-diff.patch", { if case .truncatedBlock(.diff, _) = $0 { true } else { false } }),
        ("bsdiff-stalled-control.patch", { if case .stalledControl = $0 { true } else { false } }),
        ("bsdiff-corrupt-bzip2.patch", { if case .corruptBlock(.control, _, _) = $0 { true } else { false } }),
        ("bsdiff-truncated-header.patch", { if case .truncatedHeader(16) = $0 { true } else { false } }),
    ]

    @Test(arguments: errorCases.map(\.0))
    func rejectsGoldenError(name: String) throws {
        let matches = try #require(Self.errorCases.first { $0.0 == name }?.1)
        let patch = try InteropVectors.bytes("errors/\(name)")
        let base = Array("hello, world\n".utf8)
        var written = 0
        do {
            try BSDiff40Applier.apply(base: InMemorySource(base), patch: InMemorySource(patch)) { written += $0.count }
            Issue.record("\(name) was accepted")
        } catch let error as BSDiff40Error {
            #expect(matches(error), "\(name) failed with another error: \(error)")
            #expect(!error.description.isEmpty)
        }
    }

    @Test func rejectsOtherMagic() throws {
        #expect(throws: BSDiff40Error.badMagic) {
            try BSDiff40Applier.apply(
                base: InMemorySource([]),
                patch: InMemorySource(Array("BSDIFF41".utf8) + [UInt8](repeating: 0, count: 24))
            ) { _ in }
        }
    }

    /// A BSDIFF40 patch from raw triples, compressed with our Bzip2Encoder.
    static func handMadePatch(
        triples: [(Int64, Int64, Int64)], diff: [UInt8], extra: [UInt8] = [], newSize: Int64,
        seekFirst: Int64 = 0
    ) throws -> [UInt8] {
        var control = [UInt8]()
        if seekFirst != 0 { control += offtout(0) + offtout(0) + offtout(seekFirst) }
        for (x, y, z) in triples { control += offtout(x) + offtout(y) + offtout(z) }
        let blocks = try [control, diff, extra].map { try Bzip2Encoder().transform($0) }
        return Array("BSDIFF40".utf8) + offtout(Int64(blocks[0].count)) + offtout(Int64(blocks[1].count))
            + offtout(newSize)
            + blocks[0] + blocks[1] + blocks[2]
    }

    static func offtout(_ value: Int64) -> [UInt8] {
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: value.magnitude >> (8 * UInt64($0))) }
        if value < 0 { bytes[7] |= 0x80 }
        return bytes
    }
}
