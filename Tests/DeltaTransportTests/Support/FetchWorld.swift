import DeltaCore
import DeltaTransport
import Foundation

/// A mirror directory made once per set of versions: the full files and the patches between
/// consecutive versions (made by the real `mkpatch create`, listed in `patches`), in a flat
/// tree and in a GLEP 75 tree, and a Manifest of every version.
final class PreparedMirror: @unchecked Sendable {
    let root: URL
    let versions: [String]
    var flat: URL { root.appendingPathComponent("flat") }
    var glep: URL { root.appendingPathComponent("glep") }
    var patchList: String { flat.appendingPathComponent("patches").path }
    var manifest: String { root.appendingPathComponent("Manifest").path }
    /// What `mkpatch create` printed for each pair.
    var createOutput: [String] = []

    private nonisolated(unsafe) static var made = [String: PreparedMirror]()
    private nonisolated(unsafe) static var keyLocks = [String: NSLock]()
    private static let lock = NSLock()

    /// The mirror for `paths` (oldest first), made on first use and kept for the process.
    /// Only tests wanting the same mirror wait for each other (Django's takes a minute).
    static func shared(_ paths: [String]) throws -> PreparedMirror {
        let key = paths.joined(separator: "|")
        let keyLock: NSLock = lock.withLock {
            if let existing = keyLocks[key] { return existing }
            let created = NSLock()
            keyLocks[key] = created
            return created
        }
        keyLock.lock()
        defer { keyLock.unlock() }
        if let mirror = lock.withLock({ made[key] }) { return mirror }
        let mirror = try PreparedMirror(paths)
        lock.withLock { made[key] = mirror }
        return mirror
    }

    /// Makes a fresh mirror for `paths` (oldest first), its patches made with
    /// `createArguments` added to `mkpatch create`'s.
    init(_ paths: [String], createArguments: [String] = []) throws {
        root = try TestPaths.temporaryDirectory()
        versions = paths.map { URL(fileURLWithPath: $0).lastPathComponent }
        let fm = FileManager.default
        try fm.createDirectory(at: flat, withIntermediateDirectories: true)
        var manifest = ""
        for path in paths {
            let name = URL(fileURLWithPath: path).lastPathComponent
            try fm.copyItem(atPath: path, toPath: flat.appendingPathComponent(name).path)
            let digests = try FileInspector.inspect(path: path, algorithms: [.blake2b, .sha512]).compressed
            manifest +=
                "DIST \(name) \(digests.size) BLAKE2B \(digests[.blake2b]!.hex) SHA512 \(digests[.sha512]!.hex)\n"
        }
        try manifest.write(toFile: self.manifest, atomically: true, encoding: .utf8)
        for (old, new) in zip(paths, paths.dropFirst()) {
            let outcome = try DeltaFetchBinary.run(
                ["create", old, new, "-o", flat.path, "--list", patchList] + createArguments, tool: "mkpatch")
            guard outcome.status == 0 else {
                throw NSError(
                    domain: "mkpatch", code: Int(outcome.status), userInfo: [NSLocalizedDescriptionKey: outcome.stderr])
            }
            createOutput.append(outcome.stdout + outcome.stderr)
        }
        // The same files in the GLEP 75 layout (BLAKE2B, 8 bits), as distfiles.gentoo.org has them.
        try fm.createDirectory(at: glep, withIntermediateDirectories: true)
        try "[structure]\n0=filename-hash BLAKE2B 8\n1=flat\n".write(
            to: glep.appendingPathComponent("layout.conf"), atomically: true, encoding: .utf8)
        for name in try fm.contentsOfDirectory(atPath: flat.path) where name != "patches" {
            let relative = MirrorLayout.gentoo.relativePath(for: name)
            let destination = glep.appendingPathComponent(relative)
            try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(atPath: flat.appendingPathComponent(name).path, toPath: destination.path)
        }
    }

    /// The patch files, by name.
    var patchNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: flat.path)) ?? []).filter { $0.hasSuffix(".patch") }
            .sorted()
    }

    func size(of name: String) -> UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: flat.appendingPathComponent(name).path))?[.size]
            as? NSNumber)?.uint64Value ?? 0
    }
}

/// One test's world: a prepared mirror served on loopback (a real nginx where installed),
/// and a fresh distdir holding the oldest version.
final class FetchWorld {
    let mirror: PreparedMirror
    let server: MirrorServer
    let distdir: URL

    init(_ mirror: PreparedMirror, base: String? = nil, inProcessServer: Bool = false) throws {
        self.mirror = mirror
        server = try MirrorServer(root: mirror.root, inProcess: inProcessServer)
        distdir = try TestPaths.temporaryDirectory()
        let baseName = base ?? mirror.versions[0]
        try FileManager.default.copyItem(
            atPath: mirror.flat.appendingPathComponent(baseName).path,
            toPath: distdir.appendingPathComponent(baseName).path)
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(at: distdir)
    }

    /// `deltafetch fetch TARGET` against the flat mirror, with the list and Manifest, as JSON.
    /// `settings` are added to this process's environment (`DELTAFETCH_SHARED_DATABASE`, say).
    func fetch(
        _ target: String, mirrorPath: String = "/flat", extra: [String] = [],
        settings: [String: String] = [:]
    ) throws -> DeltaFetchBinary.Outcome {
        try DeltaFetchBinary.run(
            [
                "fetch", target, "--distdir", distdir.path, "--patches", mirror.patchList,
                "--manifest", mirror.manifest, "--mirror", server.url(mirrorPath),
                "--timeout", "10", "--retries", "0", "--json",
            ] + extra,
            environment: ProcessInfo.processInfo.environment.merging(settings) { _, given in given })
    }

    /// Where a rebuild with alternate digests is kept by default.
    func apartFile(_ name: String) -> String { AlternateFiles.directory(distdir: distdir.path) + "/" + name }

    /// The GET requests the server served with status 200 or 206, as paths.
    var servedPaths: [String] {
        server.requests().filter { $0.method == "GET" && ($0.status == 200 || $0.status == 206) }.map(\.uri)
    }

    /// The file as it now is in the distdir.
    func distdirFile(_ name: String) -> String { distdir.appendingPathComponent(name).path }

    /// Names in the distdir, hidden ones included, `.deltafetch` left out.
    var distdirNames: [String] { TestPaths.entries(of: distdir).filter { $0 != ".deltafetch" } }
}

/// The JSON report a `--json` run printed.
struct FetchReportJSON: Decodable {
    var action: String
    var target: String
    var path: String?
    var bytesDownloaded: UInt64?
    var fullSize: UInt64?
    var seconds: Double?
    var base: String?
    var chain: [String]?
    var alternateRecorded: Bool?
    var fallbackReason: String?
    var error: String?
    var exitStatus: Int32?

    enum CodingKeys: String, CodingKey {
        case action, target, path
        case bytesDownloaded = "bytes_downloaded"
        case fullSize = "full_size"
        case seconds, base, chain
        case alternateRecorded = "alternate_recorded"
        case fallbackReason = "fallback_reason"
        case error
        case exitStatus = "exit_status"
    }

    init(_ outcome: DeltaFetchBinary.Outcome) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(outcome.stdout.utf8))
    }
}
