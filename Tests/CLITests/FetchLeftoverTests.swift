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
