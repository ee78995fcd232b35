import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A mirror fleet for real: GNU parallel (`--sshloginfile`) sends `mkpatch batch --run-job` jobs
/// to three ssh hosts (real sshd on loopback, each with its own user and home) that share one
/// output directory, through `scripts/fleet-parallel.sh`, the recipe of docs/batch.md; then
/// `mkpatch index`. One host is killed mid-job; a rerun of the recipe completes the work, and
/// the result equals a one-machine `mkpatch batch` byte for byte.
@Suite(
    .serialized, .enabled(if: SSHFleet.unavailableReason == nil, Comment(rawValue: SSHFleet.unavailableReason ?? "")))
struct FleetBatchTests {
    /// Which host dies: the last.
    static let doomed = 2

    @Test func parallelOverSSHEqualsOneMachineAndAHostKilledMidJobIsRerun() throws {
        let root = URL(fileURLWithPath: "/tmp").appendingPathComponent("deltafleet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        chmod(root.path, 0o755)
        let started = Date()
        let fleet = try SSHFleet(root: root)
        defer { fleet.stop() }
        let setUp = Date().timeIntervalSince(started)
        let dist = root.appendingPathComponent("dist").path, single = root.appendingPathComponent("single").path
        let out = root.appendingPathComponent("out").path, workList = root.appendingPathComponent("jobs.tsv").path
        let jobLog = root.appendingPathComponent("joblog").path
        try FleetDistdir.make(at: dist)
        // The hosts' users run a copy: the build folder may sit where they cannot read.
        let mkpatch = root.appendingPathComponent("bin/mkpatch").path
        try FileManager.default.createDirectory(
            atPath: root.appendingPathComponent("bin").path, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Binaries.productsDirectory.appendingPathComponent("mkpatch").path, toPath: mkpatch)

        // One machine.
        let singleStarted = Date()
        let one = try Binaries.run("mkpatch", ["batch", dist, "-o", single])
        let singleSeconds = Date().timeIntervalSince(singleStarted)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.hasPrefix("4 made, 0 already done, 0 dropped, 0 failed"), "\(one.stdout)")

        // The fleet: a work list, and the shared output directory of the fleet's group.
        let written = try Binaries.run("mkpatch", ["batch", dist, "-o", out, "--work-list", workList])
        #expect(written.stdout == "\(workList): 4 jobs\n", "\(written.stderr)")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        #expect(chown(out, 0, SSHFleet.gid ?? 0) == 0 && chmod(out, 0o2775) == 0)

        // Host 3 dies the moment one of its jobs has made its scratch directory in OUTDIR.
        let watch = try CreationWatch(directory: out)
        let killer = HostKiller(fleet: fleet, host: Self.doomed, watch: watch)
        let firstStarted = Date()
        let first = try Self.recipe(fleet: fleet, mkpatch: mkpatch, workList: workList, out: out, jobLog: jobLog)
        let firstSeconds = Date().timeIntervalSince(firstStarted)
        let killedJob = killer.finish()
        guard let killedPatch = killedJob else {
            Issue.record(
                "host \(Self.doomed + 1) made no scratch directory, so it was not killed mid-job: \(first.output)")
            return
        }
        #expect(first.status != 0, "a job was killed, so the recipe reports a failure: \(first.output)")
        // Nothing of the killed job is listed; what is listed is what one machine lists.
        let singleLines = try Self.lines(single + "/patches")
        let afterKill = try Self.lines(out + "/patches")
        #expect(!afterKill.contains { $0.contains(" \(killedPatch) ") }, "the killed job is not listed: \(afterKill)")
        #expect(Set(afterKill).isSubset(of: Set(singleLines)), "\(afterKill)\n\(first.output)")
        #expect(!FileManager.default.fileExists(atPath: "\(out)/.jobs/\(killedPatch).line"))

        // The host comes back; the same recipe with the same job log reruns what failed.
        try fleet.start(Self.doomed)
        let rerunStarted = Date()
        let rerun = try Self.recipe(fleet: fleet, mkpatch: mkpatch, workList: workList, out: out, jobLog: jobLog)
        let rerunSeconds = Date().timeIntervalSince(rerunStarted)
        let log = (try? String(contentsOfFile: jobLog, encoding: .utf8)) ?? ""
        #expect(rerun.status == 0, "\(rerun.output)\njob log:\n\(log)")
        #expect(rerun.output.contains("\(out)/patches: 4 job results merged"), "\(rerun.output)")

        // Byte for byte: every visible file (the patches and the list) and every journal line.
        let fleetFiles = try Self.visibleFiles(out), singleFiles = try Self.visibleFiles(single)
        #expect(fleetFiles.keys.sorted() == singleFiles.keys.sorted())
        for (name, bytes) in singleFiles { #expect(fleetFiles[name] == bytes, "\(name) differs") }
        #expect(try Self.visibleFiles(out + "/.jobs") == Self.visibleFiles(single + "/.jobs"))
        #expect(Set(try Self.lines(out + "/patches")) == Set(singleLines))
        // Every host did some of the work.
        let owners = Set(
            try FileManager.default.contentsOfDirectory(atPath: out + "/.jobs").map { Self.owner("\(out)/.jobs/\($0)") }
        )
        #expect(owners.count >= 2, "jobs ran as \(owners); job log:\n\(log)")
        let hidden = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix(".") }.sorted()
        // The rerun, whichever user ran it, cleared the dead host's scratch directory.
        #expect(hidden == [".jobs", ".patches.lock"], "\(hidden)")
        print(
            """
            fleet test: set-up \(Self.seconds(setUp)), one machine \(Self.seconds(singleSeconds)), \
            fleet with host \(Self.doomed + 1) killed mid-job \(Self.seconds(firstSeconds)) (killed in \(killedPatch)), \
            rerun \(Self.seconds(rerunSeconds)), total \(Self.seconds(Date().timeIntervalSince(started))); \
            OUTDIR's hidden entries: \(hidden)
            """)
    }

    /// `scripts/fleet-parallel.sh` with the fleet's sshloginfile and this build's mkpatch.
    static func recipe(
        fleet: SSHFleet, mkpatch: String, workList: String, out: String,
        jobLog: String
    ) throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["MKPATCH"] = mkpatch
        environment["PARALLEL_SSH"] = fleet.parallelSSH
        let script = Binaries.repositoryRoot.appendingPathComponent("scripts/fleet-parallel.sh").path
        return try SSHFleet.capture(
            "/bin/bash", [script, fleet.sshLoginFile, workList, out, jobLog], environment: environment)
    }

    static func lines(_ path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// The regular files of `directory` whose names do not start with a dot, with their bytes.
    static func visibleFiles(_ directory: String) throws -> [String: Data] {
        var files = [String: Data]()
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where !name.hasPrefix(".") {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
            }
        }
        return files
    }

    static func owner(_ path: String) -> uid_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_uid : uid_t.max
    }

    static func seconds(_ interval: TimeInterval) -> String { String(format: "%.1f s", interval) }
}

/// Watches OUTDIR while the recipe runs and kills a host the moment one of its jobs has made its
/// scratch directory (`.deltafetch-work-PATCHNAME-XXXXXX`): mid-job, before the patch is
/// published or listed.
final class HostKiller: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    private var killedPatch: String?
    private let finished = DispatchSemaphore(value: 0)

    init(fleet: SSHFleet, host: Int, watch: CreationWatch) {
        let uid = fleet.uid(host)
        let prefix = ".deltafetch-work-"
        Thread.detachNewThread { [self] in
            defer { finished.signal() }
            while !isDone {
                let name = watch.next(timeout: 0.2) { name in
                    name.hasPrefix(prefix) && FleetBatchTests.owner(watch.directory + "/" + name) == uid
                }
                guard let name else { continue }
                fleet.kill(host)
                // The name is the prefix, the patch's name, `-` and mkdtemp's six characters.
                let patch = String(name.dropFirst(prefix.count).dropLast(7))
                lock.withLock { killedPatch = patch }
                return
            }
        }
    }

    private var isDone: Bool { lock.withLock { done } }

    /// Stops watching; returns the patch whose job was killed, if one was.
    func finish() -> String? {
        lock.withLock { done = true }
        finished.wait()
        return lock.withLock { killedPatch }
    }
}

/// A distdir from the real six 1.16.0 and 1.17.0 tarballs of the corpus (PyPI's `.tar.gz`),
/// their tars recompressed as `.tar.bz2` (bzip2 -9) and `.tar.xz` (xz -6) and kept plain as
/// `.tar`: four series, four jobs, each a fraction of a second. Two more real distfiles
/// without a second version (gnu-efi, asm) make no jobs.
enum FleetDistdir {
    static func make(at dist: String) throws {
        try FileManager.default.createDirectory(atPath: dist, withIntermediateDirectories: true)
        let corpus = ProcessInfo.processInfo.environment["DELTA_CORPUS"] ?? (NSHomeDirectory() + "/.cache/delta-corpus")
        for name in ["six-1.16.0.tar.gz", "six-1.17.0.tar.gz", "gnu-efi_3.0.15.orig.tar.bz2", "asm_9.3.orig.tar.xz"] {
            let source =
                FileManager.default.fileExists(atPath: corpus + "/" + name)
                ? corpus + "/" + name : Binaries.testdata(name)
            try FileManager.default.copyItem(atPath: source, toPath: dist + "/" + name)
        }
        for version in ["1.16.0", "1.17.0"] {
            let made = try SSHFleet.capture(
                "/bin/sh",
                [
                    "-c",
                    """
                    cd "$1" && gzip -dc six-$2.tar.gz > six-$2.tar && bzip2 -9 -c six-$2.tar > six-$2.tar.bz2 && xz -6 -c six-$2.tar > six-$2.tar.xz
                    """, "sh", dist, version,
                ])
            guard made.status == 0 else { throw FleetError("recompressing six \(version): \(made.output)") }
        }
    }
}
