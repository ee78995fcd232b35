import Foundation
import Testing

/// `mkpatch batch`, `index` and `prune` as a mirror's scripts run them: output, exit codes, and
/// the messages for bad input.
@Suite struct BatchCommandTests {
    /// A scratch folder with `dist/` holding six 1.16.0 and 1.17.0 (PyPI) and three versions of
    /// a made-up `toy` package whose tarballs differ by a line.
    struct Mirror {
        var root: URL
        var dist: String { root.appendingPathComponent("dist").path }
        var out: String { root.appendingPathComponent("out").path }
        var list: String { out + "/patches" }
        func path(_ name: String) -> String { root.appendingPathComponent(name).path }
    }

    static func mirror(toyVersions: [String] = ["1.0", "1.0.1", "1.2"]) throws -> Mirror {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("batch-\(UUID().uuidString)")
        let mirror = Mirror(root: root)
        try FileManager.default.createDirectory(atPath: mirror.dist, withIntermediateDirectories: true)
        for name in ["six-1.16.0.tar.gz", "six-1.17.0.tar.gz"] {
            try FileManager.default.copyItem(atPath: Binaries.testdata(name), toPath: mirror.dist + "/" + name)
        }
        for version in toyVersions { try makeTarball(in: mirror, name: "toy-\(version)", lines: 20000) }
        return mirror
    }

    /// `dist/NAME.tar.gz` with one text file of `lines` numbers and a line naming it, compressed
    /// by `compressor`.
    static func makeTarball(in mirror: Mirror, name: String, lines: Int, compressor: String = "gzip -n") throws {
        let source = mirror.root.appendingPathComponent("src/\(name)")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let text = (1...lines).map(String.init).joined(separator: "\n") + "\n\(name)\n"
        try text.write(to: source.appendingPathComponent("data.txt"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "tar -C \"$1\" -cf - \"$2\" | \(compressor) > \"$3\"", "sh",
            source.deletingLastPathComponent().path, name, "\(mirror.dist)/\(name).tar.gz",
        ]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "tar | \(compressor) for \(name)")
    }

    @discardableResult
    static func mkpatch(_ arguments: [String], expect status: Int32 = 0) throws -> Binaries.Result {
        let result = try Binaries.run("mkpatch", arguments)
        #expect(result.status == status, "mkpatch \(arguments.joined(separator: " ")): \(result.stderr)")
        return result
    }

    /// The list's lines as `base target`, sorted.
    static func listedPairs(_ list: String) throws -> [String] {
        try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
            line in
            let words = line.split(separator: " ")
            // Each part ends `name size`; the base part is the second, the target the third.
            let names = words.indices.filter {
                $0 + 1 < words.count && UInt64(words[$0 + 1]) != nil && !words[$0].allSatisfy(\.isHexDigit)
            }
            return names.dropFirst().map { String(words[$0]) }.joined(separator: " ")
        }.sorted()
    }

    static let consecutive = [
        "six-1.16.0.tar.gz six-1.17.0.tar.gz", "toy-1.0.1.tar.gz toy-1.2.tar.gz", "toy-1.0.tar.gz toy-1.0.1.tar.gz",
    ]

    @Test func batchPrintsProgressAndTheSpaceSummaryAndResumes() throws {
        let mirror = try Self.mirror()
        defer { try? FileManager.default.removeItem(at: mirror.root) }
        let first = try Self.mkpatch(["batch", mirror.dist, "-o", mirror.out, "--skip-one"])
        #expect(first.stdout.contains("4 made, 0 already done, 0 dropped, 0 failed in "), "\(first.stdout)")
        #expect(first.stdout.contains("space: "), "the summary of space: \(first.stdout)")
        let progress = first.stderr.split(separator: "\n")
        #expect(progress.count == 4, "one line per job: \(first.stderr)")
        #expect(progress.contains { $0.hasPrefix("[") && $0.contains("/4] made six-1.16.0-1.17.0.tar.gz.patch (") })
        #expect(try Self.listedPairs(mirror.list) == (Self.consecutive + ["toy-1.0.tar.gz toy-1.2.tar.gz"]).sorted())
        try Self.mkpatch(["verify", mirror.list, "--distdir", mirror.dist])

        // The summary's numbers are the patches' and the targets' sizes.
        let again = try Self.mkpatch(["batch", mirror.dist, "-o", mirror.out, "--skip-one", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        #expect(report["created"] as? Int == 0 && report["already_done"] as? Int == 4, "\(again.stdout)")
        let patches = try FileManager.default.contentsOfDirectory(atPath: mirror.out).filter { $0.hasSuffix(".patch") }
        let patchBytes = try patches.reduce(0) {
            $0 + (try FileManager.default.attributesOfItem(atPath: mirror.out + "/" + $1)[.size] as! Int)
        }
        #expect(report["patch_bytes"] as? Int == patchBytes)
        let targets = ["six-1.17.0", "toy-1.0.1", "toy-1.2", "toy-1.2"].map { mirror.dist + "/\($0).tar.gz" }
        let fullBytes = try targets.reduce(0) {
            $0 + (try FileManager.default.attributesOfItem(atPath: $1)[.size] as! Int)
        }
        #expect(report["full_bytes"] as? Int == fullBytes)
        #expect(again.stderr.split(separator: "\n").allSatisfy { $0.contains("already done") }, "\(again.stderr)")
    }

    @Test func maxRatioDropsPatchesThatAreNotWorthTheirLine() throws {
        let mirror = try Self.mirror()
        defer { try? FileManager.default.removeItem(at: mirror.root) }
        // Every patch here is over 1% of its target (six's is about 4%), none over 70%.
        let strict = try Self.mkpatch(["batch", mirror.dist, "-o", mirror.out, "--max-ratio", "0.0001", "--jobs", "1"])
        #expect(strict.stdout.hasPrefix("0 made, 0 already done, 3 dropped, 0 failed"), "\(strict.stdout)")
        #expect(strict.stderr.contains("dropped six-1.16.0-1.17.0.tar.gz.patch ("), "\(strict.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: mirror.out).filter { $0.hasSuffix(".patch") }.isEmpty)
        let listed = FileManager.default.fileExists(atPath: mirror.list) ? try Self.listedPairs(mirror.list) : []
        #expect(listed.isEmpty)
        // Dropped is remembered: a rerun does not make them again.
        let rerun = try Self.mkpatch(["batch", mirror.dist, "-o", mirror.out])
        #expect(rerun.stdout.hasPrefix("0 made, 0 already done, 3 dropped"), "\(rerun.stdout)")
        #expect(rerun.stderr.contains("already dropped"))

        for bad in ["0", "-1", "x"] {
            let refused = try Self.mkpatch(["batch", mirror.dist, "-o", mirror.out, "--max-ratio=\(bad)"], expect: 64)
            #expect(refused.stderr.contains("max-ratio"), "\(bad): \(refused.stderr)")
        }
    }

    @Test func badInputIsRefusedWithAMessageAndAStatus() throws {
        let mirror = try Self.mirror(toyVersions: [])
        defer { try? FileManager.default.removeItem(at: mirror.root) }
        let missing = mirror.path("no-such-dist")
        var result = try Self.mkpatch(["batch", missing, "-o", mirror.out], expect: 1)
        #expect(result.stderr.contains(missing), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: mirror.out), "nothing is made for a missing distdir")

        for jobs in ["0", "-2", "two"] {
            result = try Self.mkpatch(["batch", mirror.dist, "-o", mirror.out, "--jobs=\(jobs)"], expect: 64)
            #expect(result.stderr.contains("--jobs"), "\(jobs): \(result.stderr)")
        }
        result = try Self.mkpatch(["batch", "-o", mirror.out], expect: 64)
        #expect(result.stderr.contains("DISTDIR"), "\(result.stderr)")
        result = try Self.mkpatch(["batch", "--run-job", "0", "-o", mirror.out], expect: 64)
        #expect(result.stderr.contains("--run-job needs --work-list"), "\(result.stderr)")

        // A work list: a good line, a comment, then a line with two fields.
        let workList = mirror.path("jobs.tsv")
        try "# jobs\n0\t\(mirror.dist)/six-1.16.0.tar.gz\t\(mirror.dist)/six-1.17.0.tar.gz\n\n1\tonly-one-path\n"
            .write(toFile: workList, atomically: true, encoding: .utf8)
        result = try Self.mkpatch(["batch", "--run-job", "0", "--work-list", workList, "-o", mirror.out], expect: 1)
        #expect(result.stderr.contains("\(workList):4: expected INDEX<TAB>OLD<TAB>NEW"), "\(result.stderr)")

        try "0\t\(mirror.dist)/six-1.16.0.tar.gz\t\(mirror.dist)/six-1.17.0.tar.gz\n".write(
            toFile: workList, atomically: true, encoding: .utf8)
        result = try Self.mkpatch(["batch", "--run-job", "7", "--work-list", workList, "-o", mirror.out], expect: 1)
        #expect(result.stderr.contains("\(workList): there is no job 7"), "\(result.stderr)")
        result = try Self.mkpatch(
            ["batch", "--run-job", "0", "--work-list", mirror.path("absent.tsv"), "-o", mirror.out], expect: 1)
        #expect(result.stderr.contains("absent.tsv"), "\(result.stderr)")

        // A job whose base is gone fails with the file named and status 1; nothing is listed.
        try FileManager.default.removeItem(atPath: mirror.dist + "/six-1.16.0.tar.gz")
        result = try Self.mkpatch(["batch", "--run-job", "0", "--work-list", workList, "-o", mirror.out], expect: 1)
        #expect(
            result.stderr.contains("failed six-1.16.0-1.17.0.tar.gz.patch")
                && result.stderr.contains("six-1.16.0.tar.gz"),
            "\(result.stderr)")

        // index: no results yet is an error naming the journal; a torn result names FILE:1.
        let fresh = mirror.path("fresh")
        result = try Self.mkpatch(["index", fresh], expect: 1)
        #expect(result.stderr.contains(fresh + "/.jobs"), "\(result.stderr)")
        try FileManager.default.createDirectory(atPath: fresh + "/.jobs", withIntermediateDirectories: true)
        try "MD5 0123 half-a-line".write(toFile: fresh + "/.jobs/x.patch.line", atomically: true, encoding: .utf8)
        result = try Self.mkpatch(["index", fresh], expect: 1)
        #expect(result.stderr.contains(fresh + "/.jobs/x.patch.line:1"), "\(result.stderr)")
    }

    @Test func workListJobsAndIndexGiveTheListADirectBatchGives() throws {
        let mirror = try Self.mirror()
        defer { try? FileManager.default.removeItem(at: mirror.root) }
        let workList = mirror.path("jobs.tsv")
        let written = try Self.mkpatch(["batch", mirror.dist, "-o", mirror.out, "--skip-one", "--work-list", workList])
        #expect(written.stdout == "\(workList): 4 jobs\n")
        #expect(!FileManager.default.fileExists(atPath: mirror.out), "writing a work list runs nothing")
        let indexes = try String(contentsOfFile: workList, encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }.map { String($0.split(separator: "\t")[0]) }
        #expect(indexes == ["0", "1", "2", "3"])
        // As a fleet would: in any order, each job on its own.
        for index in indexes.reversed() {
            let job = try Self.mkpatch(["batch", "--run-job", index, "--work-list", workList, "-o", mirror.out])
            #expect(job.stderr.hasPrefix("[1/1] made "), "\(job.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: mirror.list), "jobs only write their result files")
        let indexed = try Self.mkpatch(["index", mirror.out])
        #expect(indexed.stdout == "\(mirror.list): 4 job results merged\n")

        let direct = mirror.path("direct")
        try Self.mkpatch(["batch", mirror.dist, "-o", direct, "--skip-one"])
        let fleetLines = try String(contentsOfFile: mirror.list, encoding: .utf8).split(separator: "\n").sorted()
        let directLines = try String(contentsOfFile: direct + "/patches", encoding: .utf8).split(separator: "\n")
            .sorted()
        #expect(fleetLines == directLines, "same patches, same digests, same lines")
        try Self.mkpatch(["verify", mirror.list, "--distdir", mirror.dist])
        // Indexing again changes nothing.
        try Self.mkpatch(["index", mirror.out])
        #expect(try String(contentsOfFile: mirror.list, encoding: .utf8).split(separator: "\n").sorted() == fleetLines)
    }

    @Test func pruneDropsEntriesOfFilesGoneFromTheMirror() throws {
        let mirror = try Self.mirror()
        defer { try? FileManager.default.removeItem(at: mirror.root) }
        try Self.mkpatch(["batch", mirror.dist, "-o", mirror.out, "--skip-one"])
        var result = try Self.mkpatch(["prune", mirror.list, "--distdir", mirror.dist])
        #expect(result.stdout == "\(mirror.list): 0 entries dropped\n")

        try FileManager.default.removeItem(atPath: mirror.dist + "/toy-1.0.tar.gz")
        result = try Self.mkpatch(["prune", mirror.list, "--distdir", mirror.dist, "--delete-patches"])
        let out = result.stdout.split(separator: "\n")
        #expect(
            out.contains("dropped toy-1.0.tar.gz -> toy-1.0.1.tar.gz")
                && out.contains("dropped toy-1.0.tar.gz -> toy-1.2.tar.gz"))
        #expect(out.contains("deleted \(mirror.out)/toy-1.0-1.0.1.tar.gz.patch"), "\(result.stdout)")
        #expect(out.last == "\(mirror.list): 2 entries dropped")
        #expect(
            try Self.listedPairs(mirror.list) == [
                "six-1.16.0.tar.gz six-1.17.0.tar.gz", "toy-1.0.1.tar.gz toy-1.2.tar.gz",
            ])
        #expect(!FileManager.default.fileExists(atPath: mirror.out + "/toy-1.0-1.2.tar.gz.patch"))
        try Self.mkpatch(["verify", mirror.list, "--distdir", mirror.dist])

        // A mistyped distdir or list is an error, not an emptied list.
        let before = try String(contentsOfFile: mirror.list, encoding: .utf8)
        result = try Self.mkpatch(["prune", mirror.list, "--distdir", mirror.path("typo")], expect: 1)
        #expect(result.stderr.contains(mirror.path("typo")), "\(result.stderr)")
        #expect(try String(contentsOfFile: mirror.list, encoding: .utf8) == before)
        result = try Self.mkpatch(["prune", mirror.path("nolist"), "--distdir", mirror.dist], expect: 1)
        #expect(result.stderr.contains(mirror.path("nolist")), "\(result.stderr)")
        try Self.mkpatch(["prune", mirror.list], expect: 64)
    }

    /// A deflate stream padded with empty stored blocks to over twice its content
    /// (`testdata/producers/padded-deflate.py`) is reproduced by no recipe, and deflate
    /// reconstruction refuses it: the patch and its line are kept and the batch says so.
    @Test func aTargetNoRecipeReproducesIsKeptWithAWarning() throws {
        let mirror = try Self.mirror(toyVersions: [])
        defer { try? FileManager.default.removeItem(at: mirror.root) }
        try Self.makeTarball(in: mirror, name: "piggy-1.0", lines: 120_000)
        try Self.makeTarball(
            in: mirror, name: "piggy-1.1", lines: 120_000,
            compressor: "python3 '\(Binaries.testdata("producers/padded-deflate.py"))'")
        let result = try Self.mkpatch(["batch", mirror.dist, "-o", mirror.out])
        #expect(result.stdout.hasPrefix("2 made, 0 already done, 0 dropped, 0 failed"), "\(result.stdout)")
        let warning = result.stderr.split(separator: "\n").filter { $0.contains("piggy-1.0-1.1.tar.gz.patch") }
        #expect(
            warning.count == 1 && warning[0].contains("warning: target not reproducible bit for bit"),
            "\(result.stderr)")
        #expect(warning.first?.contains("patch kept") == true)
        #expect(result.stdout.contains("1 target not reproducible"), "the summary counts them: \(result.stdout)")
        #expect(
            try Self.listedPairs(mirror.list) == [
                "piggy-1.0.tar.gz piggy-1.1.tar.gz", "six-1.16.0.tar.gz six-1.17.0.tar.gz",
            ])
        try Self.mkpatch(["verify", mirror.list, "--distdir", mirror.dist])
    }
}
