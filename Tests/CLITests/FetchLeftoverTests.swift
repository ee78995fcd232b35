import Foundation
import Testing

/// What an interrupted run leaves is cleared by the next successful one (found by the fault
/// soak: a full download cut by an I/O error left its partial file after a later patched fetch).
@Suite struct FetchLeftoverTests {
    @Test func aPatchedFetchRemovesAnEarlierPartialDownloadOfTheFile() throws {
        let mirror = try SixMirror()
        defer { mirror.remove() }
        let partial = mirror.distdir + "/." + SixMirror.target + ".partial"
        try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: partial))
        try "deltafetch-partial 1\n".write(toFile: partial + ".meta", atomically: true, encoding: .utf8)
        let fetch = try Binaries.run("deltafetch", mirror.fetchArguments + ["--json"])
        #expect(fetch.status == 0, "\(fetch.stderr)")
        #expect(fetch.stdout.contains("\"action\":\"patched\""), "\(fetch.stdout)")
        #expect(!FileManager.default.fileExists(atPath: partial))
        #expect(!FileManager.default.fileExists(atPath: partial + ".meta"))

        // Present already: leftovers are cleared too, whatever left them (a run killed during
        // its rebuild, an unlink that failed): a partial file, a work directory, a lock file.
        try Data(repeating: 7, count: 10).write(to: URL(fileURLWithPath: partial))
        let work = mirror.distdir + "/.deltafetch-work-" + SixMirror.target + "-AbC123"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: false)
        try Data([1]).write(to: URL(fileURLWithPath: work + "/content"))
        let lock = mirror.distdir + "/." + SixMirror.target + ".lock"
        try Data().write(to: URL(fileURLWithPath: lock))
        let again = try Binaries.run("deltafetch", mirror.fetchArguments + ["--json"])
        #expect(again.stdout.contains("\"action\":\"present\""), "\(again.stdout)")
        for leftover in [partial, work, lock] {
            #expect(!FileManager.default.fileExists(atPath: leftover), "\(leftover)")
        }
    }
}

/// Leftovers inside DISTDIR/.deltafetch: a patch kept after a failed rebuild once its target
/// is in place, and a temporary file of a writer that died (found by the fault soak).
@Suite struct FetchStateLeftoverTests {
    @Test func keptPatchesAndDeadWritersTemporariesGoOnceTheFileIsInPlace() throws {
        let mirror = try SixMirror()
        defer { mirror.remove() }
        let state = mirror.distdir + "/.deltafetch"
        try FileManager.default.createDirectory(atPath: state + "/patches", withIntermediateDirectories: true)
        let keptPatch = state + "/patches/six-1.16.0-1.17.0.tar.gz.patch"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: keptPatch))
        let deadTemporary = state + "/.digest-cache.deltafetch-AbC123"
        try Data([4]).write(to: URL(fileURLWithPath: deadTemporary))
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: deadTemporary)
        let liveTemporary = state + "/.measurements.deltafetch-DeF456"
        try Data([5]).write(to: URL(fileURLWithPath: liveTemporary))
        try FileManager.default.copyItem(
            atPath: Binaries.testdata(SixMirror.target), toPath: mirror.distdir + "/" + SixMirror.target)
        let fetch = try Binaries.run("deltafetch", mirror.fetchArguments + ["--json"])
        #expect(fetch.stdout.contains("\"action\":\"present\""), "\(fetch.stdout) \(fetch.stderr)")
        #expect(!FileManager.default.fileExists(atPath: keptPatch))
        #expect(!FileManager.default.fileExists(atPath: deadTemporary))
        #expect(FileManager.default.fileExists(atPath: liveTemporary), "a writer's fresh temporary file may be live")
    }
}
