import Foundation
import Testing

/// A .tar.gz written by Rust's flate2 on miniz_oxide (maturin's sdists) through `mkpatch
/// create`, `inspect` and `rebuild` (issue 13, item 1).
@Suite struct MinizProducerCommandTests {
    @Test func flate2MadeSixRoundTripsThroughCreateAndRebuild() throws {
        let work = try CreateVerifyCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let target = work.appendingPathComponent("six-1.17.0.tar.gz").path
        try FileManager.default.copyItem(
            atPath: Binaries.testdata("miniz-oxide/six-1.17.0.tar.miniz6.gz"), toPath: target)
        let report = try GoProducerCommandTests.createAndRebuild(
            base: Binaries.testdata("six-1.16.0.tar.gz"), target: target, work: work)
        #expect(report["reproducible"] as? Bool == true)
        let inspected = try CreateVerifyCommandTests.mkpatch(["inspect", target, "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any])
        let recipe = try #require(json["recipe"] as? [String: Any])
        #expect((recipe["gzip"] as? [String: Any])?["deflater"] as? String == "miniz-oxide")
        #expect((recipe["library"] as? [String: Any])?["name"] as? String == "deltafetch-miniz-oxide")
    }
}
