import DeltaCore
import DeltaTransport
import Foundation
import Testing

/// Rebuilds whose compressed bytes differ from upstream (alternate digests, `--exact`), and
/// local failures: a full disk, a read-only distdir, a kill -9 mid-rebuild.
@Suite(.serialized)
struct FetchAlternateAndLocalFailureTests {
    static let target = "six-1.17.0.tar.gz"

    /// six 1.16.0 and a 1.17.0 whose deflate stream is padded with empty stored blocks (zlib
    /// sync flushes) to over twice its content: no exact recipe makes it, and deflate
    /// reconstruction refuses streams that large by its bound on hostile input (made once).
    /// Until issue 13 this was `pigz -R`'s output, then two gzip members; both now rebuild.
    static func inexactMirror() throws -> PreparedMirror { try inexactMirrorResult.get() }

    private static let inexactMirrorResult = Result { try makeInexactMirror() }

    private static func makeInexactMirror() throws -> PreparedMirror {
        let directory = try TestPaths.temporaryDirectory()
        let inexact = directory.appendingPathComponent(target).path
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = [
            "-c", "gzip -dc \"$0\" | python3 \"$2\" > \"$1\"", TestPaths.testdata(target), inexact,
            TestPaths.testdata("producers/padded-deflate.py"),
        ]
        try shell.run()
        shell.waitUntilExit()
        guard shell.terminationStatus == 0 else { throw NSError(domain: "gzip", code: Int(shell.terminationStatus)) }
        return try PreparedMirror.shared([TestPaths.testdata("six-1.16.0.tar.gz"), inexact])
    }

    /// By default the rebuild is kept apart, in `.deltafetch/alternates/`: the distdir holds
    /// no file under the distfile's name that a plain Portage would reject.
    @Test
    func anInexactRebuildIsKeptApartWithAnAlternateDigest() throws {
        let mirror = try Self.inexactMirror()
        #expect(mirror.createOutput.joined().contains("warning"), "mkpatch create warns about the padded target")
        let world = try FetchWorld(mirror)
        let outcome = try world.fetch(Self.target)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let report = try FetchReportJSON(outcome)
        #expect(report.action == "patched-alternate")
        #expect(report.alternateRecorded == true)
        #expect(report.path == world.apartFile(Self.target))
        #expect(world.distdirNames == ["six-1.16.0.tar.gz"], "nothing under the distfile's own name")
        try Self.expectSameContentAsUpstream(world.apartFile(Self.target), world: world)

        // The database now vouches for the file: present, nothing fetched.
        let again = try world.fetch(Self.target)
        #expect(try FetchReportJSON(again).action == "present")
        #expect(try FetchReportJSON(again).path == world.apartFile(Self.target))
        #expect(world.servedPaths.count == 1)
        // The line holds GLEP 25's: MD5 in both parts, the original's taken from the patch's
        // record since the Manifest has none. A line written before that, without it, still vouches.
        let database = AlternateDigestDatabase(distdir: world.distdir.path)
        let entry = try #require(try database.alternates(for: Self.target).first)
        #expect(entry.isGLEP25Line)
        let upstream = try contents(of: mirror.flat.appendingPathComponent(Self.target).path)
        #expect(entry.original.digests[.md5] == (try DigestContext.digest(.md5, of: upstream)))
        let oldEntry = AlternateDigestEntry(
            original: HashedPart(
                name: Self.target,
                digests: DigestSet(
                    size: entry.original.size,
                    digests: [.blake2b, .sha512].compactMap { entry.original.digests[$0] })),
            alternate: entry.alternate)
        try (try oldEntry.line() + "\n").write(toFile: database.path, atomically: true, encoding: .utf8)
        #expect(try FetchReportJSON(world.fetch(Self.target)).action == "present", "an old line vouches as before")
        #expect(world.servedPaths.count == 1)
        // Only the exact file will do with --exact: it is downloaded whole, beside the alternate.
        let exact = try world.fetch(Self.target, extra: ["--exact", "--uri", world.server.url("/flat/\(Self.target)")])
        #expect(exact.status == 10, "\(exact.stderr)")
        #expect(
            try contents(of: world.distdirFile(Self.target))
                == contents(of: mirror.flat.appendingPathComponent(Self.target).path))
    }

    /// GLEP 25's shared-database mode (`DELTAFETCH_SHARED_DATABASE`, `shared-database = yes`):
    /// the rebuild is kept under the distfile's own name; `clean` keeps its entry.
    @Test
    func inSharedDatabaseModeTheRebuildKeepsItsName() throws {
        let world = try FetchWorld(try Self.inexactMirror())
        let shared = ["DELTAFETCH_SHARED_DATABASE": "yes"]
        let outcome = try world.fetch(Self.target, settings: shared)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try FetchReportJSON(outcome).path == world.distdirFile(Self.target))
        #expect(!FileManager.default.fileExists(atPath: world.apartFile(Self.target)))
        try Self.expectSameContentAsUpstream(world.distdirFile(Self.target), world: world)
        #expect(try FetchReportJSON(world.fetch(Self.target, settings: shared)).action == "present")
        let clean = try DeltaFetchBinary.run(["clean", "--distdir", world.distdir.path])
        #expect(clean.stdout.contains("kept 1, removed 0"), "\(clean.stdout)\(clean.stderr)")
    }

    /// The database entry is written before the file is published: when it cannot be written
    /// (its directory cannot be made: the parent is missing), the fetch fails with exit 6
    /// naming it, and no rebuilt file exists anywhere, apart or under the distfile's name.
    @Test(arguments: [false, true])
    func anUnwritableDatabaseLeavesNoUnvouchedFile(shared: Bool) throws {
        let world = try FetchWorld(try Self.inexactMirror())
        let directory = world.distdirFile("missing/deeper")
        let outcome = try world.fetch(
            Self.target, extra: ["--alternate-digests", directory + "/alternate-digests"],
            settings: shared ? ["DELTAFETCH_SHARED_DATABASE": "yes"] : [:])
        #expect(outcome.status == 6, "\(outcome.stderr)")
        #expect(outcome.stderr.contains(directory), "\(outcome.stderr)")
        #expect(world.distdirNames == ["six-1.16.0.tar.gz"])
        #expect(!FileManager.default.fileExists(atPath: world.apartFile(Self.target)))
    }

    /// The rebuilt file decompresses to upstream's content, its compressed bytes differ, and
    /// the database holds one entry for it.
    static func expectSameContentAsUpstream(_ path: String, world: FetchWorld) throws {
        let upstreamPath = world.mirror.flat.appendingPathComponent(target).path
        let rebuilt = try contents(of: path)
        let upstream = try contents(of: upstreamPath)
        #expect(rebuilt != upstream)
        #expect(
            try FileInspector.inspect(path: path, algorithms: [.sha256]).uncompressed
                == FileInspector.inspect(path: upstreamPath, algorithms: [.sha256]).uncompressed)
        let entries = try AlternateDigestDatabase(distdir: world.distdir.path).alternates(for: target)
        #expect(entries.count == 1)
        #expect(entries.first?.original.size == UInt64(upstream.count))
        #expect(entries.first?.alternate.size == UInt64(rebuilt.count))
    }

    @Test
    func exactRefusesAnInexactRebuildAndFallsBack() throws {
        let world = try FetchWorld(try Self.inexactMirror())
        let outcome = try world.fetch(Self.target, extra: ["--exact"])
        #expect(outcome.status == 10, "\(outcome.stderr)")
        let report = try FetchReportJSON(outcome)
        #expect(report.action == "downloaded")
        #expect(report.fallbackReason?.contains("only the exact file") == true, "\(report.fallbackReason ?? "nil")")
        #expect(try AlternateDigestDatabase(distdir: world.distdir.path).alternates(for: Self.target).isEmpty)
        #expect(
            try contents(of: world.distdirFile(Self.target))
                == contents(of: world.mirror.flat.appendingPathComponent(Self.target).path))
    }

    static let canMount: Bool = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount")

    static func mount(_ arguments: [String]) -> Bool {
        guard let process = try? Process.run(URL(fileURLWithPath: "/bin/mount"), arguments: arguments) else {
            return false
        }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static func unmount(_ path: String) {
        let process = try? Process.run(URL(fileURLWithPath: "/bin/umount"), arguments: [path])
        process?.waitUntilExit()
    }

    /// The content (174 kB) does not fit beside the base in 120 kB: exit 7, nothing under a
    /// final name, no scratch directory left.
    @Test(.enabled(if: canMount, "needs root to mount a tmpfs"))
    func aFullDiskStopsWithExit7() throws {
        let world = try FetchWorld(try FetchEndToEndTests.sixMirror())
        let small = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: small) }
        try #require(Self.mount(["-t", "tmpfs", "-o", "size=120k", "tmpfs", small.path]))
        defer { Self.unmount(small.path) }
        try FileManager.default.copyItem(
            atPath: TestPaths.testdata("six-1.16.0.tar.gz"),
            toPath: small.appendingPathComponent("six-1.16.0.tar.gz").path)
        let outcome = try DeltaFetchBinary.run([
            "fetch", Self.target, "--distdir", small.path, "--patches", world.mirror.patchList,
            "--manifest", world.mirror.manifest, "--mirror", world.server.url("/flat"), "--json",
        ])
        #expect(outcome.status == 7, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("disk full"))
        #expect(TestPaths.entries(of: small).filter { $0 != ".deltafetch" } == ["six-1.16.0.tar.gz"])
        #expect(!world.servedPaths.contains("/flat/\(Self.target)"), "a full disk is not cured by downloading")
    }

    /// A read-only distdir (a read-only bind mount: root ignores file modes): exit 6 naming it.
    @Test(.enabled(if: canMount, "needs root to bind-mount"))
    func aReadOnlyDistdirStopsWithExit6() throws {
        let world = try FetchWorld(try FetchEndToEndTests.sixMirror())
        let readOnly = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: readOnly) }
        try #require(Self.mount(["--bind", world.distdir.path, readOnly.path]))
        defer { Self.unmount(readOnly.path) }
        try #require(Self.mount(["-o", "remount,ro,bind", readOnly.path]))
        let outcome = try DeltaFetchBinary.run([
            "fetch", Self.target, "--distdir", readOnly.path, "--patches", world.mirror.patchList,
            "--manifest", world.mirror.manifest, "--mirror", world.server.url("/flat"), "--json",
        ])
        #expect(outcome.status == 6, "\(outcome.stderr)")
        #expect(outcome.stderr.contains(readOnly.path))
        #expect(world.distdirNames == ["six-1.16.0.tar.gz"])
        #expect(world.servedPaths.isEmpty)
    }

    /// Three Django releases from the corpus (one mirror, made once, serves both Django tests).
    static func djangoVersions() -> [String] {
        ["Django-5.0.6.tar.gz", "Django-5.0.7.tar.gz", "Django-5.1.tar.gz"].map { TestPaths.corpusFile($0)! }
    }

    /// Django 5.0.6 → 5.0.7 rebuilds for seconds; kill -9 during it leaves no file under the
    /// final name, and the next run cleans up and finishes without fetching the patch again.
    @Test(.enabled(if: TestPaths.corpusFile("Django-5.1.tar.gz") != nil, "needs the corpus (DELTA_CORPUS)"))
    func killDuringRebuildLeavesNothingAndTheNextRunFinishes() throws {
        let mirror = try PreparedMirror.shared(Self.djangoVersions())
        let world = try FetchWorld(mirror)
        let target = "Django-5.0.7.tar.gz"
        let logs = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: logs) }
        let arguments = [
            "fetch", target, "--distdir", world.distdir.path, "--patches", mirror.patchList,
            "--manifest", mirror.manifest, "--mirror", world.server.url("/flat"),
        ]
        let process = try DeltaFetchBinary.start(arguments, logDirectory: logs, tag: "killed")
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning, Date() < deadline,
            !DeltaFetchBinary.stderr(in: logs, tag: "killed").contains("applying patch")
        {
            usleep(20_000)
        }
        usleep(300_000)
        try #require(
            process.isRunning,
            "the rebuild ended before it could be killed: \(DeltaFetchBinary.stderr(in: logs, tag: "killed"))")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(!world.distdirNames.contains(target))
        #expect(
            world.distdirNames.contains { $0.hasPrefix(".deltafetch-work-") },
            "the killed run's scratch directory is there")

        let rerun = try DeltaFetchBinary.run(arguments + ["--json"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let report = try FetchReportJSON(rerun)
        #expect(report.action == "patched")
        #expect(report.bytesDownloaded == 0, "the verified patch from the killed run was used")
        #expect(world.distdirNames == ["Django-5.0.6.tar.gz", target], "scratch directory cleaned up")
        #expect(
            try FileInspector.inspect(path: world.distdirFile(target), algorithms: [.sha256]).compressed
                == FileInspector.inspect(path: TestPaths.corpusFile(target)!, algorithms: [.sha256]).compressed)
    }

    /// A chain of two real patches (Django 5.0.6 → 5.0.7 → 5.1): the bytes saved and the time
    /// taken, printed for the record.
    @Test(.enabled(if: TestPaths.corpusFile("Django-5.1.tar.gz") != nil, "needs the corpus (DELTA_CORPUS)"))
    func aTwoPatchChainRebuildsDjango51() throws {
        let paths = Self.djangoVersions()
        let mirror = try PreparedMirror.shared(paths)
        let world = try FetchWorld(mirror)
        let outcome = try world.fetch("Django-5.1.tar.gz")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let report = try FetchReportJSON(outcome)
        #expect(report.action == "patched")
        #expect(report.chain == ["Django-5.0.6-5.0.7.tar.gz.patch", "Django-5.0.7-5.1.tar.gz.patch"])
        let patchBytes =
            mirror.size(of: "Django-5.0.6-5.0.7.tar.gz.patch") + mirror.size(of: "Django-5.0.7-5.1.tar.gz.patch")
        #expect(report.bytesDownloaded == patchBytes)
        #expect(
            world.servedPaths.sorted() == [
                "/flat/Django-5.0.6-5.0.7.tar.gz.patch", "/flat/Django-5.0.7-5.1.tar.gz.patch",
            ])
        #expect(
            try FileInspector.inspect(path: world.distdirFile("Django-5.1.tar.gz"), algorithms: [.sha256]).compressed
                == FileInspector.inspect(path: paths[2], algorithms: [.sha256]).compressed)
        print(
            "measured: Django 5.0.6 -> 5.1 by two patches: \(patchBytes) of \(report.fullSize ?? 0) bytes downloaded, \(report.seconds ?? 0) s"
        )
    }
}
