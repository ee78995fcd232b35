import DeltaCore
import Testing

@Suite struct ManifestTests {
    static let blake = String(repeating: "ab", count: 64)
    static let sha512 = String(repeating: "cd", count: 64)

    @Test func distLinesAreReadAndOtherKindsIgnored() throws {
        let text = """
            -----BEGIN PGP SIGNED MESSAGE-----
            Hash: SHA512

            AUX fix.patch 123 BLAKE2B \(Self.blake) SHA512 \(Self.sha512)
            DIST six-1.17.0.tar.gz 34031 BLAKE2B \(Self.blake) SHA512 \(Self.sha512)
            - DIST dashed-1.0.tar.xz 7 BLAKE2B \(Self.blake)
            EBUILD six-1.17.0.ebuild 1000 BLAKE2B \(Self.blake) SHA512 \(Self.sha512)
            DIST bad.tar.gz 12 BLAKE2B
            DIST bad2.tar.gz twelve BLAKE2B \(Self.blake)
            DIST six-1.17.0.tar.gz 1 BLAKE2B \(Self.blake)
            -----BEGIN PGP SIGNATURE-----
            DIST notreal 1 BLAKE2B \(Self.blake)
            -----END PGP SIGNATURE-----
            """
        let (manifest, problems) = try Manifest.parse(text, path: "Manifest")
        #expect(manifest.entries.keys.sorted() == ["dashed-1.0.tar.xz", "six-1.17.0.tar.gz"])
        let six = try #require(manifest["six-1.17.0.tar.gz"])
        #expect(six.digests.size == 34031)
        #expect(six.digests[.blake2b]?.hex == Self.blake)
        #expect(six.digests[.sha512]?.hex == Self.sha512)
        #expect(
            problems.map(\.description) == [
                "Manifest:8: line ends before the distfile bad.tar.gz's hash value",
                "Manifest:9: size is not a number ('twelve', distfile bad2.tar.gz)",
                "Manifest:10: DIST six-1.17.0.tar.gz given twice (the first is used)",
            ])
        #expect(throws: FileError.self) { try Manifest.parse(text, path: "Manifest", options: .init(strict: true)) }
    }

    @Test func realManifestDigestsMatchTheFile() throws {
        // A DIST line for a real file, built from our digests and cross-checked against sha512sum.
        let path = TestPaths.testdata("six-1.17.0.tar.gz")
        let inspection = try FileInspector.inspect(path: path)
        let line =
            "DIST six-1.17.0.tar.gz \(inspection.compressed.size) BLAKE2B \(inspection.compressed[.blake2b]!.hex) SHA512 \(inspection.compressed[.sha512]!.hex)"
        let (manifest, _) = try Manifest.parse(line, path: "Manifest", options: .init(strict: true))
        #expect(manifest["six-1.17.0.tar.gz"]?.digests.matches(inspection.compressed) == true)
        let sha = try Tools.run("sha512sum", [path])
        #expect(String(decoding: sha.stdout, as: UTF8.self).hasPrefix(inspection.compressed[.sha512]!.hex))
    }

    @Test func unreadableFilesNameThePath() {
        #expect(throws: FileSystemError.self) { try Manifest.load(path: "/nonexistent/Manifest") }
        #expect(throws: FileSystemError.self) { try PatchList.load(path: "/nonexistent/patches") }
    }
}
