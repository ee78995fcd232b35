import DeltaCore
import DeltaTransport
import Foundation
import Testing

/// `deltafetch portage URI DISTDIR FILE DIGESTS` as Portage's FETCHCOMMAND: first called as
/// Portage calls it (arguments and environment as recorded in docs/portage.md), then by the
/// real Portage 3.0.83 (`ebuild … fetch`) from a venv.
@Suite(.serialized)
struct PortageFetchTests {
    static let target = "six-1.17.0.tar.gz"
    static let temporaryName = target + ".__download__"

    /// A one-package ebuild repository whose package directory holds the mirror's patch list
    /// and Manifest (GLEP 25 "Additions to the tree").
    static func makeRepository(_ mirror: PreparedMirror, srcURI: String) throws -> URL {
        let root = try TestPaths.temporaryDirectory()
        let package = root.appendingPathComponent("repo/app-misc/six")
        let fm = FileManager.default
        try fm.createDirectory(at: package, withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("repo/profiles"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("repo/metadata"), withIntermediateDirectories: true)
        try "test-repo\n".write(
            to: root.appendingPathComponent("repo/profiles/repo_name"), atomically: true, encoding: .utf8)
        try "masters =\nthin-manifests = true\n".write(
            to: root.appendingPathComponent("repo/metadata/layout.conf"),
            atomically: true, encoding: .utf8)
        try """
        EAPI=8
        DESCRIPTION="Python 2 and 3 compatibility library"
        HOMEPAGE="https://pypi.org/project/six/"
        SRC_URI="\(srcURI)"
        LICENSE="MIT"
        SLOT="0"
        KEYWORDS="amd64"

        """.write(to: package.appendingPathComponent("six-1.17.0.ebuild"), atomically: true, encoding: .utf8)
        let manifest =
            try String(contentsOfFile: mirror.manifest, encoding: .utf8)
            .split(separator: "\n").filter { $0.contains(" \(target) ") }.joined(separator: "\n") + "\n"
        try manifest.write(to: package.appendingPathComponent("Manifest"), atomically: true, encoding: .utf8)
        try fm.copyItem(atPath: mirror.patchList, toPath: package.appendingPathComponent("patches").path)
        return root
    }

    static func digestsArgument(_ mirror: PreparedMirror) throws -> String {
        let digests = try FileInspector.inspect(
            path: mirror.flat.appendingPathComponent(target).path, algorithms: [.blake2b, .sha512]
        ).compressed
        return "blake2b:\(digests[.blake2b]!.hex) sha512:\(digests[.sha512]!.hex)"
    }

    /// Portage's environment for the fetch: HOME in its build directory, EBUILD set.
    static func portageEnvironment(repository: URL, mirrors: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["EBUILD"] = repository.appendingPathComponent("repo/app-misc/six/six-1.17.0.ebuild").path
        environment["HOME"] = repository.appendingPathComponent("homedir").path
        environment["DELTAFETCH_MIRRORS"] = mirrors
        environment["DELTAFETCH_CONFIG"] = "/dev/null"
        environment.removeValue(forKey: "DELTAFETCH_PATCHES")
        return environment
    }

    /// Runs `deltafetch portage` in `world` as Portage would, with the ebuild's tree in place
    /// (changed by `adjust`, given the package directory) and `settings` in the environment.
    static func runAsPortage(
        in world: FetchWorld, settings: [String: String] = [:],
        adjust: (URL) throws -> Void = { _ in }
    ) throws -> DeltaFetchBinary.Outcome {
        let uri = world.server.url("/flat/\(target)")
        let repository = try makeRepository(world.mirror, srcURI: uri)
        defer { try? FileManager.default.removeItem(at: repository) }
        try adjust(repository.appendingPathComponent("repo/app-misc/six"))
        return try DeltaFetchBinary.run(
            ["portage", uri, world.distdir.path, temporaryName, try digestsArgument(world.mirror)],
            environment: portageEnvironment(repository: repository, mirrors: world.server.url("/flat"))
                .merging(settings) { _, given in given })
    }

    /// The package's patch list with every hash but MD5 taken out: lines as a strict GLEP 25
    /// writer makes them.
    static func makeListMD5Only(_ package: URL) throws {
        let path = package.appendingPathComponent("patches").path
        let strong: Set<String> = ["BLAKE2B", "SHA512", "SHA256", "UBLAKE2B", "USHA512", "USHA256"]
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line -> String in
            var tokens = line.split(separator: " ").map(String.init), kept = [String]()
            while !tokens.isEmpty {
                let token = tokens.removeFirst()
                if strong.contains(token) { tokens.removeFirst() } else { kept.append(token) }
            }
            return kept.joined(separator: " ")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// `require-strong-hashes` (config) and `DELTAFETCH_REQUIRE_STRONG_HASHES` (environment)
    /// reach `deltafetch portage`: an MD5-only list is refused with a warning naming it, and
    /// `${URI}` is downloaded; without the setting the same list patches.
    @Test(arguments: ["environment", "config", "neither"])
    func portageHonoursRequireStrongHashes(source: String) throws {
        let world = try FetchWorld(try FetchEndToEndTests.sixMirror())
        let config = try TestPaths.temporaryDirectory().appendingPathComponent("deltafetch.conf")
        defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
        try "require-strong-hashes = yes\n".write(to: config, atomically: true, encoding: .utf8)
        let settings =
            switch source {
            case "environment": ["DELTAFETCH_REQUIRE_STRONG_HASHES": "1"]
            case "config": ["DELTAFETCH_CONFIG": config.path]
            default: [String: String]()
            }
        let outcome = try Self.runAsPortage(in: world, settings: settings, adjust: Self.makeListMD5Only)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(
            try contents(of: world.distdirFile(Self.temporaryName)) == contents(of: TestPaths.testdata(Self.target)))
        if source == "neither" {
            #expect(world.servedPaths == ["/flat/six-1.16.0-1.17.0.tar.gz.patch"], "\(outcome.stderr)")
        } else {
            #expect(world.servedPaths == ["/flat/\(Self.target)"], "\(outcome.stderr)")
            #expect(outcome.stderr.contains("/app-misc/six/patches:1"), "\(outcome.stderr)")
            #expect(outcome.stderr.contains("MD5"), "\(outcome.stderr)")
        }
    }

    @Test func writesExactlyDistdirFileFromAPatch() throws {
        let world = try FetchWorld(try FetchEndToEndTests.sixMirror())
        let outcome = try Self.runAsPortage(in: world)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(
            try contents(of: world.distdirFile(Self.temporaryName)) == contents(of: TestPaths.testdata(Self.target)))
        #expect(world.distdirNames == ["six-1.16.0.tar.gz", Self.temporaryName], "exactly DISTDIR/FILE, nothing else")
        #expect(world.servedPaths == ["/flat/six-1.16.0-1.17.0.tar.gz.patch"])
    }

    @Test
    func anInexactRebuildIsNeverWrittenTheURIIsDownloaded() throws {
        let world = try FetchWorld(try FetchAlternateAndLocalFailureTests.inexactMirror())
        let outcome = try Self.runAsPortage(in: world)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(
            try contents(of: world.distdirFile(Self.temporaryName))
                == contents(of: world.mirror.flat.appendingPathComponent(Self.target).path))
        #expect(world.servedPaths == ["/flat/six-1.16.0-1.17.0.tar.gz.patch", "/flat/\(Self.target)"])
        #expect(try AlternateDigestDatabase(distdir: world.distdir.path).alternates(for: Self.target).isEmpty)
    }

    @Test func withoutSettingsOrManifestItDownloadsTheURI() throws {
        let world = try FetchWorld(try FetchEndToEndTests.sixMirror())
        let uri = world.server.url("/flat/\(Self.target)")
        // A stale partial file from an earlier wget is replaced, not taken.
        try Data("partial".utf8).write(to: URL(fileURLWithPath: world.distdirFile(Self.temporaryName)))
        var environment = ProcessInfo.processInfo.environment
        environment["DELTAFETCH_CONFIG"] = "/dev/null"
        for key in ["EBUILD", "DELTAFETCH_PATCHES", "DELTAFETCH_MIRRORS"] { environment.removeValue(forKey: key) }
        let outcome = try DeltaFetchBinary.run(
            ["portage", uri, world.distdir.path, Self.temporaryName, ""], environment: environment)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(
            try contents(of: world.distdirFile(Self.temporaryName)) == contents(of: TestPaths.testdata(Self.target)))
        #expect(world.servedPaths == ["/flat/\(Self.target)"])
    }

    @Test func aMissingFileFailsNonZeroAndWritesNothing() throws {
        let world = try FetchWorld(try FetchEndToEndTests.sixMirror())
        var environment = ProcessInfo.processInfo.environment
        environment["DELTAFETCH_CONFIG"] = "/dev/null"
        environment.removeValue(forKey: "EBUILD")
        let outcome = try DeltaFetchBinary.run(
            [
                "portage", world.server.url("/flat/nothing-1.0.tar.gz"), world.distdir.path,
                "nothing-1.0.tar.gz.__download__", "",
            ],
            environment: environment)
        #expect(outcome.status == 3, "\(outcome.stderr)")
        #expect(world.distdirNames == ["six-1.16.0.tar.gz"])
    }

    // MARK: - The real Portage

    /// A venv with `pip install portage==3.0.83` (.ci/run makes it): `$DELTAFETCH_PORTAGE_VENV`,
    /// default `~/.cache/deltafetch/portage-venv`.
    static let portageVenv: String? = {
        let path =
            ProcessInfo.processInfo.environment["DELTAFETCH_PORTAGE_VENV"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/deltafetch/portage-venv")
            .path
        return FileManager.default.isExecutableFile(atPath: path + "/bin/ebuild") ? path : nil
    }()

    /// `ebuild six-1.17.0.ebuild fetch` with FETCHCOMMAND set to `deltafetch portage …`:
    /// Portage accepts the file rebuilt from the patch, and nginx served the patch, not the
    /// tarball; for PyPI's file (zlib), for the same tar written by Go's compress/gzip and by
    /// 7-Zip with bytes after its member (issue 13: a non-zlib .tar.gz that Portage accepts;
    /// 7-Zip's needs deflate reconstruction and the trailing bytes).
    @Test(
        .enabled(if: portageVenv != nil, "needs Portage in a venv (DELTAFETCH_PORTAGE_VENV; .ci/run installs it)"),
        arguments: ["zlib (PyPI)", "Go compress/gzip", "7-Zip + trailing bytes"])
    func realPortageAcceptsAFileRebuiltFromAPatch(producer: String) throws {
        let mirror =
            switch producer {
            case "Go compress/gzip": try NonZlibProducerFetchTests.goMirror()
            case "7-Zip + trailing bytes": try NonZlibProducerFetchTests.sevenZipMirror()
            default: try FetchEndToEndTests.sixMirror()
            }
        let world = try FetchWorld(mirror)
        let upstream = world.mirror.flat.appendingPathComponent(Self.target).path
        let command =
            "\(DeltaFetchBinary.path) portage \\\"\\${URI}\\\" \\\"\\${DISTDIR}\\\" \\\"\\${FILE}\\\" \\\"\\${DIGESTS}\\\""
        // Settings come through make.conf, as a user would set them.
        // (GLEP 25's rule, DELTAFETCH_PREFER=bytes: on loopback, soonest-finished would download whole.)
        let (status, output) = try Self.ebuildFetch(
            in: world,
            makeConf: """
                FETCHCOMMAND="\(command)"
                RESUMECOMMAND="\(command)"
                DELTAFETCH_MIRRORS="\(world.server.url("/flat"))"
                DELTAFETCH_CONFIG="/dev/null"
                DELTAFETCH_PREFER="bytes"

                """)
        #expect(status == 0, "\(output)")
        #expect(output.contains("deltafetch: applying patch"), "\(output)")
        #expect(try contents(of: world.distdirFile(Self.target)) == contents(of: upstream))
        #expect(
            world.servedPaths == ["/flat/six-1.16.0-1.17.0.tar.gz.patch"],
            "Portage got the file from the patch, not the tarball")
    }

    /// A distdir shared by `deltafetch` and a plain Portage (its own wget FETCHCOMMAND): a
    /// rebuild with alternate digests, kept apart by default, does not stand in Portage's way.
    /// It downloads the tarball once and accepts it, with no checksum failure, and the
    /// rebuilt file stays where `deltafetch` finds it.
    @Test(
        .enabled(
            if: portageVenv != nil, "needs Portage in a venv (DELTAFETCH_PORTAGE_VENV)"))
    func plainPortageOnASharedDistdirIsNotBrokenByAnInexactRebuild() throws {
        let world = try FetchWorld(try FetchAlternateAndLocalFailureTests.inexactMirror())
        let rebuilt = try world.fetch(Self.target)
        #expect(try FetchReportJSON(rebuilt).action == "patched-alternate", "\(rebuilt.stderr)")
        let (status, output) = try Self.ebuildFetch(in: world, makeConf: "")
        #expect(status == 0, "\(output)")
        #expect(!output.contains("checksum"), "\(output)")
        #expect(
            world.distdirNames.filter { !$0.hasPrefix(".") } == ["six-1.16.0.tar.gz", Self.target],
            "no _checksum_failure_ file, no leftover: \(world.distdirNames)")
        #expect(
            try contents(of: world.distdirFile(Self.target))
                == contents(of: world.mirror.flat.appendingPathComponent(Self.target).path))
        #expect(world.servedPaths == ["/flat/six-1.16.0-1.17.0.tar.gz.patch", "/flat/\(Self.target)"])
        #expect(FileManager.default.fileExists(atPath: world.apartFile(Self.target)))
    }

    /// Runs the real `ebuild six-1.17.0.ebuild fetch` on `world`'s distdir, in a repository
    /// made from its mirror, with `makeConf` after the common lines (distdir, no Gentoo
    /// mirrors, no sandbox). Returns the exit status and everything Portage printed.
    static func ebuildFetch(in world: FetchWorld, makeConf: String) throws -> (status: Int32, output: String) {
        let uri = world.server.url("/flat/\(Self.target)")
        let repository = try Self.makeRepository(world.mirror, srcURI: uri)
        defer { try? FileManager.default.removeItem(at: repository) }
        let config = repository.appendingPathComponent("config/etc/portage")
        let temporary = repository.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        try """
        [DEFAULT]
        main-repo = test-repo

        [test-repo]
        location = \(repository.appendingPathComponent("repo").path)

        """.write(to: config.appendingPathComponent("repos.conf"), atomically: true, encoding: .utf8)
        try """
        DISTDIR="\(world.distdir.path)"
        PORTAGE_TMPDIR="\(temporary.path)"
        GENTOO_MIRRORS=""
        ACCEPT_KEYWORDS="amd64"
        FEATURES="-sandbox -usersandbox -userpriv -userfetch -network-sandbox"

        """.appending(makeConf).write(to: config.appendingPathComponent("make.conf"), atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["PORTAGE_CONFIGROOT"] = repository.appendingPathComponent("config").path
        for key in environment.keys where key.hasPrefix("DELTAFETCH_") && key != "DELTAFETCH_PORTAGE_VENV" {
            environment.removeValue(forKey: key)
        }
        let ebuild = repository.appendingPathComponent("repo/app-misc/six/six-1.17.0.ebuild").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.portageVenv! + "/bin/ebuild")
        process.arguments = [ebuild, "fetch"]
        process.environment = environment
        let log = repository.appendingPathComponent("ebuild.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}
