import DeltaCore
import Foundation
import Testing

/// The I/O layer's edges: joins, directories, and errors that name the operation and path.
@Suite struct FileSystemTests {
    @Test func joinPutsOneSlashBetween() {
        #expect(Paths.join("/var/distfiles", "a.tar") == "/var/distfiles/a.tar")
        #expect(Paths.join("/var/distfiles/", "a.tar") == "/var/distfiles/a.tar")
        #expect(Paths.join("/", "a.tar") == "/a.tar")
        #expect(Paths.join("", "a.tar") == "a.tar")
        #expect(Paths.join("d", ".deltafetch", "alternates") == "d/.deltafetch/alternates")
        #expect(
            Paths.directory(of: "/a/b") == "/a" && Paths.directory(of: "/b") == "/" && Paths.directory(of: "b") == ".")
        #expect(Paths.name(of: "/a/b.tar") == "b.tar" && Paths.name(of: "b.tar") == "b.tar")
    }

    @Test func createDirectoryMakesParentsAndAcceptsOneThere() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let deep = Paths.join(root.path, "a", "b", "c")
        #expect(throws: FileSystemError.self) { try FileSystem.createDirectory(deep) }
        try FileSystem.createDirectory(deep, intermediates: true)
        try FileSystem.createDirectory(deep)
        #expect(FileSystem.isDirectory(deep))
    }

    /// `permissions: 0o777` leaves the mode to the umask, as mkdir(1) does (a fleet's jobs
    /// under `umask 002` share their journal); the default stays 0755 whatever the umask.
    @Test func createDirectoryModesAndSetPermissions() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        // Read without changing it: other tests run at the same time.
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let umaskLine = try #require(status.split(separator: "\n").first { $0.hasPrefix("Umask:") })
        let umask = try #require(
            UInt32(umaskLine.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8))
        let open = Paths.join(root.path, "open"), fixed = Paths.join(root.path, "fixed")
        try FileSystem.createDirectory(open, permissions: 0o777)
        try FileSystem.createDirectory(fixed)
        #expect(try FileSystem.status(of: open).permissions == 0o777 & ~umask)
        #expect(try FileSystem.status(of: fixed).permissions == 0o755 & ~umask)
        try FileSystem.setPermissions(0o2770, of: open)
        #expect(try FileSystem.status(of: open).permissions == 0o2770)
        let error = try #require(throws: FileSystemError.self) {
            try FileSystem.setPermissions(0o700, of: "/nonexistent/x")
        }
        #expect(
            error.operation == .changeMode
                && error.description == "/nonexistent/x: cannot change the permissions of: No such file or directory")
    }

    @Test func createDirectoryRefusesAFileInTheWay() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = Paths.join(root.path, "f")
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        let error = try #require(throws: FileSystemError.self) { try FileSystem.createDirectory(file) }
        #expect(error.operation == .createDirectory && error.path == file && error.errno == .fileExists)
        #expect(error.description == "\(file): cannot create the directory: File exists")
    }

    @Test func missingFilesAreNotFoundAndNamed() throws {
        let error = try #require(throws: FileSystemError.self) { try ReadableFile(path: "/nonexistent/x") }
        #expect(error.isNotFound && error.operation == .open && error.path == "/nonexistent/x")
        #expect(!FileSystem.removeFileIfPresent("/nonexistent/x"))
        #expect(throws: FileSystemError.self) { try FileSystem.entries(in: "/nonexistent") }
    }

    @Test func descriptorWritesReadsAndLocks() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let path = Paths.join(root.path, "data")
        let file = try FileDescriptor.open(path, .readWrite, options: .create)
        defer { file.closeIgnoringErrors() }
        try Array("hello world".utf8).withUnsafeBytes { try file.writeAll($0) }
        try Array("W".utf8).withUnsafeBytes { try file.writeAll($0, at: 6) }
        #expect(try file.readPrefix(64) == Array("hello World".utf8))
        #expect(try file.status().size == 11 && file.status().kind == .regular)
        try file.truncate(to: 5)
        #expect(try FileSystem.status(of: path).size == 5)
        #expect(try file.lock(.exclusive, waiting: false))
        let other = try FileDescriptor.open(path, .readOnly)
        defer { other.closeIgnoringErrors() }
        #expect(try !other.lock(.shared, waiting: false), "another open file holds it exclusively")
        #expect(try FileSystem.entries(in: root.path) == ["data"])
    }

    /// A released lock is free even while its open file lives on: a copy of the descriptor
    /// (as a child process would hold, or as a `close` that a fault injector fails leaves
    /// it) kept a lock file held, and the same process's next writer of the digest cache
    /// waited on itself for ever (the fault soak's one hang of our own).
    @Test func releasedLocksAreFreeWhileACopyOfTheDescriptorLivesOn() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let path = Paths.join(root.path, "cache.lock")
        let file = try FileDescriptor.open(path, .readWrite, options: .create)
        #expect(try file.lock(.exclusive, waiting: false))
        let copy = dup(file.rawValue)  // the same open file description, which holds the lock
        try #require(copy >= 0)
        defer { Glibc.close(copy) }
        let other = try FileDescriptor.open(path, .readOnly)
        defer { other.closeIgnoringErrors() }
        #expect(try !other.lock(.shared, waiting: false), "held while the lock is taken")
        file.unlockAndCloseIgnoringErrors()
        #expect(try other.lock(.exclusive, waiting: false), "the released lock is still held through the copy")
    }
}
