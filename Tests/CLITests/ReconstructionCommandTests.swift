import Foundation
import Testing

/// A .tar.gz no exact recipe reproduces (`pigz -R`'s) through `mkpatch inspect`, `create` and
/// `rebuild`: deflate reconstruction (issue 13, items 2 and 3).
@Suite struct ReconstructionCommandTests {
    @Test func pigzRsyncableFileRoundTripsThroughCreateAndRebuild() throws {
        let work = try CreateVerifyCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let target = work.appendingPathComponent("six-1.17.0.tar.gz").path
        try FileManager.default.copyItem(
            atPath: Binaries.testdata("deflate-reconstruction/six40k.pigz-6-R.gz"), toPath: target)
        let inspected = try CreateVerifyCommandTests.mkpatch(["inspect", target, "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any])
        #expect(json["reproducible"] as? Bool == true)
        #expect(json["recipe_kind"] as? String == "deflate-reconstruction")
        let bytes = try #require(json["reconstruction_bytes"] as? Int)
        #expect(bytes > 0 && bytes < 1000, "\(bytes) bytes of reconstruction data")
        let recipe = try #require(json["recipe"] as? [String: Any])
        #expect((recipe["library"] as? [String: Any])?["name"] as? String == "deltafetch-deflate-reconstruction")
        let report = try GoProducerCommandTests.createAndRebuild(
            base: Binaries.testdata("six-1.16.0.tar.gz"), target: target, work: work)
        #expect(report["reproducible"] as? Bool == true)
    }

    /// zlib's file and libdeflate's (emulated exactly since libdeflate 1.14 joined the exact
    /// producers) carry no reconstruction.
    @Test(arguments: ["six-1.17.0.tar.gz", "deflate-reconstruction/six40k.libdeflate-6.gz"])
    func exactRecipesReportNoReconstructionKeys(file: String) throws {
        let inspected = try CreateVerifyCommandTests.mkpatch(["inspect", Binaries.testdata(file), "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any])
        #expect(json["reproducible"] as? Bool == true)
        #expect(json["recipe_kind"] == nil)
        #expect(json["reconstruction_bytes"] == nil)
    }
}
