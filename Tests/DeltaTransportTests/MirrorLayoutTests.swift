import DeltaCore
import DeltaTransport
import Testing

/// GLEP 75 paths and `layout.conf` parsing. The expected directories were computed with
/// Python's hashlib (`hashlib.blake2b(name.encode()).hexdigest()`, `hashlib.sha512(…)`), and
/// the first two match paths served by Gentoo's real mirrors (`distfiles/80/which-2.23.tar.gz`,
/// `distfiles/28/psmisc-23.7.tar.xz`).
@Suite struct MirrorLayoutTests {
    static let blake2bVectors: [(name: String, eightBits: String, fourThenEight: String, sixteen: String)] = [
        ("which-2.23.tar.gz", "80", "8/00", "800b"),
        ("psmisc-23.7.tar.xz", "28", "2/81", "2819"),
        ("six-1.16.0.tar.gz", "38", "3/89", "3894"),
        ("six-1.17.0.tar.gz", "1c", "1/c4", "1c48"),
        ("gnu-efi_3.0.15.orig.tar.bz2", "27", "2/7f", "27f4"),
        ("asm_9.3.orig.tar.xz", "1d", "1/d0", "1d03"),
        ("ünïcode-1.0.tar.gz", "92", "9/25", "925c"),
    ]

    @Test func filenameHashPathsMatchPythonHashlib() {
        for vector in Self.blake2bVectors {
            #expect(
                MirrorStructure.filenameHash(algorithm: .blake2b, cutoffs: [8]).relativePath(for: vector.name)
                    == "\(vector.eightBits)/\(vector.name)")
            #expect(
                MirrorStructure.filenameHash(algorithm: .blake2b, cutoffs: [4, 8]).relativePath(for: vector.name)
                    == "\(vector.fourThenEight)/\(vector.name)")
            #expect(
                MirrorStructure.filenameHash(algorithm: .blake2b, cutoffs: [16]).relativePath(for: vector.name)
                    == "\(vector.sixteen)/\(vector.name)")
        }
        #expect(
            MirrorStructure.filenameHash(algorithm: .sha512, cutoffs: [12]).relativePath(for: "which-2.23.tar.gz")
                == "95c/which-2.23.tar.gz")
        #expect(MirrorStructure.flat.relativePath(for: "which-2.23.tar.gz") == "which-2.23.tar.gz")
    }

    @Test func gentooLayoutConfPrefersHashAndKeepsFlatFallback() throws {
        let layout = try MirrorLayout(parsing: "[structure]\n0=filename-hash BLAKE2B 8\n1=flat\n")
        #expect(layout.structures == [.filenameHash(algorithm: .blake2b, cutoffs: [8]), .flat])
        #expect(layout.relativePath(for: "which-2.23.tar.gz") == "80/which-2.23.tar.gz")
        #expect(layout == MirrorLayout([.filenameHash(algorithm: .blake2b, cutoffs: [8]), .flat]))
    }

    @Test func keyFileSyntaxIsRead() throws {
        let text = """
            # comment\r
            [other]\r
            0 = flat\r
            [structure]\r
              0 =  filename-hash BLAKE2B 4:8  \r
            ; another comment\r
            1=flat\r
            """
        let layout = try MirrorLayout(parsing: text)
        #expect(layout.structures == [.filenameHash(algorithm: .blake2b, cutoffs: [4, 8]), .flat])
    }

    @Test func unsupportedStructuresAreSkippedInOrder() throws {
        let text = """
            [structure]
            0=content-hash SHA512 8
            1=filename-hash blake2b 8
            2=filename-hash BLAKE2B 6
            3=filename-hash BLAKE2B 8:x
            4=filename-hash WHIRLPOOL 8
            5=filename-hash SHA512 12:4
            7=flat
            """
        // 5 is the first supported; 7 is past the gap after 5 and is not read.
        let layout = try MirrorLayout(parsing: text)
        #expect(layout.structures == [.filenameHash(algorithm: .sha512, cutoffs: [12, 4])])
    }

    @Test func missingOrEmptySectionMeansFlat() throws {
        #expect(try MirrorLayout(parsing: "") == .flat)
        #expect(try MirrorLayout(parsing: "[structure]\n0=something-new X\n") == .flat)
        #expect(try MirrorLayout(parsing: "[structure]\n1=filename-hash BLAKE2B 8\n") == .flat)
        #expect(MirrorStructure(definition: "filename-hash BLAKE2B 516") == nil)
        #expect(MirrorStructure(definition: "filename-hash BLAKE2B 0") == nil)
        #expect(MirrorStructure(definition: "flat x") == nil)
    }

    @Test func malformedLinesNameTheLine() {
        #expect(throws: TransportError.invalidLayout(url: "m/layout.conf", line: 2, reason: "expected 'key = value'")) {
            try MirrorLayout(parsing: "[structure]\n0 filename-hash BLAKE2B 8\n", source: "m/layout.conf")
        }
        #expect(
            throws: TransportError.invalidLayout(url: "layout.conf", line: 1, reason: "unterminated section header")
        ) {
            try MirrorLayout(parsing: "[structure\n")
        }
    }

    @Test func mirrorURLs() throws {
        let mirror = try Mirror("https://example.org/distfiles/")
        #expect(
            mirror.url(for: "a b+c.tar.gz", structure: .flat).absoluteString
                == "https://example.org/distfiles/a%20b+c.tar.gz")
        #expect(
            mirror.url(for: "which-2.23.tar.gz", structure: .filenameHash(algorithm: .blake2b, cutoffs: [8]))
                .absoluteString
                == "https://example.org/distfiles/80/which-2.23.tar.gz")
        #expect(mirror.layoutURL.absoluteString == "https://example.org/distfiles/layout.conf")
        #expect(
            try Mirror(directory: "/srv/mirror").url(for: "x.tar", structure: .flat).absoluteString
                == "file:///srv/mirror/x.tar")
        #expect(try Mirror("file:///srv/m").isLocal)
    }

    @Test func badMirrorsAndNamesAreRejected() {
        #expect(
            throws: TransportError.invalidMirror(
                "ftp://example.org/x", reason: "unsupported scheme 'ftp' (use http, https or file)")
        ) {
            try Mirror("ftp://example.org/x")
        }
        #expect(throws: TransportError.self) { try Mirror("http:///nohost") }
        #expect(throws: TransportError.self) { try Mirror("https://example.org/d?x=1") }
        #expect(throws: TransportError.self) { try Mirror("file://otherhost/srv") }
        for name in ["", ".", "..", "a/b", "../etc/passwd", "a\u{0}b"] {
            #expect(throws: TransportError.invalidFileName(name)) { try FileName.validate(name) }
        }
        #expect(throws: Never.self) { try FileName.validate("..hidden-but-fine.tar.gz") }
    }
}
