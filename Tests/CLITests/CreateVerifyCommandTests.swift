import Foundation
import Testing

/// `mkpatch create`, `verify` and `rebuild` as a maintainer and a client run them.
@Suite struct CreateVerifyCommandTests {
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("create-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func corpusFile(_ name: String) -> String? {
        let root = ProcessInfo.processInfo.environment["DELTA_CORPUS"] ?? (NSHomeDirectory() + "/.cache/delta-corpus")
        let path = root + "/" + name
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    @discardableResult
    static func mkpatch(_ arguments: [String], expect status: Int32 = 0) throws -> Binaries.Result {
        let result = try Binaries.run("mkpatch", arguments)
        #expect(result.status == status, "mkpatch \(arguments.joined(separator: " ")): \(result.stderr)")
        return result
    }

    @Test func createPublishesAVerifiedPatchAndRebuildIsBitExact() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let list = work.appendingPathComponent("patches").path
        let old = Binaries.testdata("six-1.16.0.tar.gz"), new = Binaries.testdata("six-1.17.0.tar.gz")
        let created = try Self.mkpatch(["create", old, new, "-o", work.path, "--list", list, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        #expect(report["reproducible"] as? Bool == true)
        #expect(report["list_changed"] as? Bool == true)
        let patch = work.appendingPathComponent("six-1.16.0-1.17.0.tar.gz.patch").path
        #expect(report["patch"] as? String == patch)
        #expect((report["size"] as? Int ?? .max) < 2000, "a small upgrade makes a small patch")

        // Nothing but the patch, the list and its hidden lock is left in the output directory.
        let names = try FileManager.default.contentsOfDirectory(atPath: work.path).sorted()
        #expect(names == [".patches.lock", "patches", "six-1.16.0-1.17.0.tar.gz.patch"])

        try Self.mkpatch(["verify", list, "--distdir", Binaries.testdata("")])
        let rebuilt = work.appendingPathComponent("six-1.17.0.tar.gz").path
        try Self.mkpatch(["rebuild", old, patch, "-o", rebuilt])
        #expect(FileManager.default.contentsEqual(atPath: rebuilt, andPath: new))
    }

    @Test func rerunningCreateKeepsOneLinePerPair() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let list = work.appendingPathComponent("patches").path
        // A maintainer's comment, a line this version cannot parse, and a stale line for the pair.
        let stale =
            "MD5 00000000000000000000000000000000 old.patch 1 MD5 00000000000000000000000000000000 six-1.16.0.tar.gz 1 UMD5 00000000000000000000000000000000 six-1.17.0.tar.gz 1"
        try "# six patches, maintained by hand\n\(stale)\nFUTURE-FORMAT line we do not know\n".write(
            toFile: list, atomically: true, encoding: .utf8)
        let arguments = [
            "create", Binaries.testdata("six-1.16.0.tar.gz"), Binaries.testdata("six-1.17.0.tar.gz"),
            "-o", work.path, "--list", list, "--json",
        ]
        try Self.mkpatch(arguments)
        let first = try String(contentsOfFile: list, encoding: .utf8)
        let second = try Self.mkpatch(arguments)
        #expect(second.stdout.contains("\"list_changed\":false"))
        #expect(try String(contentsOfFile: list, encoding: .utf8) == first, "idempotent")
        let lines = first.split(separator: "\n")
        #expect(lines.first == "# six patches, maintained by hand")
        #expect(lines.contains("FUTURE-FORMAT line we do not know"), "unknown lines are kept")
        #expect(!first.contains("old.patch"), "the stale line for the pair is replaced")
        #expect(lines.filter { $0.contains("six-1.16.0-1.17.0.tar.gz.patch") }.count == 1)
    }

    @Test func listsStayReadableByAPlainGLEP25Parser() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        for (hashes, listName) in [("MD5", "md5-only"), ("MD5,BLAKE2B,SHA512", "strong")] {
            let list = work.appendingPathComponent(listName).path
            try Self.mkpatch([
                "create", Binaries.testdata("six-1.16.0.tar.gz"), Binaries.testdata("six-1.17.0.tar.gz"),
                "-o", work.path, "--list", list, "--hashes", hashes,
            ])
            let line = try #require(try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n").first)
            let tokens = line.split(separator: " ").map(String.init)
            if hashes == "MD5" {
                // GLEP 25's fixed twelve tokens.
                #expect(tokens.count == 12)
                #expect(tokens[0] == "MD5" && tokens[4] == "MD5" && tokens[8] == "UMD5")
                #expect(tokens[6] == "six-1.16.0.tar.gz" && tokens[10] == "six-1.17.0.tar.gz")
            }
            // A reader that scans for the MD5 quads (hash, value, name, size) finds all three.
            let quads = tokens.indices.filter { (tokens[$0] == "MD5" || tokens[$0] == "UMD5") && $0 + 3 < tokens.count }
                .map { (tokens[$0], tokens[$0 + 2], UInt64(tokens[$0 + 3])) }
            #expect(quads.map(\.0) == ["MD5", "MD5", "UMD5"], "\(listName)")
            #expect(quads.map(\.1) == ["six-1.16.0-1.17.0.tar.gz.patch", "six-1.16.0.tar.gz", "six-1.17.0.tar.gz"])
            #expect(quads.allSatisfy { $0.2 != nil })
        }
    }

    @Test func aTargetNoRecipeRebuildsIsStillPublishedWithAWarning() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        // A deflate stream padded with empty stored blocks to over twice its content: no
        // recipe reproduces it, and deflate reconstruction refuses a stream that large.
        let target = work.appendingPathComponent("six-1.17.0.tar.gz").path
        let made = Process()
        made.executableURL = URL(fileURLWithPath: "/bin/sh")
        made.arguments = [
            "-c",
            "gzip -dc '\(Binaries.testdata("six-1.17.0.tar.gz"))' | python3 '\(Binaries.testdata("producers/padded-deflate.py"))' > '\(target)'",
        ]
        try made.run()
        made.waitUntilExit()
        let out = work.appendingPathComponent("out").path
        let list = out + "/patches"
        let result = try Self.mkpatch([
            "create", Binaries.testdata("six-1.16.0.tar.gz"), target, "-o", out, "--list", list,
        ])
        #expect(result.stderr.contains("warning"), "\(result.stderr)")
        #expect(result.stdout.contains("reproducible: no"))
        #expect(FileManager.default.fileExists(atPath: out + "/six-1.16.0-1.17.0.tar.gz.patch"))
        try Self.mkpatch(["verify", list, "--distdir", Binaries.testdata("")])
        let rebuild = try Self.mkpatch(
            [
                "rebuild", Binaries.testdata("six-1.16.0.tar.gz"), out + "/six-1.16.0-1.17.0.tar.gz.patch",
                "-o", out + "/rebuilt.tar.gz",
            ], expect: 1)
        #expect(rebuild.stderr.contains("no recompression recipe"))
        #expect(!FileManager.default.fileExists(atPath: out + "/rebuilt.tar.gz"))
    }

    @Test func verifyCatchesCorruptTruncatedAndWrongBases() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let list = work.appendingPathComponent("patches").path
        try Self.mkpatch([
            "create", Binaries.testdata("six-1.16.0.tar.gz"), Binaries.testdata("six-1.17.0.tar.gz"),
            "-o", work.path, "--list", list,
        ])
        let patch = work.appendingPathComponent("six-1.16.0-1.17.0.tar.gz.patch")
        let good = try Data(contentsOf: patch)

        var corrupt = good
        corrupt[corrupt.count / 2] ^= 0x40
        try corrupt.write(to: patch)
        var result = try Self.mkpatch(["verify", list, "--distdir", Binaries.testdata("")], expect: 1)
        #expect(result.stderr.contains("\(list):1: patch"), "\(result.stderr)")
        #expect(result.stderr.contains("BLAKE2B is"), "the first digest that differs is named")

        try good.prefix(good.count - 100).write(to: patch)
        result = try Self.mkpatch(["verify", list, "--distdir", Binaries.testdata("")], expect: 1)
        #expect(result.stderr.contains("size is \(good.count - 100), the list says \(good.count)"))

        // The right patch, but a distdir whose six-1.16.0.tar.gz is another file.
        try good.write(to: patch)
        let wrongDistdir = work.appendingPathComponent("distdir")
        try FileManager.default.createDirectory(at: wrongDistdir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Binaries.testdata("six-1.17.0.tar.gz"),
            toPath: wrongDistdir.appendingPathComponent("six-1.16.0.tar.gz").path)
        result = try Self.mkpatch(["verify", list, "--distdir", wrongDistdir.path], expect: 1)
        #expect(result.stderr.contains("\(list):1: base"), "\(result.stderr)")

        // A corrupt patch whose list line was "fixed" to match it still fails when applied.
        try FileManager.default.removeItem(at: wrongDistdir)
        result = try Self.mkpatch(
            ["verify", list, "--distdir", work.appendingPathComponent("nowhere").path], expect: 1)
        #expect(result.stderr.contains("not found"))
    }

    /// `profiles/patches.global` and a package's `patches` checked together: the same line
    /// twice is a duplicate, a line that disagrees about the content is a contradiction; each
    /// names both lines and fails the check. Each list alone still passes.
    @Test func verifyReportsDuplicatesAndContradictionsAcrossLists() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let list = work.appendingPathComponent("patches").path
        try Self.mkpatch([
            "create", Binaries.testdata("six-1.16.0.tar.gz"), Binaries.testdata("six-1.17.0.tar.gz"),
            "-o", work.path, "--list", list,
        ])
        let line = try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n")[0]
        let global = work.appendingPathComponent("patches.global").path
        try "# the tree's list\n\(line)\n".write(toFile: global, atomically: true, encoding: .utf8)
        var result = try Self.mkpatch(["verify", global, list, "--distdir", Binaries.testdata("")], expect: 1)
        #expect(result.stderr.contains("\(list):1: duplicate of \(global):2"), "\(result.stderr)")
        #expect(result.stdout.contains("1 duplicates, 0 contradictions"), "\(result.stdout)")

        // The content's size altered in the global list: a contradiction, and the package's
        // line (equally strong, read later) is the one used.
        let tokens = line.split(separator: " ")
        let altered = (tokens.dropLast() + ["\(UInt64(tokens.last!)! + 1)"]).joined(separator: " ")
        try "# the tree's list\n\(altered)\n".write(toFile: global, atomically: true, encoding: .utf8)
        result = try Self.mkpatch(["verify", global, list, "--distdir", Binaries.testdata("")], expect: 1)
        #expect(result.stderr.contains("\(global):2 contradicts \(list):1 about the new file"), "\(result.stderr)")
        #expect(result.stdout.contains("0 duplicates, 1 contradictions"), "\(result.stdout)")
        try Self.mkpatch(["verify", list, "--distdir", Binaries.testdata("")])
    }

    /// GLEP 25's chains: 5.0.6 → 5.0.7 → 5.1, made one pair at a time, rebuilt in one go.
    @Test(.enabled(if: corpusFile("Django-5.1.tar.gz") != nil, "needs the corpus (DELTA_CORPUS)"))
    func chainOfThreeRealVersions() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let versions = ["5.0.6", "5.0.7", "5.1"].map { Self.corpusFile("Django-\($0).tar.gz")! }
        let list = work.appendingPathComponent("patches").path
        for (old, new) in zip(versions, versions.dropFirst()) {
            let result = try Self.mkpatch(["create", old, new, "-o", work.path, "--list", list])
            #expect(result.stdout.contains("reproducible: yes"), "\(result.stdout)")
        }
        let listed = try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n")
        #expect(listed.count == 2)
        try Self.mkpatch(["verify", list, "--distdir", (versions[0] as NSString).deletingLastPathComponent])
        let rebuilt = work.appendingPathComponent("Django-5.1.tar.gz").path
        try Self.mkpatch([
            "rebuild", versions[0], work.appendingPathComponent("Django-5.0.6-5.0.7.tar.gz.patch").path,
            work.appendingPathComponent("Django-5.0.7-5.1.tar.gz.patch").path, "-o", rebuilt,
        ])
        #expect(FileManager.default.contentsEqual(atPath: rebuilt, andPath: versions[2]))
    }
}
