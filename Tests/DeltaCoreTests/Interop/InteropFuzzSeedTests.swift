import Foundation
import FuzzTargets
import Testing

/// The interop fuzz targets' seeds (made by testdata/patches/make-vectors.py from the real
/// tools) must apply completely, which proves the replay of Tests/DeltaCoreTests/Fuzz/
/// exercises the appliers and not just their error paths.
@Suite struct InteropFuzzSeedTests {
    static func seed(_ path: String) throws -> Data {
        try Data(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("Tests/DeltaCoreTests/Fuzz/\(path)"))
    }

    @Test func seedsApplyCompletely() throws {
        #expect(try Self.seed("FuzzBSDiff40/seed-bsdiff40").withUnsafeBytes { FuzzTargets.bsdiff40($0) } == 202)
        #expect(try Self.seed("FuzzBSDiff40/seed-raw-blocks").withUnsafeBytes { FuzzTargets.bsdiff40($0) } == 163)
        #expect(try Self.seed("FuzzVCDiff/seed-vcdiff").withUnsafeBytes { FuzzTargets.vcdiff($0) } == 202)
    }
}
