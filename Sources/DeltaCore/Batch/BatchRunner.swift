import Synchronization

/// How a batch is run.
public struct BatchOptions: Sendable {
    /// Jobs run at once (at least 1).
    public var concurrentJobs: Int
    /// A patch larger than this fraction of the new distfile is not worth its line: it is
    /// deleted and remembered as dropped (debdelta found 0.7 a good bound).
    public var maximumRatio: Double
    /// Whether each made line also goes into `OUTDIR/patches` (a batch on one machine), or only
    /// into its result file for `mkpatch index` to merge (one job of a fleet).
    public var recordsInList: Bool
    /// How each patch is made.
    public var creation: PatchCreationOptions

    public init(
        concurrentJobs: Int = 1, maximumRatio: Double = 0.7, recordsInList: Bool = true,
        creation: PatchCreationOptions = PatchCreationOptions()
    ) {
        self.concurrentJobs = max(1, concurrentJobs)
        self.maximumRatio = maximumRatio
        self.recordsInList = recordsInList
        self.creation = creation
    }
}

/// What became of one job.
public enum BatchOutcome: Sendable {
    /// The patch was made and kept; `reproducibleWarning` says why the target cannot be
    /// rebuilt bit for bit, when it cannot (the patch is kept all the same).
    case created(patchSize: UInt64, targetSize: UInt64, reproducibleWarning: String?)
    /// An earlier run already made it (patch and line present); nothing was done.
    case alreadyDone(patchSize: UInt64, targetSize: UInt64)
    /// The patch was larger than the bound; it was deleted and no line written.
    case dropped(patchSize: UInt64, targetSize: UInt64)
    /// An earlier run dropped it; nothing was done.
    case alreadyDropped
    /// Making it failed (the error says why); other jobs went on.
    case failed(any Error)
}

/// One finished job, as reported while a batch runs.
public struct BatchJobResult: Sendable {
    public var job: BatchJob
    public var outcome: BatchOutcome
    /// How many jobs had finished, this one included, and how many there are.
    public var finished: Int, total: Int

    public init(job: BatchJob, outcome: BatchOutcome, finished: Int, total: Int) {
        self.job = job
        self.outcome = outcome
        self.finished = finished
        self.total = total
    }
}

/// What a batch did, and the space its kept patches take against the full files they replace.
public struct BatchSummary: Sendable, Equatable {
    public var created = 0, alreadyDone = 0, dropped = 0, failed = 0
    /// Of the patches made now, how many rebuild their target's content but not its compressed
    /// bytes (no recipe reproduced it): kept, and worth a warning.
    public var notReproducible = 0
    /// Bytes of the kept patches (made now or before).
    public var patchBytes: UInt64 = 0
    /// Bytes of the new distfiles those patches rebuild.
    public var fullBytes: UInt64 = 0
    /// Bytes of the new distfiles of the jobs that made a patch now (kept or dropped): the work
    /// done, for throughput.
    public var processedTargetBytes: UInt64 = 0

    public init() {}

    /// patchBytes / fullBytes (0 when nothing was kept).
    public var ratio: Double { fullBytes == 0 ? 0 : Double(patchBytes) / Double(fullBytes) }

    mutating func add(_ outcome: BatchOutcome) {
        switch outcome {
        case let .created(patch, target, warning):
            created += 1; patchBytes += patch; fullBytes += target; processedTargetBytes += target
            if warning != nil { notReproducible += 1 }
        case let .alreadyDone(patch, target): alreadyDone += 1; patchBytes += patch; fullBytes += target
        case let .dropped(_, target): dropped += 1; processedTargetBytes += target
        case .alreadyDropped: dropped += 1
        case .failed: failed += 1
        }
    }
}

/// Runs batch jobs into an output directory, a bounded number at once, resuming where an
/// interrupted run stopped.
///
/// The journal is `OUTDIR/.jobs/`: `PATCHNAME.line` holds a made patch's list line (written
/// after the patch is published), `PATCHNAME.dropped` marks a patch dropped for its size. A job
/// is skipped when its `.dropped` marker exists, or when its patch exists and its line is in
/// `OUTDIR/patches` or in its `.line` file. A run killed midway leaves at most a published
/// patch without a line, which the next run makes again.
public enum BatchRunner {
    /// The list every batch writes: `OUTDIR/patches`.
    public static func listPath(outputDirectory: String) -> String { outputDirectory + "/patches" }

    /// The journal directory: `OUTDIR/.jobs`.
    public static func journalDirectory(outputDirectory: String) -> String { outputDirectory + "/.jobs" }

    /// Runs `jobs`, calling `progress` (serialised) as each finishes.
    public static func run(
        _ jobs: [BatchJob], outputDirectory: String, options: BatchOptions = BatchOptions(),
        progress: @escaping @Sendable (BatchJobResult) -> Void = { _ in }
    ) throws -> BatchSummary {
        try makeDirectories(outputDirectory: outputDirectory)
        let listed = try listedPairs(listPath(outputDirectory: outputDirectory))
        let state = SharedState(total: jobs.count, progress: progress)
        BlockingWork.parallelForEach(count: jobs.count, jobs: options.concurrentJobs) { position in
            let job = jobs[position]
            let outcome: BatchOutcome
            do {
                outcome = try runOne(job, outputDirectory: outputDirectory, options: options, listed: listed)
            } catch {
                outcome = .failed(error)
            }
            state.finish(job, outcome)
        }
        return state.summary
    }

    /// Runs one job (a fleet's `--run-job`), with the same journal and skipping as ``run``.
    public static func runOne(_ job: BatchJob, outputDirectory: String, options: BatchOptions) throws -> BatchOutcome {
        try makeDirectories(outputDirectory: outputDirectory)
        return try runOne(
            job, outputDirectory: outputDirectory, options: options,
            listed: options.recordsInList ? try listedPairs(listPath(outputDirectory: outputDirectory)) : [])
    }

    /// Merges every `.jobs/*.line` result into `OUTDIR/patches` (what `mkpatch index` does).
    /// - Returns: how many lines were merged.
    @discardableResult
    public static func index(outputDirectory: String) throws -> Int {
        let journal = journalDirectory(outputDirectory: outputDirectory)
        var entries = [PatchListEntry]()
        for name in try BatchPlanner.regularFileNames(in: journal) where name.hasSuffix(".line") {
            let path = Paths.join(journal, name)
            let text = try MetadataLines.readText(path: path)
            let line = text.split(separator: "\n").first ?? ""
            do {
                entries.append(try PatchListEntry(line: line))
            } catch {
                throw FileError(path: path, line: 1, underlying: error)
            }
        }
        try PatchCreator.record(contentsOf: entries, inList: listPath(outputDirectory: outputDirectory))
        return entries.count
    }

    private static func runOne(
        _ job: BatchJob, outputDirectory: String, options: BatchOptions,
        listed: Set<String>
    ) throws -> BatchOutcome {
        let patchName = job.patchName
        let journal = journalDirectory(outputDirectory: outputDirectory)
        let linePath = Paths.join(journal, patchName + ".line"),
            droppedPath = Paths.join(journal, patchName + ".dropped")
        let patchPath = Paths.join(outputDirectory, patchName)
        if FileSystem.exists(droppedPath) { return .alreadyDropped }
        if let patchSize = fileSize(patchPath) {
            let pair = PatchCreator.baseName(job.oldPath) + "\u{0}" + PatchCreator.baseName(job.newPath)
            if listed.contains(pair) {
                return .alreadyDone(patchSize: patchSize, targetSize: fileSize(job.newPath) ?? 0)
            }
            if FileSystem.exists(linePath) {
                // Made before, but the run stopped before listing it.
                if options.recordsInList {
                    let entry = try PatchListEntry(
                        line: Substring(try MetadataLines.readText(path: linePath).split(separator: "\n").first ?? ""))
                    try PatchCreator.record(entry, inList: listPath(outputDirectory: outputDirectory))
                }
                return .alreadyDone(patchSize: patchSize, targetSize: fileSize(job.newPath) ?? 0)
            }
        }
        let creation = try PatchCreator.create(
            oldPath: job.oldPath, newPath: job.newPath,
            outputDirectory: outputDirectory, options: options.creation)
        let targetSize = creation.newFile.size
        if Double(creation.patchSize) > options.maximumRatio * Double(targetSize) {
            try writeAtomically("", to: droppedPath)
            FileSystem.removeFileIfPresent(creation.patchPath)
            return .dropped(patchSize: creation.patchSize, targetSize: targetSize)
        }
        try writeAtomically(try creation.entry.line() + "\n", to: linePath)
        if options.recordsInList {
            try PatchCreator.record(creation.entry, inList: listPath(outputDirectory: outputDirectory))
        }
        return .created(
            patchSize: creation.patchSize, targetSize: targetSize, reproducibleWarning: creation.notReproducibleReason)
    }

    /// The base-and-target pairs listed in the list at `path` (none when it is missing).
    private static func listedPairs(_ path: String) throws -> Set<String> {
        Set(
            try PatchListDocument.load(path: path).numberedEntries.map {
                $0.entry.baseName + "\u{0}" + $0.entry.targetName
            })
    }

    private static func writeAtomically(_ text: String, to path: String) throws {
        let writer = try AtomicFileWriter(path: path)
        try writer.write(Array(text.utf8))
        try writer.commit()
    }

    /// Makes OUTDIR and its journal with the modes the umask allows, as `mkdir(1)` does: in a
    /// fleet whose hosts run as different users of one group, under `umask 002`, the journal
    /// one job makes must stay writable by the others (a fixed 0755 locked them out).
    private static func makeDirectories(outputDirectory: String) throws(FileSystemError) {
        try FileSystem.createDirectory(outputDirectory, permissions: 0o777)
        try FileSystem.createDirectory(journalDirectory(outputDirectory: outputDirectory), permissions: 0o777)
    }

    static func fileSize(_ path: String) -> UInt64? {
        (try? FileSystem.status(of: path))?.size
    }
}

/// The summary and the progress callback, shared by the workers.
private final class SharedState: Sendable {
    private let done = Mutex((finished: 0, summary: BatchSummary()))
    private let total: Int
    private let progress: @Sendable (BatchJobResult) -> Void

    init(total: Int, progress: @escaping @Sendable (BatchJobResult) -> Void) {
        self.total = total
        self.progress = progress
    }

    /// Counts a finished job and reports it; reports are serialised by the lock.
    func finish(_ job: BatchJob, _ outcome: BatchOutcome) {
        done.withLock { done in
            done.finished += 1
            done.summary.add(outcome)
            progress(BatchJobResult(job: job, outcome: outcome, finished: done.finished, total: total))
        }
    }

    var summary: BatchSummary { done.withLock { $0.summary } }
}
