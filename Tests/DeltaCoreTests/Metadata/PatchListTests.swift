import DeltaCore
import Testing

@Suite struct PatchListTests {
    /// The example from GLEP 25 itself.
    static let kdelibs =
        "MD5 ccd5411b3558326cbce0306fcae32e26 http://dev.gentoo.org/~ferringb/patches/kdelibs-3.1.4-3.1.5.patch.bz2 75687 MD5 82c265de78d53c7060a09c5cb1a78942 kdelibs-3.1.4.tar.bz2 10537433 UMD5 0b1908a51e739c07ff5a88e189d2f7a9 kdelibs-3.1.5.tar.bz2 48056320"

    static let blake = String(repeating: "ab", count: 64)
    static let sha512 = String(repeating: "cd", count: 64)

    @Test func glepExampleParses() throws {
        let entry = try PatchListEntry(line: Substring(Self.kdelibs))
        #expect(entry.patchLocation == "http://dev.gentoo.org/~ferringb/patches/kdelibs-3.1.4-3.1.5.patch.bz2")
        #expect(entry.patch.size == 75687)
        #expect(entry.patch.digests[.md5]?.hex == "ccd5411b3558326cbce0306fcae32e26")
        #expect(entry.baseName == "kdelibs-3.1.4.tar.bz2")
        #expect(entry.base.size == 10537433)
        #expect(!entry.base.isUncompressed)
        #expect(entry.base.digests[.md5]?.hex == "82c265de78d53c7060a09c5cb1a78942")
        #expect(entry.targetName == "kdelibs-3.1.5.tar.bz2")
        #expect(entry.target.isUncompressed)
        #expect(entry.target.size == 48056320)
        #expect(entry.target.digests[.md5]?.hex == "0b1908a51e739c07ff5a88e189d2f7a9")
        #expect(entry.patchIsURL)
        #expect(entry.patchURLs(mirrors: ["http://m1"]) == [entry.patchLocation])
        // An MD5-only entry is written back as exactly the GLEP 25 line.
        #expect(try entry.line() == Self.kdelibs)
    }

    @Test func bareNamesResolveAgainstMirrors() throws {
        let line = Self.kdelibs.replacingOccurrences(
            of: "http://dev.gentoo.org/~ferringb/patches/kdelibs-3.1.4-3.1.5.patch.bz2",
            with: "kdelibs-3.1.4-3.1.5.patch.bz2")
        let entry = try PatchListEntry(line: Substring(line))
        #expect(!entry.patchIsURL)
        #expect(
            entry.patchURLs(mirrors: ["https://a.example/distfiles/", "https://b.example/d"]) == [
                "https://a.example/distfiles/kdelibs-3.1.4-3.1.5.patch.bz2",
                "https://b.example/d/kdelibs-3.1.4-3.1.5.patch.bz2",
            ])
    }

    @Test func multiHashLineParsesAndKeepsUnknownHashes() throws {
        let whirlpool = String(repeating: "ef", count: 64)
        let line =
            "BLAKE2B \(Self.blake) SHA512 \(Self.sha512) MD5 ccd5411b3558326cbce0306fcae32e26 p.patch 10 "
            + "WHIRLPOOL \(whirlpool) BLAKE2B \(Self.blake) b-1.tar.gz 20 "
            + "UBLAKE2B \(Self.blake) UMD5 0b1908a51e739c07ff5a88e189d2f7a9 b-2.tar.gz 30"
        let entry = try PatchListEntry(line: Substring(line))
        #expect(entry.patch.digests.digests.count == 3)
        #expect(entry.base.hashes.contains(.unknown(name: "WHIRLPOOL", value: whirlpool)))
        #expect(entry.base.digests.digests.keys.sorted() == [.blake2b])
        #expect(entry.target.digests[.blake2b]?.hex == Self.blake)
        #expect(entry.target.digests[.md5] != nil)
        // Written form: strongest first, unknown next, MD5 last right before the name.
        let written = try entry.line()
        #expect(
            written.hasPrefix(
                "BLAKE2B \(Self.blake) SHA512 \(Self.sha512) MD5 ccd5411b3558326cbce0306fcae32e26 p.patch 10 "))
        #expect(written.hasSuffix("UBLAKE2B \(Self.blake) UMD5 0b1908a51e739c07ff5a88e189d2f7a9 b-2.tar.gz 30"))
        #expect(try PatchListEntry(line: Substring(written)) == entry)
    }

    @Test func writerRoundTripsRandomEntries() throws {
        var rng = SeededGenerator(seed: 0x5eed_1234)
        for iteration in 0..<300 {
            let entry = try randomEntry(&rng)
            let line = try entry.line()
            let parsed = try PatchListEntry(line: Substring(line))
            #expect(parsed == entry, "iteration \(iteration), seed 0x5eed_1234: \(line)")
        }
        let list = PatchList(entries: try (0..<20).map { _ in try randomEntry(&rng) })
        let (reparsed, problems) = try PatchList.parse(try list.text(), path: "patches")
        #expect(problems.isEmpty)
        #expect(reparsed == list)
    }

    @Test func malformedLinesAreReportedSkippedOrFatal() throws {
        let text = """
            # a comment, then a blank line

            \(Self.kdelibs)
            MD5 ccd5411b3558326cbce0306fcae32e26 p.patch 12x MD5 82c265de78d53c7060a09c5cb1a78942 a 1 UMD5 0b1908a51e739c07ff5a88e189d2f7a9 b 2
              # indented comment
            MD5 ccd5411b3558326cbce0306fcae32e26 p.patch 12
            """
        let (list, problems) = try PatchList.parse(text, path: "patches")
        #expect(list.entries.count == 1)
        #expect(
            problems.map(\.description) == [
                "patches:4: size is not a number ('12x', patch)",
                "patches:6: line ends before the base file's hash",
            ])
        #expect(throws: FileError.self) { try PatchList.parse(text, path: "patches", options: .init(strict: true)) }
        do {
            _ = try PatchList.parse(text, path: "patches", options: .init(strict: true))
        } catch {
            #expect(error.line == 4)
            #expect(error.underlying as? MetadataError == .sizeNotANumber("12x", part: "patch"))
        }
    }

    @Test(arguments: [
        (
            "MD5 ccd5411b3558326cbce0306fcae32e26 p 1 MD5 82c265de78d53c7060a09c5cb1a78942 a 1 MD5 0b1908a51e739c07ff5a88e189d2f7a9 b 2",
            MetadataError.wrongHashKind("MD5", part: "new file", expectedUncompressed: true)
        ),
        (
            "UMD5 ccd5411b3558326cbce0306fcae32e26 p 1 MD5 82c265de78d53c7060a09c5cb1a78942 a 1 UMD5 0b1908a51e739c07ff5a88e189d2f7a9 b 2",
            .wrongHashKind("UMD5", part: "patch", expectedUncompressed: false)
        ),
        (
            "MD5 ccd5411b3558326cbce0306fcae32e2 p 1",
            .badDigest(.wrongLength(.md5, expected: 32, got: 31), part: "patch")
        ),
        (
            "MD5 zzd5411b3558326cbce0306fcae32e26 p 1",
            .badDigest(.notHex(.md5, "zzd5411b3558326cbce0306fcae32e26"), part: "patch")
        ),
        ("p.patch 1 MD5 ccd5411b3558326cbce0306fcae32e26", .expectedHashName(found: "p.patch", part: "patch")),
        (
            "MD5 ccd5411b3558326cbce0306fcae32e26 MD5 ccd5411b3558326cbce0306fcae32e26 p 1",
            .duplicateHash("MD5", part: "patch")
        ),
        (
            "FOO ccd5411b3558326cbce0306fcae32e26 p 1 MD5 82c265de78d53c7060a09c5cb1a78942 a 1 UMD5 0b1908a51e739c07ff5a88e189d2f7a9 b 2",
            .noKnownHash(part: "patch")
        ),
        ("MD5 ccd5411b3558326cbce0306fcae32e26 p", .missing("size", part: "patch")),
        ("MD5 ccd5411b3558326cbce0306fcae32e26", .missing("name", part: "patch")),
        (
            "MD5 ccd5411b3558326cbce0306fcae32e26 p 1 MD5 82c265de78d53c7060a09c5cb1a78942 a 1 UMD5 0b1908a51e739c07ff5a88e189d2f7a9 b 2 extra",
            .trailingTokens("extra")
        ),
        (
            "MD5 ccd5411b3558326cbce0306fcae32e26 p 99999999999999999999999 MD5 82c265de78d53c7060a09c5cb1a78942 a 1 UMD5 0b1908a51e739c07ff5a88e189d2f7a9 b 2",
            .sizeNotANumber("99999999999999999999999", part: "patch")
        ),
    ])
    func eachMalformedLineHasItsOwnError(line: String, expected: MetadataError) {
        #expect(throws: expected) { try PatchListEntry(line: Substring(line)) }
    }

    @Test func policyCanRefuseMD5Only() throws {
        let strong = HashPolicy(refusesMD5Only: true)
        #expect(throws: MetadataError.onlyMD5(part: "patch")) {
            try PatchListEntry(line: Substring(Self.kdelibs), policy: strong)
        }
        let line =
            "BLAKE2B \(Self.blake) p 1 SHA512 \(Self.sha512) MD5 82c265de78d53c7060a09c5cb1a78942 a 1 UBLAKE2B \(Self.blake) b 2"
        #expect(try PatchListEntry(line: Substring(line), policy: strong).targetName == "b")
    }

    @Test func writerRefusesNamesWithWhitespace() throws {
        var entry = try PatchListEntry(line: Substring(Self.kdelibs))
        entry.base.name = "two words.tar.gz"
        #expect(throws: MetadataError.invalidName("two words.tar.gz")) { try entry.line() }
    }

    @Test func hugeLinesAreRefused() {
        let line = Substring(String(repeating: "A", count: PatchList.maximumLineLength + 1))
        #expect(throws: MetadataError.lineTooLong(PatchList.maximumLineLength + 1)) { try PatchListEntry(line: line) }
    }

    private func randomEntry(_ rng: inout SeededGenerator) throws -> PatchListEntry {
        func part(_ name: String?, uncompressed: Bool) throws -> HashedPart {
            var hashes = [HashPair]()
            for algorithm in DigestAlgorithm.allCases where rng.next() % 2 == 0 || algorithm == .md5 && hashes.isEmpty {
                hashes.append(
                    .known(
                        try Digest(
                            algorithm: algorithm,
                            bytes: (0..<algorithm.byteCount).map { _ in UInt8(truncatingIfNeeded: rng.next()) })))
            }
            if hashes.isEmpty {
                hashes.append(.known(try Digest(algorithm: .blake2b, bytes: [UInt8](repeating: 7, count: 64))))
            }
            if rng.next() % 4 == 0 {
                hashes.append(.unknown(name: "RMD160", value: String(repeating: "0a", count: 20)))
            }
            return HashedPart(
                name: name, size: rng.next() >> (rng.next() % 64), isUncompressed: uncompressed, hashes: hashes)
        }
        let patchName =
            rng.next() % 2 == 0 ? "https://example.org/p/\(rng.next()).patch" : "pkg-\(rng.next() % 100).patch.xz"
        return PatchListEntry(
            patch: try part(patchName, uncompressed: false),
            base: try part("pkg-\(rng.next() % 100).tar.gz", uncompressed: false),
            target: try part("pkg-\(rng.next() % 100).tar.bz2", uncompressed: true))
    }
}
