import Foundation
import Testing

/// `mkpatch batch` over real releases: botocore 1.35.0/1/2 and Django 5.0.6/5.0.7 from PyPI,
/// taken from the corpus (DELTA_CORPUS). Serialized: each test already keeps both cores busy.
@Suite(.serialized, .enabled(if: BatchCorpus.root != nil, "needs the corpus (DELTA_CORPUS)"))
struct BatchCorpusCommandTests {
    static var corpus: String? { BatchCorpus.root }

    static let botocore = ["botocore-1.35.0.tar.gz", "botocore-1.35.1.tar.gz", "botocore-1.35.2.tar.gz"]

    /// A scratch folder with `NAME/` holding symbolic links to the corpus files `files`.
    static func distdir(_ name: String, in root: URL, files: [String]) throws -> String {
        let dist = root.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: dist, withIntermediateDirectories: true)
        for file in files {
            try FileManager.default.createSymbolicLink(
                atPath: dist + "/" + file, withDestinationPath: corpus! + "/" + file)
        }
        return dist
    }

    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("batch-corpus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The list's lines, sorted (lines carry the patches' own digests, so equal lines mean
    /// equal patches).
    static func lines(_ list: String) throws -> [Substring] {
        try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n").sorted()
    }

    /// The pairs a list holds, as `base target`, sorted.
    static func pairs(_ list: String) throws -> [String] {
        // HASH x HASH x HASH x PATCH SIZE HASH x HASH x HASH x BASE SIZE UHASH x … TARGET SIZE
        try lines(list).map { $0.split(separator: " ") }.map { "\($0[14]) \($0[$0.count - 2])" }.sorted()
    }

    /// Runs `mkpatch ARGUMENTS` in the background.
    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = Binaries.productsDirectory.appendingPathComponent("mkpatch")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// `mkpatch rebuild` of each (base, patches, target), two at once; each result must equal
    /// the real target byte for byte.
    static func expectBitExactRebuilds(_ rebuilds: [(base: String, patches: [String], target: String)], scratch: URL) {
        let group = DispatchGroup()
        let lock = NSLock()
        nonisolated(unsafe) var failures = [String]()
        for (number, rebuild) in rebuilds.enumerated() {
            DispatchQueue.global().async(group: group) {
                let rebuilt = scratch.appendingPathComponent("rebuilt-\(number)").path
                let result = try? Binaries.run(
                    "mkpatch", ["rebuild", rebuild.base] + rebuild.patches + ["-o", rebuilt])
                let real = (rebuild.target as NSString).resolvingSymlinksInPath
                if result?.status != 0 || !FileManager.default.contentsEqual(atPath: rebuilt, andPath: real) {
                    lock.withLock {
                        failures.append("\(rebuild.patches) do not rebuild \(rebuild.target): \(result?.stderr ?? "")")
                    }
                }
                try? FileManager.default.removeItem(atPath: rebuilt)
            }
            if number % 2 == 1 { group.wait() }
        }
        group.wait()
        #expect(failures.isEmpty, "\(failures)")
    }

    /// One output directory, two packages at once, each interrupted and resumed.
    ///
    /// botocore 1.35.0/1/2 with --skip-one goes the fleet's way (work list, `--run-job` per job,
    /// `mkpatch index`); its 1.35.2 is at first a truncated download, so two of its jobs fail
    /// naming the file, and once the file is whole the rerun makes only those. Meanwhile
    /// Django 5.0.6 → 5.0.7 (and six) go by a direct batch, killed a few seconds in and run
    /// again. Every line then verifies and the patches rebuild their targets bit for bit; a
    /// direct batch over botocore finds the fleet's work complete, and six made both ways gives
    /// the same line.
    @Test func twoPackagesAtOnceInterruptedAndResumedByBatchAndByWorkList() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let boto = try Self.distdir("boto", in: root, files: Array(Self.botocore.prefix(2)))
        let whole = Self.corpus! + "/" + Self.botocore[2]
        try Data(contentsOf: URL(fileURLWithPath: whole)).prefix(3_000_000).write(
            to: URL(fileURLWithPath: boto + "/" + Self.botocore[2]))
        let django = try Self.distdir(
            "django", in: root,
            files: [
                "Django-5.0.6.tar.gz", "Django-5.0.7.tar.gz",
                "six-1.16.0.tar.gz", "six-1.17.0.tar.gz",
            ])
        let out = root.appendingPathComponent("out").path
        let list = out + "/patches"
        let workList = root.appendingPathComponent("boto.tsv").path
        let written = try BatchCommandTests.mkpatch(["batch", boto, "-o", out, "--skip-one", "--work-list", workList])
        #expect(written.stdout == "\(workList): 3 jobs\n")

        // First round: Django's batch is killed 3 s in; botocore's jobs run meanwhile.
        let killed = try Self.start(["batch", django, "-o", out, "--jobs", "1"])
        let first = DispatchGroup()
        nonisolated(unsafe) var firstJobs = [Binaries.Result?]()
        DispatchQueue.global().async(group: first) {
            firstJobs = ["0", "1", "2"].map {
                try? Binaries.run(
                    "mkpatch", ["batch", "--run-job", $0, "--work-list", workList, "-o", out, "--jobs", "1"])
            }
        }
        sleep(3)
        let wasRunning = killed.isRunning
        kill(killed.processIdentifier, SIGKILL)
        killed.waitUntilExit()
        #expect(wasRunning, "Django's batch was still making its patch when killed")
        first.wait()
        #expect(firstJobs.map { $0?.status } == [0, 1, 1], "\(firstJobs.map { $0?.stderr ?? "" })")
        for job in firstJobs.dropFirst() {
            #expect(
                job?.stderr.contains(boto + "/" + Self.botocore[2]) == true,
                "the failure names the file: \(job?.stderr ?? "")")
        }
        #expect(
            !FileManager.default.fileExists(atPath: list),
            "nothing listed yet: fleet jobs leave results, Django was killed")
        let visible = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }
        #expect(
            visible == ["botocore-1.35.0-1.35.1.tar.gz.patch"], "nothing half-made under a visible name: \(visible)")

        // Resumed, again both at once: only the missing work is done.
        try FileManager.default.removeItem(atPath: boto + "/" + Self.botocore[2])
        try FileManager.default.createSymbolicLink(atPath: boto + "/" + Self.botocore[2], withDestinationPath: whole)
        let second = DispatchGroup()
        nonisolated(unsafe) var secondJobs = [Binaries.Result?]()
        DispatchQueue.global().async(group: second) {
            secondJobs = ["0", "1", "2"].map {
                try? Binaries.run(
                    "mkpatch", ["batch", "--run-job", $0, "--work-list", workList, "-o", out, "--jobs", "1"])
            }
        }
        let djangoBatch = try BatchCommandTests.mkpatch(["batch", django, "-o", out, "--jobs", "1", "--json"])
        second.wait()
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(djangoBatch.stdout.utf8)) as? [String: Any])
        #expect(report["created"] as? Int == 2 && report["not_reproducible"] as? Int == 0, "\(djangoBatch.stdout)")
        #expect((report["ratio"] as? Double ?? 1) < 0.05, "point releases make small patches: \(djangoBatch.stdout)")
        #expect(secondJobs.map { $0?.status } == [0, 0, 0], "\(secondJobs.map { $0?.stderr ?? "" })")
        #expect(
            secondJobs.map { $0?.stderr.contains("] made ") } == [false, true, true],
            "only the failed jobs are made again")
        let indexed = try BatchCommandTests.mkpatch(["index", out])
        #expect(indexed.stdout == "\(list): 5 job results merged\n", "every result in the journal, the batches' too")
        #expect(
            try Self.pairs(list) == [
                "Django-5.0.6.tar.gz Django-5.0.7.tar.gz", "botocore-1.35.0.tar.gz botocore-1.35.1.tar.gz",
                "botocore-1.35.0.tar.gz botocore-1.35.2.tar.gz", "botocore-1.35.1.tar.gz botocore-1.35.2.tar.gz",
                "six-1.16.0.tar.gz six-1.17.0.tar.gz",
            ])

        // verify needs one distdir: a mirror holding both packages.
        let mirror = try Self.distdir(
            "mirror", in: root,
            files: Self.botocore + [
                "Django-5.0.6.tar.gz", "Django-5.0.7.tar.gz",
                "six-1.16.0.tar.gz", "six-1.17.0.tar.gz",
            ])
        let verified = try BatchCommandTests.mkpatch(["verify", list, "--distdir", mirror])
        #expect(verified.stdout.hasSuffix(": 5 entries, 5 passed, 0 problems\n"), "\(verified.stdout)")
        // Bit for bit: botocore 1.35.2 through the chain of both consecutive patches, and by the
        // two-back patch; Django 5.0.7.
        Self.expectBitExactRebuilds(
            [
                (
                    mirror + "/botocore-1.35.0.tar.gz",
                    [out + "/botocore-1.35.0-1.35.1.tar.gz.patch", out + "/botocore-1.35.1-1.35.2.tar.gz.patch"],
                    mirror + "/botocore-1.35.2.tar.gz"
                ),
                (
                    mirror + "/Django-5.0.6.tar.gz", [out + "/Django-5.0.6-5.0.7.tar.gz.patch"],
                    mirror + "/Django-5.0.7.tar.gz"
                ),
                (
                    mirror + "/botocore-1.35.0.tar.gz", [out + "/botocore-1.35.0-1.35.2.tar.gz.patch"],
                    mirror + "/botocore-1.35.2.tar.gz"
                ),
            ], scratch: root)

        // A direct batch finds the fleet's work complete and leaves the list as it is.
        let before = try Self.lines(list)
        let direct = try BatchCommandTests.mkpatch(["batch", boto, "-o", out, "--skip-one"])
        #expect(direct.stdout.hasPrefix("0 made, 3 already done, 0 dropped, 0 failed"), "\(direct.stdout)")
        #expect(try Self.lines(list) == before)
        // six, by work list and by a direct batch: the same line, byte for byte.
        let sixDist = try Self.distdir("six", in: root, files: ["six-1.16.0.tar.gz", "six-1.17.0.tar.gz"])
        let fleet = root.appendingPathComponent("fleet").path
        try BatchCommandTests.mkpatch(["batch", sixDist, "-o", fleet, "--work-list", workList])
        try BatchCommandTests.mkpatch(["batch", "--run-job", "0", "--work-list", workList, "-o", fleet, "--jobs", "1"])
        try BatchCommandTests.mkpatch(["index", fleet])
        #expect(try Self.lines(fleet + "/patches") == before.filter { $0.contains(" six-1.16.0.tar.gz ") })
    }
}

/// Where the corpus is, when it holds what these tests need.
enum BatchCorpus {
    static let root: String? = {
        let root = ProcessInfo.processInfo.environment["DELTA_CORPUS"] ?? (NSHomeDirectory() + "/.cache/delta-corpus")
        let needed = ["botocore-1.35.0", "botocore-1.35.1", "botocore-1.35.2", "Django-5.0.6", "Django-5.0.7"]
        return needed.allSatisfy { FileManager.default.fileExists(atPath: "\(root)/\($0).tar.gz") } ? root : nil
    }()
}
