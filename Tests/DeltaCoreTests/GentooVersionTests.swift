import DeltaCore
import Foundation
import Testing

@Suite struct GentooVersionTests {
    /// Every ordered pair of 53 versions, compared by Portage 3.0.83's own `vercmp`
    /// (testdata/versions/make-golden.py writes the table).
    @Test func agreesWithPortageOnEveryPair() throws {
        let table = try String(contentsOfFile: TestPaths.testdata("versions/portage-vercmp.tsv"), encoding: .utf8)
        var checked = 0
        for line in table.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t")
            let a = try #require(GentooVersion(fields[0]), "\(fields[0]) should parse")
            let b = try #require(GentooVersion(fields[1]), "\(fields[1]) should parse")
            #expect(GentooVersion.compare(a, b) == Int(fields[2]), "vercmp(\(fields[0]), \(fields[1]))")
            checked += 1
        }
        #expect(checked == 53 * 53)
    }

    @Test func issueExamplesOrder() throws {
        let ordered = ["1.2_alpha", "1.2_beta", "1.2_pre", "1.2_rc1", "1.2", "1.2-r1", "1.2_p1", "1.2.1", "1.10"]
        let parsed = try ordered.map { try #require(GentooVersion($0)) }
        #expect(parsed == parsed.sorted())
        #expect(parsed.shuffled().sorted().map(\.description) == ordered)
    }

    @Test func strictSyntaxRejectsJunk() {
        for bad in ["", "a1", "1.", "1..2", "1.2_gamma", "1.2-r", "1.2-rc1", "1.2ab", "1.2 ", "v1.2"] {
            #expect(GentooVersion(bad) == nil, "'\(bad)' should not parse")
        }
    }

    @Test func upstreamSpellingsMapOntoPMS() throws {
        let cases = [
            ("1.0rc1", "1.0_rc1"), ("1.0-rc1", "1.0_rc1"), ("1.0.rc1", "1.0_rc1"), ("5.0a1", "5.0_alpha1"),
            ("5.0b2", "5.0_beta2"), ("5.0c3", "5.0_rc3"), ("2.1-beta", "2.1_beta"), ("1.2.post1", "1.2_p1"),
            ("1.2-pl3", "1.2_p3"), ("1.2.dev4", "1.2_pre4"), ("3.0.15+dfsg", "3.0.15"), ("1.2b", "1.2b"),
            ("4.0.0-alpha.2", "4.0.0_alpha2"),
        ]
        for (upstream, pms) in cases {
            #expect(GentooVersion(upstream: upstream)?.description == pms, "\(upstream)")
        }
        #expect(GentooVersion(upstream: "1.0~git") == nil)
        #expect(GentooVersion(upstream: "latest") == nil)
    }

    @Test func distfileNamesSplit() throws {
        let cases: [(String, String, String, String)] = [
            ("Django-5.0.6.tar.gz", "Django", "5.0.6", ".tar.gz"),
            ("gnu-efi_3.0.15.orig.tar.bz2", "gnu-efi", "3.0.15", ".orig.tar.bz2"),
            ("asm_9.3.orig.tar.xz", "asm", "9.3", ".orig.tar.xz"),
            ("python-dateutil-2.8.2.tar.gz", "python-dateutil", "2.8.2", ".tar.gz"),
            ("kdelibs-3.1.4.tar.bz2", "kdelibs", "3.1.4", ".tar.bz2"),
            ("x264-0.164_p20220602.tar.xz", "x264", "0.164_p20220602", ".tar.xz"),
            ("foo2zjs-1.0rc1.tgz", "foo2zjs", "1.0rc1", ".tgz"),
        ]
        for (file, package, version, suffix) in cases {
            let name = try #require(DistfileName(file), "\(file)")
            #expect(
                name.package == package && name.versionText == version && name.suffix == suffix, "\(file) → \(name)")
        }
        #expect(DistfileName("README") == nil)
        #expect(DistfileName("noversion.tar.gz") == nil)
        #expect(DistfileName("Django-5.0.6.tar.gz")?.seriesKey == DistfileName("django-5.1.tar.gz")?.seriesKey)
        #expect(DistfileName("Django-5.0.6.tar.gz")?.seriesKey != DistfileName("Django-5.1.tar.xz")?.seriesKey)
    }
}
