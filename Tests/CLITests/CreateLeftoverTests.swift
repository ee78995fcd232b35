import Foundation
import Testing

/// A `mkpatch create` killed or failed before it could clean up leaves its work directory in
/// the output directory; the next create of the same patch clears it (found by the fault soak).
@Suite struct CreateLeftoverTests {
    @Test func theNextCreateOfThePatchClearsAnEarlierRunsWorkDirectory() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("create-leftover-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let stale = out + "/.deltafetch-work-six-1.16.0-1.17.0.tar.gz.patch-Xy12Z9"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: false)
        try Data([0]).write(to: URL(fileURLWithPath: stale + "/patch"))
        let other = out + "/.deltafetch-work-other-1-2.tar.gz.patch-Ab34C5"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: false)
        let result = try Binaries.run(
            "mkpatch",
            ["create", Binaries.testdata("six-1.16.0.tar.gz"), Binaries.testdata("six-1.17.0.tar.gz"), "-o", out])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(
            FileManager.default.fileExists(atPath: other), "another patch's work directory is not this run's to take")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: out).sorted() == [
                ".deltafetch-work-other-1-2.tar.gz.patch-Ab34C5", "six-1.16.0-1.17.0.tar.gz.patch",
            ])
    }
}
