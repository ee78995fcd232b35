import Foundation

/// Where the tests find their data.
enum TestPaths {
    /// The repository root, found from this source file's location.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A file in the committed `testdata/` folder.
    static func testdata(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("testdata").appendingPathComponent(name).path
    }

    /// The folder of the shared corpus (big real tarballs, fetched, never committed):
    /// `$DELTA_CORPUS`, else `~/.cache/delta-corpus`. Nil when it is not there, so corpus
    /// tests can be skipped (and say so) on a machine that has not fetched it.
    static var corpus: URL? {
        let environment = ProcessInfo.processInfo.environment
        let path = environment["DELTA_CORPUS"] ?? (NSHomeDirectory() + "/.cache/delta-corpus")
        let url = URL(fileURLWithPath: path)
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("six-1.17.0.tar.gz").path) ? url : nil
    }

    /// A file of the corpus, or nil without one.
    static func corpusFile(_ name: String) -> String? {
        corpus.map { $0.appendingPathComponent(name).path }
    }

    /// A fresh empty temporary directory, removed by the caller (or left for inspection).
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("deltafetch-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
