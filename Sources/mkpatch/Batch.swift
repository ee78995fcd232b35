import ArgumentParser
import DeltaCore
import Foundation

/// `mkpatch batch DISTDIR -o OUTDIR [--jobs N] [--max-ratio R] [--skip-one] [--work-list FILE]`
/// and `mkpatch batch --run-job N --work-list FILE -o OUTDIR`.
struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make patches between consecutive versions of every package in a distfile directory.",
        discussion: """
            Groups DISTDIR's distfiles by package and archive kind, orders each group as Gentoo \
            orders versions, and makes a patch between neighbours (with --skip-one also from two \
            versions back). Patches larger than --max-ratio of the new distfile are deleted. \
            Patches go to OUTDIR, their lines to OUTDIR/patches; OUTDIR/.jobs is the journal, so \
            rerunning an interrupted batch does only the missing work. Progress goes to stderr.

            For a fleet: --work-list FILE (with DISTDIR) writes the jobs as INDEX<TAB>OLD<TAB>NEW \
            lines instead of running them; each machine then runs \
            `mkpatch batch --run-job INDEX --work-list FILE -o OUTDIR`, and \
            `mkpatch index OUTDIR` merges the results into OUTDIR/patches. See docs/batch.md.
            """
    )

    @Argument(help: "The distfile directory (not needed with --run-job).")
    var distdir: String?

    @Option(name: .shortAndLong, help: "The directory for patches, the list and the journal.")
    var output: String

    @Option(help: "Jobs to run at once.")
    var jobs = 2

    @Option(help: "Drop patches larger than this fraction of the new distfile.")
    var maxRatio = 0.7

    @Flag(help: "Also make patches from two versions back.")
    var skipOne = false

    @Option(help: "With DISTDIR: write the jobs to this file instead of running them. With --run-job: read them from it.")
    var workList: String?

    @Option(help: "Run only the job with this index from --work-list; its line goes to OUTDIR/.jobs, for `mkpatch index`.")
    var runJob: Int?

    @Option(help: "Comma-separated hashes for list lines (default MD5,BLAKE2B,SHA512).", transform: HashList.parse)
    var hashes: [DigestAlgorithm] = [.md5, .blake2b, .sha512]

    @Flag(help: "Print one JSON summary instead of text.")
    var json = false

    func validate() throws {
        if runJob != nil, workList == nil { throw ValidationError("--run-job needs --work-list.") }
        if runJob == nil, distdir == nil { throw ValidationError("Give a DISTDIR (or --run-job with --work-list).") }
        guard maxRatio > 0 else { throw ValidationError("--max-ratio must be positive.") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1.") }
    }

    func run() throws {
        // With several jobs at once, each differ gets one thread: the jobs are the parallelism.
        let creation = PatchCreationOptions(hashes: hashes, diff: DiffOptions(threads: jobs > 1 ? 1 : 2))
        if let runJob, let workList {
            let all = try WorkList.load(path: workList)
            guard let job = all.first(where: { $0.index == runJob }) else { throw BatchError.noSuchJob(index: runJob, path: workList) }
            let options = BatchOptions(maximumRatio: maxRatio, recordsInList: false, creation: creation)
            let outcome = try BatchRunner.runOne(job, outputDirectory: output, options: options)
            Self.report(BatchJobResult(job: job, outcome: outcome, finished: 1, total: 1))
            if case .failed = outcome { throw ExitCode.failure }
            return
        }
        guard let distdir else { return }
        let plan = try BatchPlanner.plan(directory: distdir, skipOne: skipOne)
        if let workList {
            try WorkList.write(plan, to: workList)
            print("\(workList): \(plan.count) jobs")
            return
        }
        let started = Date()
        let summary = try BatchRunner.run(plan, outputDirectory: output,
                                          options: BatchOptions(concurrentJobs: jobs, maximumRatio: maxRatio, creation: creation),
                                          progress: { Self.report($0) })
        let seconds = Date().timeIntervalSince(started)
        if json {
            let report = BatchReport(summary: summary, seconds: seconds, list: BatchRunner.listPath(outputDirectory: output))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("""
                \(summary.created) made, \(summary.alreadyDone) already done, \(summary.dropped) dropped, \
                \(summary.failed) failed in \(String(format: "%.1f", seconds)) s
                space: \(summary.patchBytes) patch bytes for \(summary.fullBytes) full-file bytes \
                (\(String(format: "%.2f", summary.ratio * 100))%)
                """)
        }
        if summary.failed > 0 { throw ExitCode.failure }
    }

    /// One plain progress line on stderr.
    static func report(_ result: BatchJobResult) {
        let name = result.job.patchName
        let text: String
        switch result.outcome {
        case let .created(patch, target, warning):
            text = "made \(name) (\(patch) of \(target) bytes)"
                + (warning.map { "; warning: target not reproducible bit for bit (\($0)), patch kept" } ?? "")
        case .alreadyDone: text = "already done \(name)"
        case let .dropped(patch, target): text = "dropped \(name) (\(patch) of \(target) bytes is too large)"
        case .alreadyDropped: text = "already dropped \(name)"
        case let .failed(message): text = "failed \(name): \(message)"
        }
        FileHandle.standardError.write(Data("[\(result.finished)/\(result.total)] \(text)\n".utf8))
    }
}

/// The JSON shape of `mkpatch batch --json`.
struct BatchReport: Encodable {
    var created, alreadyDone, dropped, failed: Int
    var patchBytes, fullBytes: UInt64
    var ratio, seconds: Double
    var list: String

    init(summary: BatchSummary, seconds: Double, list: String) {
        created = summary.created
        alreadyDone = summary.alreadyDone
        dropped = summary.dropped
        failed = summary.failed
        patchBytes = summary.patchBytes
        fullBytes = summary.fullBytes
        ratio = summary.ratio
        self.seconds = seconds
        self.list = list
    }

    enum CodingKeys: String, CodingKey {
        case created, dropped, failed, ratio, seconds, list
        case alreadyDone = "already_done", patchBytes = "patch_bytes", fullBytes = "full_bytes"
    }
}
