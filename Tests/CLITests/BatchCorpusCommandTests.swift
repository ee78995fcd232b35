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
            try FileManager.default.createSymbolicLink(atPath: dist + "/" + file, withDestinationPath: corpus! + "/" + file)
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

    /// Each listed patch rebuilds its target from its base byte for byte (`mkpatch rebuild`).
    static func expectBitExactRebuilds(list: String, distdir: (String) -> String, scratch: URL) throws {
        for line in try lines(list) {
            let words = line.split(separator: " ").map(String.init)
            // MD5 x BLAKE2B x SHA512 x PATCH SIZE MD5 x BLAKE2B x SHA512 x BASE SIZE UMD5 x … TARGET SIZE
            let patch = words[6], base = words[14], target = words[words.count - 2]
            let rebuilt = scratch.appendingPathComponent(target).path
            try BatchCommandTests.mkpatch(["rebuild", distdir(base), (list as NSString).deletingLastPathComponent + "/" + patch, "-o", rebuilt])
            #expect(FileManager.default.contentsEqual(atPath: rebuilt, andPath: distdir(target)), "\(patch) rebuilds \(target)")
            try FileManager.default.removeItem(atPath: rebuilt)
        }
    }

    /// Two mirror segments batched at once into one output directory: botocore with
    /// --skip-one (three patches) and Django (one). Every patch verifies and rebuilds its
    /// target bit for bit.
    @Test func twoPackagesBatchedAtOnceIntoOneOutputDirectory() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let boto = try Self.distdir("boto", in: root, files: Self.botocore)
        let django = try Self.distdir("django", in: root, files: ["Django-5.0.6.tar.gz", "Django-5.0.7.tar.gz"])
        let out = root.appendingPathComponent("out").path
        let runs = [["batch", boto, "-o", out, "--skip-one", "--jobs", "1", "--json"],
                    ["batch", django, "-o", out, "--jobs", "1", "--json"]]
        let group = DispatchGroup()
        nonisolated(unsafe) var results = [Binaries.Result?](repeating: nil, count: 2)
        for (number, arguments) in runs.enumerated() {
            DispatchQueue.global().async(group: group) { results[number] = try? Binaries.run("mkpatch", arguments) }
        }
        group.wait()
        for (number, result) in results.enumerated() {
            let result = try #require(result)
            #expect(result.status == 0, "\(runs[number]): \(result.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(report["created"] as? Int == [3, 1][number] && report["failed"] as? Int == 0, "\(result.stdout)")
            #expect((report["ratio"] as? Double ?? 1) < 0.1, "point releases make small patches: \(result.stdout)")
            #expect(!result.stderr.contains("warning"), "PyPI's tarballs are reproducible: \(result.stderr)")
        }
        let list = out + "/patches"
        let pairs = try Self.lines(list).map { line in line.split(separator: " ").map(String.init) }.map { "\($0[14]) \($0[$0.count - 2])" }
        #expect(pairs.sorted() == ["Django-5.0.6.tar.gz Django-5.0.7.tar.gz", "botocore-1.35.0.tar.gz botocore-1.35.1.tar.gz",
                                   "botocore-1.35.0.tar.gz botocore-1.35.2.tar.gz", "botocore-1.35.1.tar.gz botocore-1.35.2.tar.gz"])
        let patches = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.sorted()
        #expect(patches == ["Django-5.0.6-5.0.7.tar.gz.patch", "botocore-1.35.0-1.35.1.tar.gz.patch",
                            "botocore-1.35.0-1.35.2.tar.gz.patch", "botocore-1.35.1-1.35.2.tar.gz.patch", "patches"],
                "nothing half-made is left under a visible name")
        // verify needs one distdir: a mirror holding both packages.
        let mirror = try Self.distdir("mirror", in: root, files: Self.botocore + ["Django-5.0.6.tar.gz", "Django-5.0.7.tar.gz"])
        try BatchCommandTests.mkpatch(["verify", list, "--distdir", mirror])
        try Self.expectBitExactRebuilds(list: list, distdir: { mirror + "/" + $0 }, scratch: root)
    }

    /// A batch killed once its first patch is out, then run again, ends with the list a fleet
    /// makes from a work list, job by job, and `mkpatch index`: line for line.
    @Test func aKilledBatchResumesToTheListTheWorkListPathMakes() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let dist = try Self.distdir("dist", in: root, files: Self.botocore)
        let out = root.appendingPathComponent("out").path

        let process = Process()
        process.executableURL = Binaries.productsDirectory.appendingPathComponent("mkpatch")
        process.arguments = ["batch", dist, "-o", out, "--jobs", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let journal = out + "/.jobs"
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning, Date() < deadline,
              ((try? FileManager.default.contentsOfDirectory(atPath: journal)) ?? []).allSatisfy({ !$0.hasSuffix(".line") }) {
            usleep(20_000)
        }
        let wasRunning = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(wasRunning, "the batch was killed midway, not after it finished")
        let killedWith = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".patch") }
        #expect(killedWith == ["botocore-1.35.0-1.35.1.tar.gz.patch"], "one job done when killed: \(killedWith)")

        let resumed = try BatchCommandTests.mkpatch(["batch", dist, "-o", out, "--jobs", "1"])
        #expect(resumed.stdout.hasPrefix("1 made, 1 already done, 0 dropped, 0 failed"), "\(resumed.stdout)")
        #expect(resumed.stderr.contains("already done botocore-1.35.0-1.35.1.tar.gz.patch"), "\(resumed.stderr)")

        let fleet = root.appendingPathComponent("fleet").path
        let workList = root.appendingPathComponent("jobs.tsv").path
        try BatchCommandTests.mkpatch(["batch", dist, "-o", fleet, "--work-list", workList])
        for index in ["1", "0"] {
            try BatchCommandTests.mkpatch(["batch", "--run-job", index, "--work-list", workList, "-o", fleet])
        }
        try BatchCommandTests.mkpatch(["index", fleet])
        let resumedLines = try Self.lines(out + "/patches")
        #expect(resumedLines.count == 2)
        #expect(try Self.lines(fleet + "/patches") == resumedLines)
        try BatchCommandTests.mkpatch(["verify", out + "/patches", "--distdir", dist])
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
