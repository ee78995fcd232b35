/// Remembers the digests of files so that planning in a large distdir does not rehash them.
///
/// An entry is keyed by the path, and is trusted only while the file's device, inode, size,
/// modification time and status-change time (to the nanosecond) are unchanged; anything
/// else rehashes. The change time matters because the modification time can be set back
/// (`touch -r`, `cp -p`, tar) and a freed inode number is soon reused, while only the kernel
/// sets the change time. The
/// cache is kept in a text file (by default `DISTDIR/.deltafetch/digest-cache`), rewritten
/// atomically by ``save()`` under `PATH.lock`; concurrent savers may lose each other's
/// additions, which costs only a rehash later.
public final class DigestCache {
    /// Where the cache is stored, or nil for a cache kept in memory only.
    public let storePath: String?
    /// The algorithms computed for a file that is not cached.
    public let algorithms: [DigestAlgorithm]
    /// Lookups answered from the cache.
    public private(set) var hits = 0
    /// Lookups that hashed the file.
    public private(set) var misses = 0

    private struct Identity: Hashable {
        var device: UInt64, inode: UInt64, size: UInt64, seconds: Int64, nanoseconds: Int64, changeSeconds: Int64,
            changeNanoseconds: Int64
    }

    private var entries = [String: (identity: Identity, digests: DigestSet)]()
    private var dirty = false

    /// `DISTDIR/.deltafetch/digest-cache`.
    public static func defaultPath(distdir: String) -> String {
        (distdir.hasSuffix("/") ? String(distdir.dropLast()) : distdir) + "/.deltafetch/digest-cache"
    }

    /// Loads the cache at `storePath` if there is one (a missing or unreadable cache starts
    /// empty: it is only a cache).
    public init(storePath: String?, algorithms: [DigestAlgorithm] = DigestAlgorithm.allCases) {
        self.storePath = storePath
        self.algorithms = algorithms
        if let storePath, let text = try? MetadataLines.readText(path: storePath) { load(text) }
    }

    /// The size and digests of the file at `path`, from the cache when the file is unchanged.
    /// - Throws: ``FileSystemError`` when it cannot be read, ``DigestError``.
    public func digests(ofFile path: String) throws -> DigestSet {
        let identity = try Self.identity(of: path)
        if let cached = entries[path], cached.identity == identity,
            algorithms.allSatisfy({ cached.digests[$0] != nil })
        {
            hits += 1
            return cached.digests
        }
        misses += 1
        let digests = try MultiDigest.digests(ofFile: path, algorithms: algorithms)
        // Only remember it if the file did not change while it was read.
        if try Self.identity(of: path) == identity {
            entries[path] = (identity, digests)
            dirty = true
        }
        return digests
    }

    /// Writes the cache to ``storePath`` if it changed, creating its directory.
    /// - Throws: ``FileSystemError``.
    public func save() throws(FileSystemError) {
        guard dirty, let storePath else { return }
        try FileSystem.createDirectory(Paths.directory(of: storePath))
        var text =
            "# deltafetch digest cache 2: device inode size mtime-seconds mtime-nanoseconds ctime-seconds ctime-nanoseconds hashes path\n"
        for (path, entry) in entries.sorted(by: { $0.key < $1.key }) {
            guard !path.contains("\n") else { continue }
            let id = entry.identity
            let hashes = entry.digests.digests.values.sorted { $0.algorithm < $1.algorithm }.map {
                "\($0.algorithm.rawValue) \($0.hex)"
            }
            text +=
                "\(id.device) \(id.inode) \(id.size) \(id.seconds) \(id.nanoseconds) \(id.changeSeconds) \(id.changeNanoseconds) \(hashes.joined(separator: " ")) \(path)\n"
        }
        // Writers take the cache's lock, so that what a killed one left can be cleared safely
        // (AtomicFileWriter.removeDeadWriters).
        let lock = try ReadWriteFileLock(path: storePath + ".lock", mode: .exclusive)
        defer { lock.release() }
        let writer = try AtomicFileWriter(path: storePath)
        try writer.write(Array(text.utf8))
        try writer.commit()
        dirty = false
    }

    private func load(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ", maxSplits: 7)
            guard fields.count == 8, let device = UInt64(fields[0]), let inode = UInt64(fields[1]),
                let size = UInt64(fields[2]),
                let seconds = Int64(fields[3]), let nanoseconds = Int64(fields[4]),
                let changeSeconds = Int64(fields[5]), let changeNanoseconds = Int64(fields[6])
            else { continue }
            // The rest is `ALG hex` pairs, then the path (which may hold spaces).
            var rest = fields[7][...]
            var digests = [Digest]()
            while let space = rest.firstIndex(of: " "),
                let algorithm = DigestAlgorithm(rawValue: String(rest[..<space]))
            {
                let after = rest[rest.index(after: space)...]
                let hexEnd = after.firstIndex(of: " ") ?? after.endIndex
                guard let digest = try? Digest(algorithm: algorithm, hex: after[..<hexEnd]), hexEnd < after.endIndex
                else { break }
                digests.append(digest)
                rest = after[after.index(after: hexEnd)...]
            }
            guard !digests.isEmpty, !rest.isEmpty else { continue }
            let identity = Identity(
                device: device, inode: inode, size: size, seconds: seconds, nanoseconds: nanoseconds,
                changeSeconds: changeSeconds, changeNanoseconds: changeNanoseconds)
            entries[String(rest)] = (identity, DigestSet(size: size, digests: digests))
        }
    }

    private static func identity(of path: String) throws(FileSystemError) -> Identity {
        let status = try FileSystem.status(of: path)
        return Identity(
            device: status.device, inode: status.inode, size: status.size,
            seconds: status.modified.seconds, nanoseconds: status.modified.nanoseconds,
            changeSeconds: status.changed.seconds, changeNanoseconds: status.changed.nanoseconds)
    }
}
