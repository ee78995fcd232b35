import Foundation
import Testing

/// A distdir and metadata built from the real six tarballs, with digests from `mkpatch inspect`.
struct PlanFixture {
    let root: URL
    var distdir: String { root.appendingPathComponent("distdir").path }
    var patches: String { root.appendingPathComponent("patches").path }
    var manifest: String { root.appendingPathComponent("Manifest").path }

    struct Inspection {
        var size: Int
        var digests: [String: String]
        var contentSize: Int
        var contentDigests: [String: String]
    }

    static func inspect(_ path: String) throws -> Inspection {
        let result = try Binaries.run("mkpatch", ["inspect", path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let content = try #require(object["uncompressed"] as? [String: Any])
        return Inspection(
            size: try #require(object["size"] as? Int), digests: try #require(object["digests"] as? [String: String]),
            contentSize: try #require(content["size"] as? Int),
            contentDigests: try #require(content["digests"] as? [String: String]))
    }

    /// six-1.16.0 on disk; patches 1.16.0 → 1.16.5 (an intermediate that exists only by name)
    /// → 1.17.0, and a direct but larger 1.16.0 → 1.17.0; a Manifest for 1.17.0.
    init(extraLines: [String] = []) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            atPath: root.appendingPathComponent("distdir").path, withIntermediateDirectories: true)
        let old = Binaries.testdata("six-1.16.0.tar.gz"), new = Binaries.testdata("six-1.17.0.tar.gz")
        try FileManager.default.copyItem(atPath: old, toPath: distdir + "/six-1.16.0.tar.gz")
        let base = try Self.inspect(old), target = try Self.inspect(new)
        let fake = String(repeating: "0", count: 32)
        let lines =
            [
                "# six, as mkpatch would list it",
                "MD5 \(fake) six-1.16.0-1.16.5.patch.xz 900 BLAKE2B \(base.digests["BLAKE2B"]!) MD5 \(base.digests["MD5"]!) six-1.16.0.tar.gz \(base.size) UMD5 \(fake) six-1.16.5.tar.gz 100000",
                "MD5 \(fake) https://patches.example/six-1.16.5-1.17.0.patch.xz 1100 MD5 \(fake) six-1.16.5.tar.gz 30000 UBLAKE2B \(target.contentDigests["BLAKE2B"]!) UMD5 \(target.contentDigests["MD5"]!) six-1.17.0.tar.gz \(target.contentSize)",
                "MD5 \(fake) six-1.16.0-1.17.0.patch.xz 2500 MD5 \(base.digests["MD5"]!) six-1.16.0.tar.gz \(base.size) UMD5 \(target.contentDigests["MD5"]!) six-1.17.0.tar.gz \(target.contentSize)",
            ] + extraLines
        try (lines.joined(separator: "\n") + "\n").write(toFile: patches, atomically: true, encoding: .utf8)
        let manifestText =
            "DIST six-1.17.0.tar.gz \(target.size) BLAKE2B \(target.digests["BLAKE2B"]!) SHA512 \(target.digests["SHA512"]!)\n"
            + "DIST small-1.tar.gz 1500 BLAKE2B \(String(repeating: "a", count: 128))\n"
        try manifestText.write(toFile: manifest, atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    func plan(_ file: String, _ extra: [String] = []) throws -> Binaries.Result {
        try Binaries.run(
            "deltafetch", ["plan", file, "--distdir", distdir, "--patches", patches, "--manifest", manifest] + extra)
    }
}

@Suite struct PlanCommandTests {
    @Test func jsonShowsTheCheapestChainThroughAnIntermediate() throws {
        let fixture = try PlanFixture()
        defer { fixture.remove() }
        let result = try fixture.plan("six-1.17.0.tar.gz", ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["target"] as? String == "six-1.17.0.tar.gz")
        #expect(object["worth_it"] as? Bool == true)
        #expect(object["full_size"] as? Int == 34031)
        #expect(object["patch_bytes"] as? Int == 2000)
        #expect(object["base"] as? String == "six-1.16.0.tar.gz")
        let chain = try #require(object["chain"] as? [[String: Any]])
        #expect(chain.count == 2)
        #expect(
            chain.map { $0["patch"] as? String } == [
                "six-1.16.0-1.16.5.patch.xz", "https://patches.example/six-1.16.5-1.17.0.patch.xz",
            ])
        #expect(chain.map { $0["size"] as? Int } == [900, 1100])
        #expect(chain.map { $0["yields"] as? String } == ["six-1.16.5.tar.gz", "six-1.17.0.tar.gz"])
    }

    @Test func textNamesBaseEachPatchAndTheDecision() throws {
        let fixture = try PlanFixture()
        defer { fixture.remove() }
        let result = try fixture.plan("six-1.17.0.tar.gz")
        #expect(result.status == 0)
        #expect(
            result.stdout == """
                target: six-1.17.0.tar.gz (34031 bytes)
                base: six-1.16.0.tar.gz
                patch: six-1.16.0-1.16.5.patch.xz (900 bytes) -> six-1.16.5.tar.gz
                patch: https://patches.example/six-1.16.5-1.17.0.patch.xz (1100 bytes) -> six-1.17.0.tar.gz
                patch bytes: 2000 of 34031 (5.9%)
                decision: worth it: 2000 patch bytes instead of 34031

                """)
    }

    @Test func notWorthItAndUnreachableStillExitZero() throws {
        let fixture = try PlanFixture()
        defer { fixture.remove() }
        let strict = try fixture.plan("six-1.17.0.tar.gz", ["--json", "--worth-it-ratio", "0.05"])
        #expect(strict.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(strict.stdout.utf8)) as? [String: Any])
        #expect(object["worth_it"] as? Bool == false)
        #expect((object["chain"] as? [Any])?.count == 2)

        let none = try fixture.plan("small-1.tar.gz", ["--json"])
        #expect(none.status == 0)
        let noneObject = try #require(try JSONSerialization.jsonObject(with: Data(none.stdout.utf8)) as? [String: Any])
        #expect(noneObject["worth_it"] as? Bool == false)
        #expect(noneObject["base"] is NSNull)
        #expect((noneObject["chain"] as? [Any])?.isEmpty == true)
        #expect(noneObject["patch_bytes"] as? Int == 0)
        #expect(noneObject["reason"] as? String == "no patch in the lists yields small-1.tar.gz")

        try FileManager.default.copyItem(
            atPath: Binaries.testdata("six-1.17.0.tar.gz"), toPath: fixture.distdir + "/six-1.17.0.tar.gz")
        let present = try fixture.plan("six-1.17.0.tar.gz")
        #expect(present.status == 0)
        #expect(
            present.stdout.hasSuffix(
                "decision: six-1.17.0.tar.gz is already in the distdir and verified; nothing to fetch\n"))
    }

    @Test func preferTimeDownloadsOnAFastLink() throws {
        let fixture = try PlanFixture()
        defer { fixture.remove() }
        let fast = try fixture.plan("six-1.17.0.tar.gz", ["--json", "--prefer", "time", "--bandwidth", "1G"])
        #expect(fast.status == 0, "\(fast.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(fast.stdout.utf8)) as? [String: Any])
        #expect(object["worth_it"] as? Bool == false)
        let slow = try fixture.plan("six-1.17.0.tar.gz", ["--json", "--prefer", "time", "--bandwidth", "2k"])
        let slowObject = try #require(try JSONSerialization.jsonObject(with: Data(slow.stdout.utf8)) as? [String: Any])
        #expect(slowObject["worth_it"] as? Bool == true)
        // Without --bandwidth: the measured link, else the built-in figure, and the JSON says which.
        let builtIn = try fixture.plan("six-1.17.0.tar.gz", ["--json", "--prefer", "time"])
        #expect(builtIn.status == 0, "\(builtIn.stderr)")
        let builtInObject = try #require(
            try JSONSerialization.jsonObject(with: Data(builtIn.stdout.utf8)) as? [String: Any])
        #expect(builtInObject["basis"] as? String == "link built-in, rebuild built-in")
        #expect(object["basis"] as? String == "link given, rebuild built-in")
    }

    @Test func malformedLinesAreWarnedOrFatalWithStrict() throws {
        let fixture = try PlanFixture(extraLines: ["MD5 \(String(repeating: "1", count: 32)) p.patch 12x"])
        defer { fixture.remove() }
        let lenient = try fixture.plan("six-1.17.0.tar.gz")
        #expect(lenient.status == 0)
        #expect(lenient.stderr == "warning: \(fixture.patches):5: size is not a number ('12x', patch)\n")
        // Bad lists and settings are usage errors (64), for plan as for fetch.
        let strict = try fixture.plan("six-1.17.0.tar.gz", ["--strict"])
        #expect(strict.status == 64)
        #expect(strict.stdout.isEmpty)
        #expect(strict.stderr.contains("\(fixture.patches):5: size is not a number"))
    }

    /// Missing files and bad lists are usage errors (64), for plan as for fetch.
    @Test func errorsSayWhatIsMissing() throws {
        let fixture = try PlanFixture()
        defer { fixture.remove() }
        let noEntry = try fixture.plan("other-1.tar.gz")
        #expect(noEntry.status == 64)
        #expect(noEntry.stderr.contains("no DIST entry for other-1.tar.gz"))
        let noList = try Binaries.run(
            "deltafetch",
            [
                "plan", "six-1.17.0.tar.gz", "--distdir", fixture.distdir,
                "--patches", fixture.root.appendingPathComponent("nope").path, "--manifest", fixture.manifest,
            ])
        #expect(noList.status == 64)
        #expect(noList.stderr.contains("nope"))
        let noDistdir = try Binaries.run(
            "deltafetch",
            [
                "plan", "six-1.17.0.tar.gz", "--distdir", "/nonexistent/d", "--patches", fixture.patches,
                "--manifest", fixture.manifest,
            ])
        #expect(noDistdir.status == 64)
        #expect(noDistdir.stderr.contains("/nonexistent/d"))
        let noManifest = try Binaries.run("deltafetch", ["plan", "six-1.17.0.tar.gz", "--distdir", fixture.distdir])
        #expect(noManifest.status != 0)
        #expect(noManifest.stderr.contains("--manifest"))
        let strong = try fixture.plan("six-1.17.0.tar.gz", ["--require-strong-hashes", "--strict"])
        #expect(strong.status == 64)
        #expect(strong.stderr.contains("only MD5"))
    }

    @Test func portageTreeListsAreFound() throws {
        let fixture = try PlanFixture()
        defer { fixture.remove() }
        // tree/profiles/patches.global holds the first two lines; tree/dev-python/six/patches is empty.
        let tree = fixture.root.appendingPathComponent("tree")
        let package = tree.appendingPathComponent("dev-python/six")
        try FileManager.default.createDirectory(
            at: tree.appendingPathComponent("profiles"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: package, withIntermediateDirectories: true)
        let lines = try String(contentsOfFile: fixture.patches, encoding: .utf8).split(separator: "\n")
        try (lines[1...2].joined(separator: "\n") + "\n").write(
            to: tree.appendingPathComponent("profiles/patches.global"), atomically: true, encoding: .utf8)
        try "# none yet\n".write(to: package.appendingPathComponent("patches"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: fixture.manifest, toPath: package.appendingPathComponent("Manifest").path)
        let result = try Binaries.run(
            "deltafetch",
            ["plan", "six-1.17.0.tar.gz", "--distdir", fixture.distdir, "--package-dir", package.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["patch_bytes"] as? Int == 2000)
    }

    /// A rebuilt file whose compressed bytes differ is recorded after its content is verified,
    /// then serves as a base through the database; `clean` drops it once the file is gone.
    @Test func recordedAlternatesServeAsBasesUntilCleaned() throws {
        let fixture = try PlanFixture()
        defer { fixture.remove() }
        // "Rebuild" 1.17.0 with other gzip settings: same content, other compressed bytes.
        let rebuilt = fixture.distdir + "/six-1.17.0.tar.gz"
        let shell = "gzip -dc '\(Binaries.testdata("six-1.17.0.tar.gz"))' | gzip -1 -n > '\(rebuilt)'"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", shell]
        try process.run()
        process.waitUntilExit()
        let record = try Binaries.run(
            "deltafetch",
            [
                "record-alternate", "six-1.17.0.tar.gz", "--distdir", fixture.distdir,
                "--patches", fixture.patches, "--manifest", fixture.manifest,
            ])
        #expect(record.status == 0, "\(record.stderr)")
        #expect(record.stdout.contains("alternate digests recorded"))
        let database = fixture.distdir + "/.deltafetch/alternate-digests"
        #expect(try String(contentsOfFile: database, encoding: .utf8).split(separator: "\n").count == 1)

        // A patch from the Manifest's 1.17.0 to 1.18.0 can now start from the rebuilt file.
        let target = try PlanFixture.inspect(Binaries.testdata("six-1.17.0.tar.gz"))
        let line =
            "MD5 \(String(repeating: "2", count: 32)) six-1.17.0-1.18.0.patch 700 BLAKE2B \(target.digests["BLAKE2B"]!) six-1.17.0.tar.gz \(target.size) UMD5 \(String(repeating: "3", count: 32)) six-1.18.0.tar.gz 200000"
        try (line + "\n").write(
            toFile: fixture.root.appendingPathComponent("more").path, atomically: true, encoding: .utf8)
        try "DIST six-1.18.0.tar.gz 40000 BLAKE2B \(String(repeating: "b", count: 128))\n".write(
            toFile: fixture.manifest, atomically: true, encoding: .utf8)
        let plan = try Binaries.run(
            "deltafetch",
            [
                "plan", "six-1.18.0.tar.gz", "--distdir", fixture.distdir, "--patches",
                fixture.root.appendingPathComponent("more").path, "--manifest", fixture.manifest, "--json",
            ])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        #expect(object["base"] as? String == "six-1.17.0.tar.gz", "\(plan.stderr)")
        #expect(object["worth_it"] as? Bool == true)

        // Content that does not match the list is refused.
        try Data("not six".utf8).write(to: URL(fileURLWithPath: rebuilt))
        let refused = try Binaries.run(
            "deltafetch",
            [
                "record-alternate", "six-1.17.0.tar.gz", "--distdir", fixture.distdir,
                "--patches", fixture.patches, "--manifest", fixture.root.appendingPathComponent("Manifest").path,
            ])
        #expect(refused.status == 1)

        try FileManager.default.removeItem(atPath: rebuilt)
        let clean = try Binaries.run("deltafetch", ["clean", "--distdir", fixture.distdir])
        #expect(clean.status == 0)
        #expect(
            clean.stdout == "alternate digests: kept 0, removed 1 (file gone), discarded 0 (malformed or duplicate)\n")
        #expect(try String(contentsOfFile: database, encoding: .utf8).isEmpty)
    }
}
