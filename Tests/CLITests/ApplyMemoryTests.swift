import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `mkpatch apply` holds its peak resident memory within 16 MiB whatever the pair's size
/// (issue 14): its buffers, the LZMA2 windows and the literal context are bounded, and the
/// binary links FoundationEssentials rather than Foundation.
@Suite struct ApplyMemoryTests {
    /// The bound, in KiB: 16 MiB for mkpatch as deployed (release, Swift runtime linked
    /// statically, as bench/run-peers.sh builds it). A dynamically linked Swift runtime maps
    /// about 3 MB more of shared library pages, and a debug build's larger unoptimised code
    /// more again; the heap the applier controls is the same in all three. A debug build's
    /// pages grow with every line of code (`mkpatch --version` alone peaked at 23 MB once the
    /// libdeflate emulation came in, against 15 MB for release), so there the applier is held
    /// to what it adds to the binary's own baseline, `baselineKiB`: 5 MiB, as in release.
    static func boundKiB(dynamicSwiftRuntime: Bool, baselineKiB: Int) -> Int {
        var bound = 16 << 10
        if dynamicSwiftRuntime { bound += 3 << 10 }
        #if DEBUG
        bound = max(bound + (5 << 10), baselineKiB + (5 << 10))
        #endif
        return bound
    }

    /// A pair whose patch has everything that costs the applier memory: 8 MiB of old text,
    /// thousands of scattered edits (a derived literal context at its limit), 2 MiB of new
    /// text (literals longer than any window) and a deletion.
    static func makePair(in directory: URL, seed: UInt64) throws -> (old: String, new: String) {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let words = (0..<4096).map { index -> [UInt8] in
            var word = [UInt8]()
            for _ in 0..<(3 + Int(next() % 8)) { word.append(UInt8(97 + next() % 26)) }
            return word + (index % 17 == 0 ? [10] : [32])
        }
        func text(_ count: Int) -> [UInt8] {
            var bytes = [UInt8]()
            bytes.reserveCapacity(count + 16)
            while bytes.count < count { bytes += words[Int(next() % 4096)] }
            return Array(bytes[..<count])
        }
        let old = text(8 << 20)
        var new = old
        for _ in 0..<2000 {
            let at = Int(next() % UInt64(new.count - 64))
            new.replaceSubrange(at..<at + Int(next() % 24), with: text(Int(next() % 40)))
        }
        new.insert(contentsOf: text(2 << 20), at: new.count / 3)
        new.removeSubrange(new.count / 2..<new.count / 2 + (1 << 20))
        let oldPath = directory.appendingPathComponent("old.bin").path
        let newPath = directory.appendingPathComponent("new.bin").path
        try Data(old).write(to: URL(fileURLWithPath: oldPath))
        try Data(new).write(to: URL(fileURLWithPath: newPath))
        return (oldPath, newPath)
    }

    struct Measurement {
        var status: Int32
        /// VmHWM of the child, in KiB, read once its work was done.
        var peakKiB: Int
        /// Whether the child mapped the shared Swift runtime.
        var dynamicSwiftRuntime: Bool
    }

    /// Runs `tool` with `arguments` and reads its peak resident memory (`VmHWM`) from
    /// /proc while it is blocked writing its one result line, after all its work: its stdout
    /// is a pipe filled beforehand. (`wait4`'s `ru_maxrss` would not do: a child started by
    /// `posix_spawn` shares this process's memory until it executes, and counts it.)
    static func runMeasured(_ tool: String, _ arguments: [String]) throws -> Measurement {
        let path = Binaries.productsDirectory.appendingPathComponent(tool).path
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let (readEnd, writeEnd) = (fds[0], fds[1])
        // Fill the pipe, so that the child's first write blocks.
        _ = fcntl(writeEnd, F_SETFL, O_NONBLOCK)
        let filler = [UInt8](repeating: 0, count: 4096)
        var prefilled = 0
        while true {
            let written = filler.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            prefilled += written
        }
        _ = fcntl(writeEnd, F_SETFL, 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        close(writeEnd)
        defer { close(readEnd) }
        try #require(spawned == 0, "posix_spawn: \(spawned)")

        func procFile(_ name: String) -> String {
            (try? String(contentsOfFile: "/proc/\(pid)/\(name)", encoding: .utf8)) ?? ""
        }
        var peakKiB = 0
        // From the binary, not the live process: a child that exits before it is seen blocked
        // has no maps left to read.
        let dynamicSwiftRuntime = Self.needsSharedSwiftRuntime(path)
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline {
            let status = procFile("status")
            if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let value = Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" })[1])
            {
                peakKiB = max(peakKiB, value)
            }
            // Blocked in write(1, …): x86-64's write is 1, arm64's 64.
            let call = procFile("syscall").split(separator: " ")
            if call.count > 1, call[0] == "1" || call[0] == "64", call[1] == "0x1" { break }
            if status.isEmpty || status.contains("State:\tZ") { break }
            usleep(2000)
        }
        // Let it finish: drain the pipe.
        var sink = [UInt8](repeating: 0, count: 65536)
        while sink.withUnsafeMutableBytes({ read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        return Measurement(
            status: exited ? (status >> 8) & 0xff : -1, peakKiB: peakKiB, dynamicSwiftRuntime: dynamicSwiftRuntime)
    }

    /// Whether the ELF binary at `path` loads the Swift runtime as a shared library (its
    /// dynamic section names `libswiftCore.so`); a `--static-swift-stdlib` build does not.
    static func needsSharedSwiftRuntime(_ path: String) -> Bool {
        guard let binary = FileManager.default.contents(atPath: path) else { return true }
        return binary.range(of: Data("libswiftCore.so".utf8)) != nil
    }

    @Test func applyPeakResidentMemoryIsBounded() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("applymem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let seed = UInt64.random(in: 1...UInt64.max)
        let (old, new) = try Self.makePair(in: directory, seed: seed)
        let patch = directory.appendingPathComponent("p.dfpatch").path
        let diff = try Binaries.run("mkpatch", ["diff", old, new, "-o", patch])
        try #require(diff.status == 0, "seed \(seed): \(diff.stderr)")
        let output = directory.appendingPathComponent("out.bin").path
        let measured = try Self.runMeasured("mkpatch", ["apply", old, patch, "-o", output])
        #expect(measured.status == 0, "seed \(seed)")
        #expect(FileManager.default.contentsEqual(atPath: output, andPath: new), "seed \(seed): output differs")
        let baseline = try Self.runMeasured("mkpatch", ["--version"]).peakKiB
        let bound = Self.boundKiB(dynamicSwiftRuntime: measured.dynamicSwiftRuntime, baselineKiB: baseline)
        #expect(measured.peakKiB > 0, "seed \(seed): no VmHWM read")
        #expect(
            measured.peakKiB <= bound,
            "seed \(seed): apply peaked at \(measured.peakKiB) KiB, bound \(bound) KiB (--version: \(baseline) KiB)")
    }
}
