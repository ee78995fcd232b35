import Foundation

/// A file:// mirror holding a real patch six 1.16.0 → 1.17.0 made by `mkpatch create`, its
/// list, the release's Manifest, and a distdir holding 1.16.0: everything a client fetch needs.
struct SixMirror {
    let root: URL
    var mirror: String { root.appendingPathComponent("mirror").path }
    var distdir: String { root.appendingPathComponent("distdir").path }
    var patches: String { mirror + "/patches" }
    var manifest: String { root.appendingPathComponent("Manifest").path }
    static let target = "six-1.17.0.tar.gz"

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("six-mirror-\(UUID().uuidString)")
        for directory in [mirror, distdir] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let made = try Binaries.run(
            "mkpatch",
            [
                "create", Binaries.testdata("six-1.16.0.tar.gz"), Binaries.testdata("six-1.17.0.tar.gz"),
                "-o", mirror, "--list", patches,
            ])
        guard made.status == 0 else { throw SixMirrorError(message: "mkpatch create failed: \(made.stderr)") }
        try FileManager.default.copyItem(atPath: Binaries.testdata(Self.target), toPath: mirror + "/" + Self.target)
        let manifestLine = try Binaries.run("mkpatch", ["manifest", Binaries.testdata(Self.target)])
        try manifestLine.stdout.write(toFile: manifest, atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: Binaries.testdata("six-1.16.0.tar.gz"), toPath: distdir + "/six-1.16.0.tar.gz")
    }

    /// `deltafetch fetch six-1.17.0.tar.gz` against this mirror.
    var fetchArguments: [String] {
        [
            "fetch", Self.target, "--distdir", distdir, "--patches", patches, "--manifest", manifest, "--mirror",
            "file://" + mirror,
        ]
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

struct SixMirrorError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
