import ArgumentParser
import DeltaCore
import Synchronization

#if canImport(FoundationEssentials)
// FoundationEssentials only (its JSON coders): full Foundation would link ICU and add about
// 11 MB to every run's resident memory, `mkpatch apply`'s included.
import FoundationEssentials
#else
import Foundation
#endif

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

    @Option(
        help: "With DISTDIR: write the jobs to this file instead of running them. With --run-job: read them from it.")
    var workList: String?

    @Option(
        help: "Run only the job with this index from --work-list; its line goes to OUTDIR/.jobs, for `mkpatch index`.")
    var runJob: Int?

    @Option(help: "Comma-separated hashes for list lines (default MD5,BLAKE2B,SHA512).", transform: HashList.parse)
    var hashes: [DigestAlgorithm] = [.md5, .blake2b, .sha512]

    @OptionGroup var reconstruction: ReconstructionOption

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
        let creation = PatchCreationOptions(
            hashes: hashes, diff: DiffOptions(threads: jobs > 1 ? 1 : 2), reconstruction: reconstruction.goal)
        if let runJob, let workList {
            let all = try WorkList.load(path: workList)
            guard let job = all.first(where: { $0.index == runJob }) else {
                throw BatchError.noSuchJob(index: runJob, path: workList)
            }
            let options = BatchOptions(maximumRatio: maxRatio, recordsInList: false, creation: creation)
            let outcome: BatchOutcome
            do {
                outcome = try BatchRunner.runOne(job, outputDirectory: output, options: options)
            } catch {
                outcome = .failed(error)
            }
            Self.report(BatchJobResult(job: job, outcome: outcome, finished: 1, total: 1))
            if case .failed = outcome { throw ExitCode.failure }
            return
        }
        guard let distdir else { return }
        let plan = try BatchPlanner.plan(directory: distdir, skipOne: skipOne)
        if let workList {
            try WorkList.write(plan, to: workList)
            try Console.writeResult("\(workList): \(plan.count) jobs")
            return
        }
        let started = ContinuousClock.now
        let worked = WorkedJobs()
        let summary = try BatchRunner.run(
            plan, outputDirectory: output,
            options: BatchOptions(concurrentJobs: jobs, maximumRatio: maxRatio, creation: creation),
            progress: {
                worked.count($0.outcome); Self.report($0)
            })
        let seconds = (ContinuousClock.now - started).inSeconds
        let report = BatchReport(
            summary: summary, seconds: seconds, jobsWorked: worked.jobs,
            list: BatchRunner.listPath(outputDirectory: output))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try Console.writeResult(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            try Console.writeResult(report.text)
        }
        if summary.failed > 0 { throw ExitCode.failure }
    }

    /// One plain progress line on stderr.
    static func report(_ result: BatchJobResult) {
        let name = result.job.patchName
        let text: String
        switch result.outcome {
        case let .created(patch, target, warning):
            text =
                "made \(name) (\(patch) of \(target) bytes)"
                + (warning.map { "; warning: target not reproducible bit for bit (\($0)), patch kept" } ?? "")
        case .alreadyDone: text = "already done \(name)"
        case let .dropped(patch, target): text = "dropped \(name) (\(patch) of \(target) bytes is too large)"
        case .alreadyDropped: text = "already dropped \(name)"
        case let .failed(error): text = "failed \(name): \(error)"
        }
        Console.writeDiagnostic("[\(result.finished)/\(result.total)] \(text)")
    }
}

/// Counts the jobs that made a patch in this run (kept or dropped), for throughput. Called from
/// the progress callback, on the batch's worker threads.
private final class WorkedJobs: Sendable {
    private let tally = Mutex(0)

    var jobs: Int { tally.withLock { $0 } }

    func count(_ outcome: BatchOutcome) {
        switch outcome {
        case .created, .dropped: tally.withLock { $0 += 1 }
        default: break
        }
    }
}

/// What `mkpatch batch` prints at the end, as text or (`--json`) as one object.
struct BatchReport: Encodable {
    var created, alreadyDone, dropped, failed, notReproducible: Int
    var patchBytes, fullBytes, processedBytes: UInt64
    var ratio, seconds: Double
    /// Throughput of the jobs that made a patch in this run: jobs a minute and megabytes (10^6
    /// bytes) of target distfiles a second.
    var jobsPerMinute, megabytesPerSecond: Double
    var list: String

    init(summary: BatchSummary, seconds: Double, jobsWorked: Int, list: String) {
        created = summary.created
        alreadyDone = summary.alreadyDone
        dropped = summary.dropped
        failed = summary.failed
        notReproducible = summary.notReproducible
        patchBytes = summary.patchBytes
        fullBytes = summary.fullBytes
        processedBytes = summary.processedTargetBytes
        ratio = summary.ratio
        self.seconds = seconds
        jobsPerMinute = seconds > 0 ? Double(jobsWorked) * 60 / seconds : 0
        megabytesPerSecond = seconds > 0 ? Double(summary.processedTargetBytes) / 1e6 / seconds : 0
        self.list = list
    }

    var text: String {
        var text = """
            \(created) made, \(alreadyDone) already done, \(dropped) dropped, \(failed) failed \
            in \(ReportText.fixed(seconds, decimals: 1)) s (\(ReportText.fixed(jobsPerMinute, decimals: 1)) jobs/min, \
            \(ReportText.fixed(megabytesPerSecond, decimals: 2)) MB/s of targets)
            space: \(patchBytes) patch bytes for \(fullBytes) full-file bytes (\(ReportText.fixed(ratio * 100, decimals: 2))%)
            """
        if notReproducible > 0 {
            text +=
                "\n\(notReproducible) target\(notReproducible == 1 ? "" : "s") not reproducible bit for bit: "
                + "patches kept, clients verify the content and record an alternate digest"
        }
        return text
    }

    enum CodingKeys: String, CodingKey {
        case created, dropped, failed, ratio, seconds, list
        case alreadyDone = "already_done"
        case patchBytes = "patch_bytes"
        case fullBytes = "full_bytes"
        case notReproducible = "not_reproducible"
        case processedBytes = "processed_bytes"
        case jobsPerMinute = "jobs_per_minute"
        case megabytesPerSecond = "megabytes_per_second"
    }
}
