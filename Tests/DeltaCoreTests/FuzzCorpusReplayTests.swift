import Foundation
import FuzzTargets
import Testing

/// Replays every input the fuzzers found interesting (and every crasher, once fixed) through
/// the same target bodies, so that a regression fails the normal suite.
@Suite struct FuzzCorpusReplayTests {
    static let targets: [String: @Sendable (UnsafeRawBufferPointer) -> Void] = [
        "FuzzDecoders": { FuzzTargets.decoders($0) },
        "FuzzBSDiff40": { FuzzTargets.bsdiff40($0) },
        "FuzzVCDiff": { FuzzTargets.vcdiff($0) },
        "FuzzRecipes": { FuzzTargets.recipes($0) },
        "FuzzMetadata": { FuzzTargets.metadata($0) },
        "FuzzNativePatch": { FuzzTargets.nativePatch($0) },
        "FuzzReconstruction": { FuzzTargets.reconstruction($0) },
    ]

    @Test(arguments: targets.keys.sorted())
    func replaysCommittedInputs(target: String) throws {
        let directory = TestPaths.repositoryRoot.appendingPathComponent("Tests/DeltaCoreTests/Fuzz/\(target)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(!files.isEmpty, "no committed inputs for \(target)")
        let body = try #require(Self.targets[target])
        for file in files {
            let bytes = try Data(contentsOf: directory.appendingPathComponent(file))
            bytes.withUnsafeBytes { body($0) }
        }
    }

    @Test func decoderTargetDecodesValidSeeds() throws {
        // The seeds are real streams behind a selector byte; they must decode fully, which
        // proves the replay exercises the decoders and not just their error paths.
        for (name, expected) in [("seed-gzip", 12), ("seed-bzip2", 12), ("seed-xz", 12)] {
            let url = TestPaths.repositoryRoot.appendingPathComponent("Tests/DeltaCoreTests/Fuzz/FuzzDecoders/\(name)")
            let bytes = try Data(contentsOf: url)
            #expect(bytes.withUnsafeBytes { FuzzTargets.decoders($0) } == expected, "\(name)")
        }
    }

    @Test func metadataTargetParsesValidSeeds() throws {
        // Entries in the seeds must parse (and round-trip inside the target), so the replay
        // exercises the parsers and not just their error paths.
        for (name, expected) in [
            ("seed-glep25-patch-list", 2), ("seed-alternate-digests", 2), ("seed-manifest", 2), ("seed-multi-hash", 1),
        ] {
            let url = TestPaths.repositoryRoot.appendingPathComponent("Tests/DeltaCoreTests/Fuzz/FuzzMetadata/\(name)")
            let bytes = try Data(contentsOf: url)
            #expect(bytes.withUnsafeBytes { FuzzTargets.metadata($0) } == expected, "\(name)")
        }
    }

    @Test func nativePatchTargetAppliesValidSeeds() throws {
        // The seeds were made against the target's base; they must apply in full, so the
        // replay exercises the applier and not just the header checks.
        // seed-solid and seed-solid-no-literals use the solidStreams and metadataResidualRuns
        // features; the second's last stream is empty, so its reader must drop the solid
        // stream's other bytes at the end. seed-tar-rename (Fuzz/make-rename-seed.py) renames
        // the headers it makes (tarRename). seed-literal-context-whole and -derived prime the
        // literals with the whole base or with ranges derived from the commands; the
        // differ made them from the base to phrases of it (wholeFileContextMaximum .max and 0).
        for (name, expected) in [
            ("seed-edits", 4064), ("seed-identical", 4096), ("seed-solid", 4133), ("seed-solid-no-literals", 4096),
            ("seed-tar-rename", 10240), ("seed-literal-context-whole", 4106),
            ("seed-literal-context-derived", 4106),
        ] {
            let url = TestPaths.repositoryRoot.appendingPathComponent(
                "Tests/DeltaCoreTests/Fuzz/FuzzNativePatch/\(name)")
            let bytes = try Data(contentsOf: url)
            #expect(bytes.withUnsafeBytes { FuzzTargets.nativePatch($0) } == expected, "\(name)")
        }
    }
}
