/// One patch to make: from `oldPath` to `newPath`, numbered for work lists and fleets.
public struct BatchJob: Hashable, Sendable {
    /// The job's number, from 0, in plan order.
    public var index: Int
    /// The base distfile.
    public var oldPath: String
    /// The target distfile.
    public var newPath: String

    public init(index: Int, oldPath: String, newPath: String) {
        self.index = index
        self.oldPath = oldPath
        self.newPath = newPath
    }

    /// The name the patch is published under (GLEP 25's `old-newversion.patch`).
    public var patchName: String {
        PatchCreator.patchName(oldFileName: PatchCreator.baseName(oldPath), newFileName: PatchCreator.baseName(newPath))
    }
}

/// Which patches a mirror wants: distfiles grouped into series (same package, same kind of
/// archive), each series in Gentoo's version order, a patch between neighbours.
public enum BatchPlanner {
    /// The jobs for the distfiles in `directory` (plain files whose names have a version).
    /// - Parameter skipOne: also plan a patch from two versions back, so a client one release
    ///   behind still needs one patch.
    public static func plan(directory: String, skipOne: Bool = false) throws(FileSystemError) -> [BatchJob] {
        let names = try regularFileNames(in: directory)
        let prefix = Paths.join(directory, "")
        return plan(fileNames: names, skipOne: skipOne).map {
            BatchJob(index: $0.index, oldPath: prefix + $0.oldPath, newPath: prefix + $0.newPath)
        }
    }

    /// The jobs for `fileNames` (paths are the names themselves), ordered by series, then version.
    /// Names without a version are ignored; equal versions (`1.0` and `1.00`) keep name order.
    public static func plan(fileNames: [String], skipOne: Bool = false) -> [BatchJob] {
        var series = [String: [DistfileName]]()
        for name in fileNames {
            guard let parsed = DistfileName(name) else { continue }
            series[parsed.seriesKey, default: []].append(parsed)
        }
        var jobs = [BatchJob]()
        for key in series.keys.sorted() {
            let versions = series[key]!.sorted { a, b in
                a.version != b.version ? a.version < b.version : a.fileName < b.fileName
            }
            for position in versions.indices.dropFirst() {
                let new = versions[position].fileName
                jobs.append(BatchJob(index: jobs.count, oldPath: versions[position - 1].fileName, newPath: new))
                if skipOne, position >= 2 {
                    jobs.append(BatchJob(index: jobs.count, oldPath: versions[position - 2].fileName, newPath: new))
                }
            }
        }
        return jobs
    }

    /// The names of the regular files in `directory`, hidden ones left out.
    static func regularFileNames(in directory: String) throws(FileSystemError) -> [String] {
        try names(in: directory, ofKind: .regular)
    }

    /// The names of the directories in `directory` (symbolic links followed), hidden ones left out.
    static func directoryNames(in directory: String) throws(FileSystemError) -> [String] {
        try names(in: directory, ofKind: .directory)
    }

    private static func names(in directory: String, ofKind kind: FileStatus.Kind) throws(FileSystemError) -> [String] {
        try FileSystem.entries(in: directory).filter { name in
            !name.hasPrefix(".") && (try? FileSystem.status(of: Paths.join(directory, name)))?.kind == kind
        }.sorted()
    }
}
