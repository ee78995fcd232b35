/// GLEP 25's client-side database of valid alternate digests, a flat file of
/// ``AlternateDigestEntry`` lines.
///
/// It lives inside the distdir by default (`DISTDIR/.deltafetch/alternate-digests`), so that
/// sharing the distdir shares it, as GLEP 25 requires; a setting can move it. Every access
/// takes a lock on a companion `.lock` file (shared to read, exclusive to write), so several
/// processes and threads may add and clean at once. Appends are one `write` of a whole line
/// followed by `fsync`; a line left unfinished by a crash is never read as an entry, and the
/// next writer cuts it off. Cleaning rewrites the file with an ``AtomicFileWriter``.
public struct AlternateDigestDatabase: Sendable {
    /// The database file.
    public let path: String

    /// The lock file guarding ``path``.
    public var lockPath: String { path + ".lock" }

    /// The database at `path`.
    public init(path: String) {
        self.path = path
    }

    /// The database of `distdir`: at `path` if given (a setting), else the default place.
    public init(distdir: String, path: String? = nil) {
        self.init(path: path ?? Self.defaultPath(distdir: distdir))
    }

    /// `DISTDIR/.deltafetch/alternate-digests`.
    public static func defaultPath(distdir: String) -> String {
        Paths.join(distdir, ".deltafetch/alternate-digests")
    }

    /// Every entry, and the problems of lines that were skipped. A missing database is empty.
    /// - Throws: ``FileSystemError`` when the file or its lock cannot be read.
    public func entries() throws -> (entries: [AlternateDigestEntry], problems: [FileError]) {
        guard directoryExists else { return ([], []) }
        let lock: ReadWriteFileLock
        do {
            lock = try ReadWriteFileLock(path: lockPath, mode: .shared)
        } catch {
            // A read-only distdir without a lock file: nobody can be writing it, and readers
            // never take an unfinished line anyway.
            let readOnly = error.errno == .permissionDenied || error.errno == .readOnlyFileSystem
            guard error.isNotFound || readOnly else { throw error }
            return try readEntries()
        }
        defer { lock.release() }
        return try readEntries()
    }

    /// The entries for distfile `name`.
    public func alternates(for name: String) throws -> [AlternateDigestEntry] {
        try entries().entries.filter { $0.originalName == name }
    }

    /// Records an alternate digest, unless the same entry is already there.
    /// - Parameters:
    ///   - entry: the original file (the tree's digests) and the rebuilt file's digests.
    ///   - proof: the check of the rebuilt file's uncompressed content; an entry cannot be
    ///     added without it.
    ///   - publish: run once the line is on disk (written and fsynced, or already there),
    ///     still under the exclusive lock: the rebuilt file's rename into place. A crash before
    ///     it leaves a line without a file, which ``clean(distdir:)`` drops, never a file that
    ///     nothing vouches for; and no `clean` can drop the line between the two.
    /// - Returns: whether a line was added.
    /// - Throws: ``AlternateDigestError`` for an entry that cannot be written, ``FileSystemError``, or
    ///   what `publish` throws (then the line stays, for `clean` to drop).
    @discardableResult
    public func add(
        _ entry: AlternateDigestEntry, verifiedBy proof: VerifiedContent,
        thenWhileLocked publish: () throws -> Void = {}
    ) throws -> Bool {
        let line: String
        do {
            line = try entry.line() + "\n"
        } catch {
            throw AlternateDigestError.invalidEntry(error)
        }
        try FileSystem.createDirectory(Paths.directory(of: path))
        let lock = try ReadWriteFileLock(path: lockPath, mode: .exclusive)
        defer { lock.release() }
        let file = try FileDescriptor.open(path, .readWrite, options: [.create, .append])
        defer { file.closeIgnoringErrors() }
        let existing = try readAll(file)
        // Cut off a line a crashed writer left unfinished, so that it never becomes an entry.
        let complete = existing.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        if complete < existing.count {
            try file.truncate(to: UInt64(complete))
        }
        let text = String(decoding: existing[..<complete], as: UTF8.self)
        if text.split(separator: "\n").contains(where: { (try? AlternateDigestEntry(line: $0)) == entry }) {
            try publish()
            return false
        }
        try Array(line.utf8).withUnsafeBytes { bytes in
            Result { () throws(FileSystemError) in try file.writeAll(bytes) }
        }.get()
        try file.sync()
        try publish()
        return true
    }

    /// What ``clean(distdir:)`` did.
    public struct CleanReport: Hashable, Sendable {
        /// Entries kept.
        public var kept: Int
        /// Entries dropped because their file is gone from the distdir.
        public var removed: Int
        /// Malformed, unfinished or duplicate lines dropped.
        public var discarded: Int
        /// Files in the apart directory (``AlternateFiles``) that no entry vouches for, deleted.
        public var orphans: Int

        /// Creates a report.
        public init(kept: Int, removed: Int, discarded: Int, orphans: Int = 0) {
            self.kept = kept
            self.removed = removed
            self.discarded = discarded
            self.orphans = orphans
        }
    }

    /// Drops the entries whose file is gone from `distdir` (from its apart directory and
    /// from the distdir itself: both modes of ``AlternateFiles``), and any malformed or
    /// duplicate line, rewriting the database atomically under the lock; then deletes the
    /// files of the apart directory that no remaining entry names (nothing would ever use
    /// them). Without a database file nothing is deleted: the files may belong to a
    /// database this call was not told about.
    /// - Throws: ``FileSystemError``.
    public func clean(distdir: String) throws -> CleanReport {
        guard directoryExists else { return CleanReport(kept: 0, removed: 0, discarded: 0) }
        let lock = try ReadWriteFileLock(path: lockPath, mode: .exclusive)
        defer { lock.release() }
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(path, .readOnly)
        } catch {
            guard error.isNotFound else { throw error }
            return CleanReport(kept: 0, removed: 0, discarded: 0)
        }
        let bytes: [UInt8]
        do {
            defer { file.closeIgnoringErrors() }
            bytes = try readAll(file)
        }
        var report = CleanReport(kept: 0, removed: 0, discarded: 0)
        var kept = [String](), seen = Set<AlternateDigestEntry>(), keptNames = Set<String>()
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, raw) in lines.enumerated() {
            let line = String(decoding: raw, as: UTF8.self)
            let isUnfinished = index == lines.count - 1
            if line.isEmpty && isUnfinished { break }
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("#") { kept.append(line); continue }
            guard !isUnfinished, let entry = try? AlternateDigestEntry(line: Substring(line)),
                seen.insert(entry).inserted
            else {
                report.discarded += 1
                continue
            }
            if AlternateFiles.existing(entry, distdir: distdir) != nil {
                kept.append(line)
                keptNames.insert(entry.fileName)
                report.kept += 1
            } else {
                report.removed += 1
            }
        }
        if report.removed + report.discarded > 0 {
            let writer = try AtomicFileWriter(path: path)
            try writer.write(Array(kept.map { $0 + "\n" }.joined().utf8))
            try writer.commit()
        }
        report.orphans = Self.removeOrphans(distdir: distdir, keeping: keptNames)
        return report
    }

    /// Deletes the regular files of the apart directory not in `names`; returns how many.
    private static func removeOrphans(distdir: String, keeping names: Set<String>) -> Int {
        let directory = AlternateFiles.directory(distdir: distdir)
        let files = (try? BatchPlanner.regularFileNames(in: directory)) ?? []
        return files.filter { !names.contains($0) && FileSystem.removeFileIfPresent(Paths.join(directory, $0)) }.count
    }

    private var directoryExists: Bool {
        FileSystem.exists(Paths.directory(of: path))
    }

    private func readEntries() throws -> (entries: [AlternateDigestEntry], problems: [FileError]) {
        let text: String
        do {
            text = try MetadataLines.readText(path: path)
        } catch let error as FileSystemError where error.isNotFound {
            return ([], [])
        }
        // Only complete lines are entries: a crash may have left the last one unfinished.
        let complete = text.lastIndex(of: "\n").map { text[...$0] } ?? ""
        var entries = [AlternateDigestEntry]()
        let problems = try MetadataLines.forEachEntryLine(String(complete), path: path, strict: false) {
            line throws(MetadataError) in
            entries.append(try AlternateDigestEntry(line: line))
        }
        return (entries, problems)
    }

    private func readAll(_ file: FileDescriptor) throws(FileSystemError) -> [UInt8] {
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let offset = UInt64(bytes.count)
            let count = try chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(FileSystemError) in try file.read(into: buffer, at: offset) }
            }.get()
            if count == 0 { return bytes }
            guard UInt64(bytes.count + count) <= MetadataLines.maximumFileSize else {
                throw FileSystemError(
                    .read, path: path,
                    detail: "larger than \(MetadataLines.maximumFileSize) bytes; not an alternate-digest database")
            }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    static func fileExists(directory: String, name: String) -> Bool {
        AlternateFiles.isPlainName(name) && FileSystem.exists(Paths.join(directory, name))
    }
}
