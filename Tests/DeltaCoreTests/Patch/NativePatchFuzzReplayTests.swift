import DeltaCore
import Foundation
import Testing

/// Replays every input the NativePatchFuzz target found interesting or crashing
/// (Tests/DeltaCoreTests/Fuzz/NativePatchFuzz/), through the same entry point the fuzzer uses.
@Suite struct NativePatchFuzzReplayTests {
    @Test func everyCommittedFuzzInputIsHandled() throws {
        let folder = TestPaths.repositoryRoot.appendingPathComponent("Tests/DeltaCoreTests/Fuzz/NativePatchFuzz")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }
        #expect(!names.isEmpty)
        for name in names {
            let data = Array(try Data(contentsOf: folder.appendingPathComponent(name)))
            // Must return (with an error or an output), never trap.
            _ = NativePatchFuzzing.applyToFixedBase(data)
        }
    }
}
