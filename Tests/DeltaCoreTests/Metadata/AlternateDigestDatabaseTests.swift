import DeltaCore
import Foundation
import Synchronization
import Testing

@Suite struct AlternateDigestDatabaseTests {
    /// GLEP 25's own example line.
    static let glepLine =
        "MD5 984146931906a7d53300b29f58f6a899 OOo_1.0.3_source.tar.bz2 165475319 MD5 0733dd85ed44d88d1eabed704d579721 165444187"

    static func md5(_ text: String) -> Digest { try! DigestContext.digest(.md5, of: Array(text.utf8)) }

    /// An entry for `name` whose original and rebuilt digests are derived from the name.
    static func entry(_ name: String, newName: String? = nil) -> AlternateDigestEntry {
        AlternateDigestEntry(
            original: HashedPart(name: name, size: 100, hashes: [.known(md5("tree " + name))]),
            alternate: HashedPart(
                name: newName, size: 99,
                hashes: [
                    .known(md5("rebuilt " + name)),
                    .known(try! DigestContext.digest(.blake2b, of: Array(name.utf8))),
                ]))
    }

    static let proof = try! VerifiedContent(
        expected: DigestSet(size: 5, digests: [md5("hello")]),
        actual: DigestSet(size: 5, digests: [md5("hello")]), file: "x")

    @Test func glepExampleParsesAndRoundTrips() throws {
        let entry = try AlternateDigestEntry(line: Substring(Self.glepLine))
        #expect(entry.originalName == "OOo_1.0.3_source.tar.bz2")
        #expect(entry.original.size == 165475319)
        #expect(entry.alternate.name == nil)
        #expect(entry.fileName == "OOo_1.0.3_source.tar.bz2")
        #expect(entry.alternate.size == 165444187)
        #expect(entry.alternate.digests[.md5]?.hex == "0733dd85ed44d88d1eabed704d579721")
        #expect(try entry.line() == Self.glepLine)

        let renamed = try AlternateDigestEntry(
            line: Substring(
                Self.glepLine.replacingOccurrences(of: " 165444187", with: " OOo_1.0.3_source.tar.gz 165444187")))
        #expect(renamed.fileName == "OOo_1.0.3_source.tar.gz")
        #expect(try AlternateDigestEntry(line: Substring(try renamed.line())) == renamed)
        let multi = Self.entry("a-1.tar.gz", newName: "a-1.tar.xz")
        #expect(try AlternateDigestEntry(line: Substring(try multi.line())) == multi)
    }

    @Test(arguments: [
        (
            "MD5 984146931906a7d53300b29f58f6a899 OOo.tar.bz2 165475319",
            MetadataError.missing("hash", part: "alternate")
        ),
        (
            "MD5 984146931906a7d53300b29f58f6a899 OOo.tar.bz2 165475319 MD5 0733dd85ed44d88d1eabed704d579721",
            .missing("size", part: "alternate")
        ),
        (
            "MD5 984146931906a7d53300b29f58f6a899 OOo.tar.bz2 165475319 MD5 0733dd85ed44d88d1eabed704d579721 x 1 2",
            .trailingTokens("2")
        ),
        (
            "MD5 984146931906a7d53300b29f58f6a899 OOo.tar.bz2 big MD5 0733dd85ed44d88d1eabed704d579721 1",
            .sizeNotANumber("big", part: "original file")
        ),
    ])
    func malformedLinesHaveClearErrors(line: String, expected: MetadataError) {
        #expect(throws: expected) { try AlternateDigestEntry(line: Substring(line)) }
    }

    @Test func entriesNeedVerifiedContent() throws {
        #expect(throws: AlternateDigestError.contentMismatch(file: "f")) {
            try VerifiedContent(
                expected: DigestSet(size: 5, digests: [Self.md5("hello")]),
                actual: DigestSet(size: 5, digests: [Self.md5("world")]), file: "f")
        }
        // No shared algorithm proves nothing either.
        #expect(throws: AlternateDigestError.contentMismatch(file: "f")) {
            try VerifiedContent(
                expected: DigestSet(size: 5, digests: [Self.md5("hello")]),
                actual: DigestSet(size: 5, digests: [try DigestContext.digest(.sha512, of: Array("hello".utf8))]),
                file: "f")
        }
    }

    @Test func livesInsideTheDistdirAndAddsOnce() throws {
        let distdir = try TestPaths.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: distdir) }
        let database = AlternateDigestDatabase(distdir: distdir)
        #expect(database.path == distdir + "/.deltafetch/alternate-digests")
        #expect(try database.entries().entries.isEmpty)
        #expect(try database.add(Self.entry("a-1.tar.gz"), verifiedBy: Self.proof))
        #expect(try !database.add(Self.entry("a-1.tar.gz"), verifiedBy: Self.proof))
        #expect(try database.add(Self.entry("b-1.tar.gz"), verifiedBy: Self.proof))
        #expect(try database.entries().entries == [Self.entry("a-1.tar.gz"), Self.entry("b-1.tar.gz")])
        #expect(try database.alternates(for: "b-1.tar.gz") == [Self.entry("b-1.tar.gz")])
        let moved = AlternateDigestDatabase(distdir: distdir, path: distdir + "/elsewhere.db")
        #expect(moved.path == distdir + "/elsewhere.db")
    }

    @Test func anUnfinishedLineFromACrashIsNeverAnEntry() throws {
        let distdir = try TestPaths.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: distdir) }
        let database = AlternateDigestDatabase(distdir: distdir)
        try database.add(Self.entry("a-1.tar.gz"), verifiedBy: Self.proof)
        // A writer died mid-line: the fragment even parses as a line (with a cut size).
        let full = try Self.entry("b-1.tar.gz").line()
        let torn = String(full.dropLast(1))
        let handle = try #require(FileHandle(forWritingAtPath: database.path))
        handle.seekToEndOfFile()
        handle.write(Data(torn.utf8))
        try handle.close()
        #expect(try database.entries().entries == [Self.entry("a-1.tar.gz")])
        // The next writer cuts the fragment off before appending.
        try database.add(Self.entry("c-1.tar.gz"), verifiedBy: Self.proof)
        let text = try String(contentsOfFile: database.path, encoding: .utf8)
        #expect(text == (try Self.entry("a-1.tar.gz").line()) + "\n" + (try Self.entry("c-1.tar.gz").line()) + "\n")
    }

    @Test func cleanDropsPairsWhoseFileIsGone() throws {
        let distdir = try TestPaths.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: distdir) }
        let database = AlternateDigestDatabase(distdir: distdir)
        for name in ["a-1.tar.gz", "b-1.tar.gz", "c-1.tar.gz"] {
            try database.add(Self.entry(name), verifiedBy: Self.proof)
        }
        try database.add(Self.entry("d-1.tar.bz2", newName: "d-1.tar.xz"), verifiedBy: Self.proof)
        FileManager.default.createFile(atPath: distdir + "/a-1.tar.gz", contents: Data())
        FileManager.default.createFile(atPath: distdir + "/c-1.tar.gz", contents: Data())
        FileManager.default.createFile(atPath: distdir + "/d-1.tar.xz", contents: Data())
        let handle = try #require(FileHandle(forWritingAtPath: database.path))
        handle.seekToEndOfFile()
        handle.write(Data("garbage line\n".utf8))
        try handle.close()
        let report = try database.clean(distdir: distdir)
        #expect(report == .init(kept: 3, removed: 1, discarded: 1))
        #expect(try database.entries().entries.map(\.fileName) == ["a-1.tar.gz", "c-1.tar.gz", "d-1.tar.xz"])
        #expect(try database.clean(distdir: distdir) == .init(kept: 3, removed: 0, discarded: 0))
    }

    /// Files kept apart (the default) count as present; files in the apart directory that no
    /// entry names are deleted; a distdir without a database keeps its files.
    @Test func cleanLooksApartAndDeletesUnvouchedFiles() throws {
        let distdir = try TestPaths.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: distdir) }
        let database = AlternateDigestDatabase(distdir: distdir)
        let apart = AlternateFiles.directory(distdir: distdir)
        try AlternateFiles.createDirectory(distdir: distdir)
        FileManager.default.createFile(atPath: apart + "/stray-1.tar.gz", contents: Data())
        #expect(try database.clean(distdir: distdir) == .init(kept: 0, removed: 0, discarded: 0))
        #expect(FileManager.default.fileExists(atPath: apart + "/stray-1.tar.gz"), "no database: not ours to delete")

        for name in ["a-1.tar.gz", "b-1.tar.gz", "c-1.tar.gz"] {
            try database.add(Self.entry(name), verifiedBy: Self.proof)
        }
        FileManager.default.createFile(atPath: apart + "/a-1.tar.gz", contents: Data())
        FileManager.default.createFile(atPath: distdir + "/b-1.tar.gz", contents: Data())
        let report = try database.clean(distdir: distdir)
        #expect(report == .init(kept: 2, removed: 1, discarded: 0, orphans: 1))
        #expect(try database.entries().entries.map(\.fileName) == ["a-1.tar.gz", "b-1.tar.gz"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: apart) == ["a-1.tar.gz"])
    }

    /// The line is on disk before the file is published, and a failed publish keeps it (for
    /// `clean`): never a file without its line.
    @Test func theLineIsWrittenBeforeThePublishStep() throws {
        let distdir = try TestPaths.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: distdir) }
        let database = AlternateDigestDatabase(distdir: distdir)
        var seen = [AlternateDigestEntry]()
        try database.add(
            Self.entry("a-1.tar.gz"), verifiedBy: Self.proof,
            thenWhileLocked: {
                let text = try String(contentsOfFile: database.path, encoding: .utf8)
                seen = text.split(separator: "\n").compactMap { try? AlternateDigestEntry(line: $0) }
            })
        #expect(seen == [Self.entry("a-1.tar.gz")])
        struct Refused: Error {}
        #expect(throws: Refused.self) {
            try database.add(Self.entry("b-1.tar.gz"), verifiedBy: Self.proof, thenWhileLocked: { throw Refused() })
        }
        #expect(try database.entries().entries.count == 2)
    }

    /// Threads of this process and `deltafetch` processes add and clean the same database at
    /// once; afterwards every entry is there exactly once and every line is whole.
    @Test(.enabled(if: Self.deltafetch != nil)) func concurrentWritersLoseNothingAndTearNothing() throws {
        let distdir = try TestPaths.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: distdir) }
        let database = AlternateDigestDatabase(distdir: distdir)
        let threadNames = (0..<6).flatMap { thread in (0..<15).map { "t\(thread)-\($0).tar.gz" } }
        for name in threadNames { FileManager.default.createFile(atPath: distdir + "/" + name, contents: Data()) }

        // Files for the processes: gzip'd content, listed in a patch list by its uncompressed
        // MD5, with a Manifest whose compressed digests differ (as after recompression).
        let fixture = try TestPaths.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: fixture) }
        var patches = "", manifest = ""
        let processNames = (0..<16).map { "p\($0).tar.gz" }
        for name in processNames {
            let content = Data("content of \(name)\n".utf8)
            let gz = try Tools.run("gzip", ["-n", "-c"], input: content).stdout
            FileManager.default.createFile(atPath: distdir + "/" + name, contents: gz)
            let umd5 = try DigestContext.digest(.md5, of: Array(content)).hex
            patches +=
                "MD5 \(Self.md5("p").hex) \(name).patch 10 MD5 \(Self.md5("b").hex) base.tar.gz 20 UMD5 \(umd5) \(name) \(content.count)\n"
            manifest +=
                "DIST \(name) \(gz.count) BLAKE2B \(try DigestContext.digest(.blake2b, of: Array(name.utf8)).hex)\n"
        }
        try patches.write(toFile: fixture + "/patches", atomically: true, encoding: .utf8)
        try manifest.write(toFile: fixture + "/Manifest", atomically: true, encoding: .utf8)

        let binary = try #require(Self.deltafetch)
        var jobList = processNames.map {
            [
                "record-alternate", $0, "--distdir", distdir, "--patches", fixture + "/patches", "--manifest",
                fixture + "/Manifest",
            ]
        }
        for index in stride(from: 0, to: 16, by: 2) { jobList.insert(["clean", "--distdir", distdir], at: index) }
        let jobs = jobList
        let failures = Mutex<[String]>([])
        let writersLeft = Atomic<Int>(6 + 4)
        // Threads 0-5 add entries, each followed by one for a file that does not exist, so that
        // the cleaner (thread 6) keeps rewriting the file while others append; threads 7-10
        // run `deltafetch` processes that record alternates and clean.
        DispatchQueue.concurrentPerform(iterations: 6 + 1 + 4) { worker in
            if worker < 6 {
                for name in threadNames where name.hasPrefix("t\(worker)-") {
                    do {
                        try database.add(Self.entry(name), verifiedBy: Self.proof)
                        try database.add(Self.entry("gone-" + name), verifiedBy: Self.proof)
                    } catch {
                        failures.withLock { $0.append("\(name): \(error)") }
                    }
                }
                writersLeft.subtract(1, ordering: .sequentiallyConsistent)
            } else if worker == 6 {
                while writersLeft.load(ordering: .sequentiallyConsistent) > 0 {
                    do { _ = try database.clean(distdir: distdir) } catch {
                        failures.withLock { $0.append("clean: \(error)") }
                    }
                    usleep(2_000)  // leave the writers room; without the lock, this still loses their lines
                }
            } else {
                for (index, job) in jobs.enumerated() where index % 4 == worker - 7 {
                    do {
                        let result = try Tools.run(binary, job)
                        if result.status != 0 {
                            failures.withLock { $0.append("\(job): \(String(decoding: result.stderr, as: UTF8.self))") }
                        }
                    } catch {
                        failures.withLock { $0.append("\(job): \(error)") }
                    }
                }
                writersLeft.subtract(1, ordering: .sequentiallyConsistent)
            }
        }
        _ = try database.clean(distdir: distdir)
        #expect(failures.withLock { $0 } == [])
        let text = try String(contentsOfFile: database.path, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n")
        #expect(lines.count == threadNames.count + processNames.count)
        for line in lines { #expect(throws: Never.self) { try AlternateDigestEntry(line: line) } }
        let (entries, problems) = try database.entries()
        #expect(problems.isEmpty)
        let missing = Set(threadNames + processNames).subtracting(entries.map(\.fileName))
        #expect(missing.sorted() == [], "entries lost")
        #expect(Set(entries).count == entries.count)
    }

    static var deltafetch: String? {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var url = exe.deletingLastPathComponent()
        while url.path != "/" {
            let candidate = url.appendingPathComponent("deltafetch").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url = url.deletingLastPathComponent()
        }
        return nil
    }
}

extension AlternateDigestDatabaseTests {
    @Test func aReadOnlyDatabaseWithoutLockFileIsStillRead() throws {
        let distdir = try TestPaths.temporaryDirectory().path
        defer {
            _ = try? FileManager.default.setAttributes(
                [.posixPermissions: 0o755], ofItemAtPath: distdir + "/.deltafetch")
            try? FileManager.default.removeItem(atPath: distdir)
        }
        let database = AlternateDigestDatabase(distdir: distdir)
        try database.add(Self.entry("a-1.tar.gz"), verifiedBy: Self.proof)
        try FileManager.default.removeItem(atPath: database.lockPath)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: distdir + "/.deltafetch")
        // Root ignores directory permissions; then the lock file is simply created again.
        #expect(try database.entries().entries == [Self.entry("a-1.tar.gz")])
    }
}
