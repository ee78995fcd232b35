import DeltaCore
import Foundation
import Testing

/// The alternate-digest database's line format against GLEP 25's
/// `MD5 md5sum orig-file size MD5 md5sum [ optional new-name ] size`: lines written now carry
/// MD5 in both parts (the original's from the patch's record, since Manifests have none), so a
/// GLEP 25 reader that skips the other hash pairs finds exactly its line; lines written before,
/// with the Manifest's hashes only in the first part, are still read.
@Suite struct AlternateDigestFormatTests {
    static let originalBytes = Array("the tarball as upstream compressed it".utf8)
    static let rebuiltBytes = Array("the tarball as a rebuild compressed it".utf8)

    static func digests(_ bytes: [UInt8], _ algorithms: [DigestAlgorithm]) throws -> DigestSet {
        DigestSet(size: UInt64(bytes.count), digests: try algorithms.map { try DigestContext.digest($0, of: bytes) })
    }

    /// What a Manifest gives (BLAKE2B, SHA512), what `mkpatch` records in a patch for its
    /// target (MD5, BLAKE2B, SHA512, SHA256), and the rebuilt file's digests.
    static func inputs() throws -> (tree: DigestSet, recorded: DigestSet, rebuilt: DigestSet) {
        (
            try digests(originalBytes, [.blake2b, .sha512]),
            try digests(originalBytes, [.md5, .blake2b, .sha512, .sha256]),
            try digests(rebuiltBytes, DigestAlgorithm.allCases)
        )
    }

    /// The line GLEP 25 readers see: only the `MD5 <hex>` pairs kept of all hash pairs.
    static func glep25Projection(_ line: String) -> String {
        let hashNames: Set<Substring> = ["MD5", "SHA256", "SHA512", "BLAKE2B"]
        var kept = [Substring](), tokens = line.split(separator: " ")[...]
        while let token = tokens.popFirst() {
            if hashNames.contains(token), let value = tokens.popFirst() {
                if token == "MD5" { kept += [token, value] }
            } else {
                kept.append(token)
            }
        }
        return kept.joined(separator: " ")
    }

    static var glep25Line: Regex<AnyRegexOutput> {
        try! Regex(#"^MD5 ([0-9a-f]{32}) (\S+) ([0-9]+) MD5 ([0-9a-f]{32})( \S+)? ([0-9]+)$"#)
    }

    @Test func aNewLineCarriesMD5InBothPartsAndHoldsGLEP25sLine() throws {
        let (tree, recorded, rebuilt) = try Self.inputs()
        let original = AlternateDigestEntry.originalDigests(tree: tree, recorded: recorded)
        #expect(
            original.digests.keys.sorted() == DigestAlgorithm.allCases.sorted(), "the tree's hashes and the record's")
        let entry = AlternateDigestEntry(
            original: HashedPart(name: "foo-1.0.tar.gz", digests: original),
            alternate: HashedPart(name: nil, digests: rebuilt))
        #expect(entry.isGLEP25Line)
        let line = try entry.line()
        let projected = Self.glep25Projection(line)
        let match = try #require(projected.wholeMatch(of: Self.glep25Line), "\(projected)")
        let md5 = try DigestContext.digest(.md5, of: Self.originalBytes).hex
        #expect(String(match.output[1].substring ?? "") == md5)
        #expect(
            projected == "MD5 \(md5) foo-1.0.tar.gz \(Self.originalBytes.count) "
                + "MD5 \(try DigestContext.digest(.md5, of: Self.rebuiltBytes).hex) \(Self.rebuiltBytes.count)")
        // MD5 comes last in each part, right before the name or the size, as in patch lists.
        #expect(line.contains(" MD5 \(md5) foo-1.0.tar.gz "))
        #expect(try AlternateDigestEntry(line: Substring(line)) == entry)
    }

    @Test func aRecordThatDisagreesWithTheTreeAddsNothing() throws {
        let (tree, recorded, _) = try Self.inputs()
        var otherSize = recorded
        otherSize.size += 1
        #expect(AlternateDigestEntry.originalDigests(tree: tree, recorded: otherSize) == tree)
        let otherFile = try Self.digests(Self.rebuiltBytes, [.md5, .blake2b])
        #expect(AlternateDigestEntry.originalDigests(tree: tree, recorded: otherFile) == tree)
        // Nothing in common proves nothing.
        let md5Only = try Self.digests(Self.originalBytes, [.md5])
        #expect(AlternateDigestEntry.originalDigests(tree: tree, recorded: md5Only) == tree)
        #expect(AlternateDigestEntry.originalDigests(tree: tree, recorded: nil) == tree)
    }

    /// A line as deltafetch wrote it before MD5 was added to the first part: still an entry,
    /// rewritten unchanged, and found by the database; it is not a GLEP 25 line.
    @Test func anOldLineWithoutTheOriginalsMD5IsStillRead() throws {
        let (tree, _, rebuilt) = try Self.inputs()
        let old = AlternateDigestEntry(
            original: HashedPart(name: "foo-1.0.tar.gz", digests: tree),
            alternate: HashedPart(name: nil, digests: rebuilt))
        let line = try old.line()
        #expect(line.hasPrefix("BLAKE2B "))
        #expect(!line.components(separatedBy: " foo-1.0.tar.gz ")[0].contains("MD5"), "no MD5 in the first part")
        let parsed = try AlternateDigestEntry(line: Substring(line))
        #expect(parsed == old)
        #expect(!parsed.isGLEP25Line)
        #expect(try parsed.line() == line)
        #expect(Self.glep25Projection(line).wholeMatch(of: Self.glep25Line) == nil)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "alternate-format-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = AlternateDigestDatabase(distdir: directory.path)
        try FileManager.default.createDirectory(
            atPath: (database.path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try (line + "\n").write(toFile: database.path, atomically: true, encoding: .utf8)
        #expect(try database.alternates(for: "foo-1.0.tar.gz") == [old])
        // A new line for the same file is added beside it; both are read.
        let proof = try VerifiedContent(expected: rebuilt, actual: rebuilt, file: "foo-1.0.tar.gz")
        let (_, recorded, _) = try Self.inputs()
        let new = AlternateDigestEntry(
            original: HashedPart(
                name: "foo-1.0.tar.gz",
                digests: AlternateDigestEntry.originalDigests(tree: tree, recorded: recorded)),
            alternate: HashedPart(name: nil, digests: rebuilt))
        #expect(try database.add(new, verifiedBy: proof))
        #expect(try database.alternates(for: "foo-1.0.tar.gz") == [old, new])
    }
}
