import DeltaCore
import Dispatch
import Foundation
import Synchronization
import Testing

/// `mkpatch batch`'s library side on real tarballs: planning, running, resuming, fleets, pruning.
@Suite struct BatchTests {
    /// A distfile directory: six 1.16.0 and 1.17.0 from PyPI plus a small made-up six-1.9.0
    /// (older by PMS order, though it sorts after 1.16.0 as text), and three versions of a
    /// made-up `toy` package whose tarballs differ by a line.
    static func mirror(in root: URL) throws -> String {
        let dist = root.appendingPathComponent("dist").path
        try FileManager.default.createDirectory(atPath: dist, withIntermediateDirectories: true)
        for name in ["six-1.16.0.tar.gz", "six-1.17.0.tar.gz"] {
            try FileManager.default.copyItem(atPath: TestPaths.testdata(name), toPath: dist + "/" + name)
        }
        try makeTarball(package: "six", version: "1.9.0", text: "six, long ago\n", in: root, distdir: dist)
        let numbers = (1...20000).map(String.init).joined(separator: "\n")
        for version in ["1.0", "1.0.1", "1.2"] {
            try makeTarball(
                package: "toy", version: version, text: numbers + "\nversion \(version)\n", in: root, distdir: dist)
        }
        return dist
    }

    /// `distdir/PACKAGE-VERSION.tar.ENDING` holding one `data.txt`, compressed by `compressor`
    /// (a shell command from stdin to stdout).
    static func makeTarball(
        package: String, version: String, text: String, in root: URL, distdir: String,
        ending: String = "gz", compressor: String = "gzip -n"
    ) throws {
        let source = root.appendingPathComponent("src/\(package)-\(version)")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        try text.write(to: source.appendingPathComponent("data.txt"), atomically: true, encoding: .utf8)
        let tarball = "\(distdir)/\(package)-\(version).tar.\(ending)"
        let result = try Tools.run(
            "/bin/sh",
            [
                "-c", "tar -C \"$1\" -cf - \"$2\" | \(compressor) > \"$3\"", "sh",
                source.deletingLastPathComponent().path, "\(package)-\(version)", tarball,
            ])
        #expect(result.status == 0, "tar | \(compressor): \(String(decoding: result.stderr, as: UTF8.self))")
    }

    static func listedPairs(_ outdir: String) throws -> [String] {
        let document = try PatchListDocument.load(path: BatchRunner.listPath(outputDirectory: outdir))
        #expect(document.problems.isEmpty, "no torn or malformed line: \(document.problems)")
        return document.numberedEntries.map { "\($0.entry.baseName) \($0.entry.targetName)" }.sorted()
    }

    static let expectedPairs = [
        "six-1.16.0.tar.gz six-1.17.0.tar.gz", "toy-1.0.1.tar.gz toy-1.2.tar.gz",
        "toy-1.0.tar.gz toy-1.0.1.tar.gz",
    ]

    @Test func planGroupsBySeriesInGentooOrder() {
        let names = [
            "foo-1.10.tar.gz", "foo-1.9.tar.gz", "foo-1.0_rc1.tar.gz", "foo-1.0.tar.gz", "foo-1.0.tar.xz",
            "bar-2.tar.gz", "README", "Foo-1.0_p1.tar.gz",
        ]
        let pairs = BatchPlanner.plan(fileNames: names).map { "\($0.oldPath) \($0.newPath)" }
        #expect(
            pairs == [
                "foo-1.0_rc1.tar.gz foo-1.0.tar.gz", "foo-1.0.tar.gz Foo-1.0_p1.tar.gz",
                "Foo-1.0_p1.tar.gz foo-1.9.tar.gz", "foo-1.9.tar.gz foo-1.10.tar.gz",
            ])
        let skipping = BatchPlanner.plan(fileNames: ["a-3.tar.gz", "a-1.tar.gz", "a-2.tar.gz"], skipOne: true)
        #expect(
            skipping.map { "\($0.index) \($0.oldPath) \($0.newPath)" }
                == ["0 a-1.tar.gz a-2.tar.gz", "1 a-2.tar.gz a-3.tar.gz", "2 a-1.tar.gz a-3.tar.gz"])
    }

    @Test func workListRoundTripsAndNamesItsBadLine() throws {
        let jobs = BatchPlanner.plan(fileNames: ["a-1.tar.gz", "a-2.tar.gz", "a-3.tar.gz"], skipOne: true)
        #expect(try WorkList.parse(try WorkList.text(jobs), path: "w") == jobs)
        #expect(throws: BatchError.malformedWorkList(path: "w", line: 2, problem: "expected INDEX<TAB>OLD<TAB>NEW")) {
            try WorkList.parse("0\ta\tb\nx\ta\tb\n", path: "w")
        }
        #expect(throws: BatchError.unlistablePath("a\tb")) {
            try WorkList.text([BatchJob(index: 0, oldPath: "a\tb", newPath: "c")])
        }
    }

    @Test func batchDropsLargePatchesAndResumesOnlyTheMissingWork() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let dist = try Self.mirror(in: root)
        let out = root.appendingPathComponent("out").path
        // A broken toy-1.3 makes its job fail; the others go on.
        try Data([0x1f, 0x8b, 0x08, 0x00] + Array(repeating: UInt8(0x55), count: 64)).write(
            to: URL(fileURLWithPath: dist + "/toy-1.3.tar.gz"))
        let plan = try BatchPlanner.plan(directory: dist)
        #expect(
            plan.map(\.patchName) == [
                "six-1.9.0-1.16.0.tar.gz.patch", "six-1.16.0-1.17.0.tar.gz.patch", "toy-1.0-1.0.1.tar.gz.patch",
                "toy-1.0.1-1.2.tar.gz.patch", "toy-1.2-1.3.tar.gz.patch",
            ])
        let failures = Mutex([any Error]())
        let first = try BatchRunner.run(plan, outputDirectory: out, options: BatchOptions(concurrentJobs: 2)) {
            result in
            if case .failed(let error) = result.outcome { failures.withLock { $0.append(error) } }
        }
        #expect((first.created, first.dropped, first.failed, first.alreadyDone) == (3, 1, 1, 0))
        // The failure is carried as the error itself, which names the broken file.
        let failure = try #require(failures.withLock { $0.first })
        #expect(failure is any DeltaCoreError && "\(failure)".contains("toy-1.3.tar.gz"), "\(failure)")
        #expect(try Self.listedPairs(out) == Self.expectedPairs)
        #expect(
            !FileManager.default.fileExists(atPath: out + "/six-1.9.0-1.16.0.tar.gz.patch"),
            "a dropped patch is deleted")
        #expect(first.patchBytes < first.fullBytes / 10, "small upgrades make small patches: \(first)")

        // Mend the broken file and rerun: only its job is made.
        try FileManager.default.removeItem(atPath: dist + "/toy-1.3.tar.gz")
        try Self.makeTarball(
            package: "toy", version: "1.3",
            text: (1...20000).map(String.init).joined(separator: "\n") + "\nversion 1.3\n", in: root, distdir: dist)
        let second = try BatchRunner.run(plan, outputDirectory: out, options: BatchOptions(concurrentJobs: 2))
        #expect((second.created, second.dropped, second.failed, second.alreadyDone) == (1, 1, 0, 3))
        #expect(try Self.listedPairs(out) == Self.expectedPairs + ["toy-1.2.tar.gz toy-1.3.tar.gz"])

        // A run killed after publishing a patch but before listing it leaves only the .line: the
        // next run lists it without making it again.
        var document = try PatchListDocument.load(path: out + "/patches")
        document.remove { $0.targetName == "toy-1.3.tar.gz" }
        try document.text().write(toFile: out + "/patches", atomically: true, encoding: .utf8)
        let third = try BatchRunner.run(plan, outputDirectory: out)
        #expect((third.created, third.alreadyDone) == (0, 4))
        #expect(try Self.listedPairs(out).count == 4)
    }

    /// A deflate stream padded with empty stored blocks to over twice its content
    /// (`testdata/producers/padded-deflate.py`) is reproduced by no recipe, deflate
    /// reconstruction included: such a target keeps its patch and line, and the outcome says
    /// why it warns.
    @Test func aTargetNoRecipeReproducesKeepsItsPatchAndLine() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let dist = root.appendingPathComponent("dist").path
        try FileManager.default.createDirectory(atPath: dist, withIntermediateDirectories: true)
        let numbers = (1...120_000).map(String.init).joined(separator: "\n")
        try Self.makeTarball(
            package: "piggy", version: "1.0", text: numbers + "\nversion 1.0\n", in: root, distdir: dist)
        try Self.makeTarball(
            package: "piggy", version: "1.1", text: numbers + "\nversion 1.1\n", in: root, distdir: dist,
            compressor: "python3 '\(TestPaths.testdata("producers/padded-deflate.py"))'")
        let out = root.appendingPathComponent("out").path
        nonisolated(unsafe) var outcomes = [BatchOutcome]()
        let summary = try BatchRunner.run(try BatchPlanner.plan(directory: dist), outputDirectory: out) {
            outcomes.append($0.outcome)
        }
        #expect((summary.created, summary.failed, summary.dropped) == (1, 0, 0), "\(summary) \(outcomes)")
        guard case let .created(_, _, warning)? = outcomes.first else {
            Issue.record("not created: \(outcomes)"); return
        }
        #expect(warning != nil, "the padded target must be reported as not reproducible")
        #expect(try Self.listedPairs(out) == ["piggy-1.0.tar.gz piggy-1.1.tar.gz"])
        #expect(FileManager.default.fileExists(atPath: out + "/piggy-1.0-1.1.tar.gz.patch"))
        // The content still verifies: clients rebuild it and record an alternate digest.
        let report = try PatchListVerifier.verify(listPath: out + "/patches", distdir: dist)
        #expect(report.failures.isEmpty && report.entriesPassed == 1, "\(report.failures)")
    }

    @Test func twoBatchesAtOnceOnOneOutputDirectoryKeepEveryLine() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let dist = try Self.mirror(in: root)
        let out = root.appendingPathComponent("out").path
        let plan = try BatchPlanner.plan(directory: dist, skipOne: true)
        // Two machines share the plan out, each running its half two jobs at once.
        let halves = [plan.filter { $0.index % 2 == 0 }, plan.filter { $0.index % 2 == 1 }]
        let group = DispatchGroup()
        nonisolated(unsafe) var summaries = [BatchSummary?](repeating: nil, count: 2)
        for (number, half) in halves.enumerated() {
            DispatchQueue.global().async(group: group) {
                summaries[number] = try? BatchRunner.run(
                    half, outputDirectory: out, options: BatchOptions(concurrentJobs: 2))
            }
        }
        group.wait()
        #expect(summaries.compactMap { $0?.failed } == [0, 0])
        #expect(try Self.listedPairs(out) == (Self.expectedPairs + ["toy-1.0.tar.gz toy-1.2.tar.gz"]).sorted())
    }

    @Test func workListJobsRunOneByOneThenIndexMergesThem() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let dist = try Self.mirror(in: root)
        let out = root.appendingPathComponent("out").path
        let workList = root.appendingPathComponent("jobs.tsv").path
        try WorkList.write(try BatchPlanner.plan(directory: dist), to: workList)
        let jobs = try WorkList.load(path: workList)
        #expect(jobs.count == 4)
        let options = BatchOptions(recordsInList: false)
        for job in jobs.reversed() { _ = try BatchRunner.runOne(job, outputDirectory: out, options: options) }
        #expect(!FileManager.default.fileExists(atPath: out + "/patches"), "jobs only write their result files")
        #expect(try BatchRunner.index(outputDirectory: out) == 3)
        #expect(try Self.listedPairs(out) == Self.expectedPairs)
        // Each listed patch is there and its line verifies against the mirror.
        let report = try PatchListVerifier.verify(listPath: out + "/patches", distdir: dist)
        #expect(report.failures.isEmpty && report.entriesPassed == 3, "\(report.failures)")
    }

    @Test func pruneDropsEntriesWhoseFilesAreGone() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let dist = try Self.mirror(in: root)
        let out = root.appendingPathComponent("out").path
        _ = try BatchRunner.run(try BatchPlanner.plan(directory: dist, skipOne: true), outputDirectory: out)
        let list = out + "/patches"
        let comment = "# kept by hand\n"
        try (comment + (try String(contentsOfFile: list, encoding: .utf8))).write(
            toFile: list, atomically: true, encoding: .utf8)

        try FileManager.default.removeItem(atPath: dist + "/toy-1.0.tar.gz")
        let pruned = try Pruner.prune(listPath: list, distdir: dist, deletePatches: true)
        #expect(pruned.removed.map(\.targetName).sorted() == ["toy-1.0.1.tar.gz", "toy-1.2.tar.gz"])
        #expect(
            pruned.deletedPatches.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted()
                == ["toy-1.0-1.0.1.tar.gz.patch", "toy-1.0-1.2.tar.gz.patch"])
        #expect(!FileManager.default.fileExists(atPath: out + "/toy-1.0-1.0.1.tar.gz.patch"))
        #expect(
            try Self.listedPairs(out) == ["six-1.16.0.tar.gz six-1.17.0.tar.gz", "toy-1.0.1.tar.gz toy-1.2.tar.gz"])
        #expect(try String(contentsOfFile: list, encoding: .utf8).hasPrefix(comment))
        #expect(try Pruner.prune(listPath: list, distdir: dist).removed.isEmpty, "a second prune has nothing to do")
    }
}
