import DeltaCore
import Foundation
import Testing

/// Patch names and the journal keyed by them: one name per pair, whatever else the mirror or
/// the work list holds.
@Suite struct BatchNamingTests {
    @Test func patchNamesKeepTheArchiveKindSoTwoKindsOfOneReleaseDoNotClash() {
        let cases: [(String, String, String)] = [
            ("six-1.16.0.tar.gz", "six-1.17.0.tar.gz", "six-1.16.0-1.17.0.tar.gz.patch"),
            ("six-1.16.0.tar.xz", "six-1.17.0.tar.xz", "six-1.16.0-1.17.0.tar.xz.patch"),
            ("kdelibs-3.1.4.tar.bz2", "kdelibs-3.1.5.tar.bz2", "kdelibs-3.1.4-3.1.5.tar.bz2.patch"),
            ("gnu-efi_3.0.15.orig.tar.bz2", "gnu-efi_3.0.17.orig.tar.bz2", "gnu-efi_3.0.15-3.0.17.orig.tar.bz2.patch"),
            // Across archive kinds (only `mkpatch create` makes these) both endings stay.
            ("foo-1.0.tar.bz2", "foo-1.1.tar.xz", "foo-1.0.tar.bz2-1.1.tar.xz.patch"),
            ("foo-1.0.tar.gz", "foo-1.1.tar.xz", "foo-1.0.tar.gz-1.1.tar.xz.patch"),
            // Letter case aside, one package; otherwise the new name is kept whole.
            ("foo-1.0.tar.gz", "Foo-1.0_p1.tar.gz", "foo-1.0-1.0_p1.tar.gz.patch"),
            ("a-1.tar.gz", "b-2.tar.gz", "a-1-b-2.tar.gz.patch"),
            ("old.bin", "new.bin", "old.bin-new.bin.patch"),
        ]
        for (old, new, expected) in cases {
            #expect(PatchCreator.patchName(oldFileName: old, newFileName: new) == expected, "\(old) → \(new)")
        }
    }

    @Test func aReleaseShippedAsGzipAndXzGetsTwoPatchesAndTwoLines() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let dist = root.appendingPathComponent("dist").path
        try FileManager.default.createDirectory(atPath: dist, withIntermediateDirectories: true)
        let numbers = (1...20000).map(String.init).joined(separator: "\n")
        for version in ["2.0", "2.1"] {
            for (ending, compressor) in [("gz", "gzip -n -9"), ("xz", "xz -6")] {
                try BatchTests.makeTarball(
                    package: "dual", version: version, text: numbers + "\nversion \(version)\n",
                    in: root, distdir: dist, ending: ending, compressor: compressor)
            }
        }
        let plan = try BatchPlanner.plan(directory: dist)
        #expect(plan.map(\.patchName).sorted() == ["dual-2.0-2.1.tar.gz.patch", "dual-2.0-2.1.tar.xz.patch"])

        let out = root.appendingPathComponent("out").path
        let summary = try BatchRunner.run(plan, outputDirectory: out, options: BatchOptions(concurrentJobs: 2))
        #expect((summary.created, summary.failed) == (2, 0), "\(summary)")
        #expect(
            try BatchTests.listedPairs(out) == ["dual-2.0.tar.gz dual-2.1.tar.gz", "dual-2.0.tar.xz dual-2.1.tar.xz"])
        let report = try PatchListVerifier.verify(listPath: out + "/patches", distdir: dist)
        #expect(report.failures.isEmpty && report.entriesPassed == 2, "\(report.failures)")
        // Each patch rebuilds its own kind of the new release, byte for byte.
        for ending in ["gz", "xz"] {
            let rebuilt = root.appendingPathComponent("rebuilt.tar.\(ending)").path
            _ = try Rebuilder.rebuild(
                basePath: dist + "/dual-2.0.tar.\(ending)", chain: [out + "/dual-2.0-2.1.tar.\(ending).patch"],
                outputPath: rebuilt)
            #expect(
                FileManager.default.contentsEqual(atPath: rebuilt, andPath: dist + "/dual-2.1.tar.\(ending)"),
                "\(ending)")
        }
    }

    /// A fleet's result files are named by patch, so a work list written again after the mirror
    /// changed (every index shifted) finds the results of the old one.
    @Test func resultFilesSurviveAWorkListWhoseIndexesChanged() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let dist = try BatchTests.mirror(in: root)
        let out = root.appendingPathComponent("out").path
        let options = BatchOptions(recordsInList: false)
        let before = try BatchPlanner.plan(directory: dist)
        for job in before { _ = try BatchRunner.runOne(job, outputDirectory: out, options: options) }
        let journal = try FileManager.default.contentsOfDirectory(
            atPath: BatchRunner.journalDirectory(outputDirectory: out)
        ).sorted()
        #expect(
            journal == [
                "six-1.16.0-1.17.0.tar.gz.patch.line", "six-1.9.0-1.16.0.tar.gz.patch.dropped",
                "toy-1.0-1.0.1.tar.gz.patch.line", "toy-1.0.1-1.2.tar.gz.patch.line",
            ])

        // An older toy release appears: every toy job moves up one index.
        try BatchTests.makeTarball(package: "toy", version: "0.9", text: "toy, long ago\n", in: root, distdir: dist)
        let after = try BatchPlanner.plan(directory: dist)
        #expect(after.count == before.count + 1)
        for job in after where before.contains(where: { $0.patchName == job.patchName }) {
            if job.patchName.hasPrefix("toy") { #expect(!before.contains(job), "\(job.patchName) changed index") }
            let outcome = try BatchRunner.runOne(job, outputDirectory: out, options: options)
            switch outcome {
            case .alreadyDone, .alreadyDropped: break
            default: Issue.record("\(job.patchName) was made again: \(outcome)")
            }
        }
        #expect(try BatchRunner.index(outputDirectory: out) == 3)
        #expect(try BatchTests.listedPairs(out) == BatchTests.expectedPairs)
    }
}
