/// A batch's jobs as a text file for a fleet to share out: one job per line,
/// `INDEX<TAB>OLD-PATH<TAB>NEW-PATH`, in index order; `#` lines and blank lines are ignored.
/// Paths are taken as written (relative ones are relative to where the job runs).
public enum WorkList {
    /// The text of a work list for `jobs`.
    /// - Throws: ``BatchError/unlistablePath(_:)`` for a path with a tab or newline.
    public static func text(_ jobs: [BatchJob]) throws(BatchError) -> String {
        var text = "# mkpatch work list: index<TAB>old<TAB>new; run one with mkpatch batch --run-job INDEX\n"
        for job in jobs {
            for path in [job.oldPath, job.newPath]
            where path.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) {
                throw BatchError.unlistablePath(path)
            }
            text += "\(job.index)\t\(job.oldPath)\t\(job.newPath)\n"
        }
        return text
    }

    /// Writes the work list for `jobs` to `path` atomically.
    public static func write(_ jobs: [BatchJob], to path: String) throws {
        let writer = try AtomicFileWriter(path: path)
        try writer.write(Array(try text(jobs).utf8))
        try writer.commit()
    }

    /// Parses a work list's `text` (read from `path`, named in errors).
    public static func parse(_ text: String, path: String) throws(BatchError) -> [BatchJob] {
        var jobs = [BatchJob]()
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3, let index = Int(fields[0]), index >= 0, !fields[1].isEmpty, !fields[2].isEmpty
            else {
                throw BatchError.malformedWorkList(
                    path: path, line: offset + 1, problem: "expected INDEX<TAB>OLD<TAB>NEW")
            }
            jobs.append(BatchJob(index: index, oldPath: String(fields[1]), newPath: String(fields[2])))
        }
        return jobs
    }

    /// Reads and parses the work list at `path`.
    public static func load(path: String) throws -> [BatchJob] {
        try parse(try MetadataLines.readText(path: path), path: path)
    }
}
