#if canImport(Glibc)
import Glibc
#endif

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
    public static func plan(directory: String, skipOne: Bool = false) throws(IOError) -> [BatchJob] {
        let names = try regularFileNames(in: directory)
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
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
    static func regularFileNames(in directory: String) throws(IOError) -> [String] {
        try names(in: directory, ofType: S_IFREG)
    }

    /// The names of the directories in `directory` (symbolic links followed), hidden ones left out.
    static func directoryNames(in directory: String) throws(IOError) -> [String] {
        try names(in: directory, ofType: S_IFDIR)
    }

    private static func names(in directory: String, ofType type: mode_t) throws(IOError) -> [String] {
        guard let handle = opendir(directory) else { throw IOError(.open, path: directory, errno: errno) }
        defer { closedir(handle) }
        var names = [String]()
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard !name.hasPrefix(".") else { continue }
            var info = stat()
            if stat(directory + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == type { names.append(name) }
        }
        return names.sorted()
    }
}
