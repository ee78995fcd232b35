import DeltaCore
import Foundation

/// Producers the tests build from `testdata/producers/<name>` (Go's and Rust's gzip), kept
/// between test runs in `<temporary directory>/deltafetch-test-producers/<name>-<digest of
/// its sources>`: a run reuses the last build of the same sources, a change of them builds
/// anew (and removes the older builds), and no run leaves a build folder of its own behind.
enum ProducerBuilds {
    /// Where the builds are kept.
    static let root = FileManager.default.temporaryDirectory.appendingPathComponent("deltafetch-test-producers")

    /// The program built from `testdata/producers/<name>`, built first unless kept: `build`
    /// gets an empty scratch folder and returns the program's path inside it, or nil when
    /// the build failed (then nil is returned and nothing is kept).
    static func program(_ name: String, build: (URL) -> String?) -> String? {
        let fileManager = FileManager.default
        guard let digest = try? sourceDigest(name) else { return nil }
        let kept = root.appendingPathComponent("\(name)-\(digest)")
        let program = kept.appendingPathComponent(name).path
        if fileManager.isExecutableFile(atPath: program) { return program }
        // Built in a scratch folder and moved in place whole, so that a run killed mid-build
        // or another run building at the same time never finds half a program.
        let scratch = root.appendingPathComponent("building-\(name)-\(UUID().uuidString)")
        defer { try? fileManager.removeItem(at: scratch) }
        let staged = scratch.appendingPathComponent("staged")
        guard (try? fileManager.createDirectory(at: staged, withIntermediateDirectories: true)) != nil,
            let built = build(scratch),
            (try? fileManager.moveItem(atPath: built, toPath: staged.appendingPathComponent(name).path)) != nil
        else { return nil }
        // Fails when another run kept the same build first: theirs is used.
        _ = rename(staged.path, kept.path)
        for old in (try? fileManager.contentsOfDirectory(atPath: root.path)) ?? []
        where old.hasPrefix("\(name)-") && old != kept.lastPathComponent {
            try? fileManager.removeItem(at: root.appendingPathComponent(old))
        }
        return fileManager.isExecutableFile(atPath: program) ? program : nil
    }

    /// SHA-256 of the producer's files (their paths and bytes, in path order), 16 hex digits.
    static func sourceDigest(_ name: String) throws -> String {
        let folder = TestPaths.repositoryRoot.appendingPathComponent("testdata/producers/\(name)")
        let fileManager = FileManager.default
        var context = try DigestContext(.sha256)
        let paths = (fileManager.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []).sorted()
        for path in paths {
            let url = folder.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            context.update(Array(path.utf8) + [0])
            context.update([UInt8](try Data(contentsOf: url)) + [0])
        }
        return String(context.finalize().hex.prefix(16))
    }
}
