import DeltaCore
import DeltaTransport
import Foundation
import Testing

/// Where `deltafetch portage` finds patches besides `DELTAFETCH_MIRRORS`: Portage's own
/// `GENTOO_MIRRORS` (their `distfiles/`, GLEP 75 layout), `mirror://` URLs through the tree's
/// `profiles/thirdpartymirrors`, and the global lists of the tree's masters.
@Suite(.enabled(if: NginxServer.available, "needs /usr/sbin/nginx (apt-get install nginx)"), .serialized)
struct PortageMirrorsTests {
    static let target = PortageFetchTests.target
    static let patch = FetchEndToEndTests.patch
    static let temporaryName = PortageFetchTests.temporaryName

    /// The package's list with the patch named by `location` instead of its bare name.
    static func renamePatch(to location: String, in package: URL) throws {
        let path = package.appendingPathComponent("patches").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: " \(patch) ", with: " \(location) ").write(
            toFile: path, atomically: true, encoding: .utf8)
    }

    /// The rebuilt file is in place and only the patch, never the tarball, was fetched.
    static func expectPatched(_ outcome: DeltaFetchBinary.Outcome, world: FetchWorld) throws {
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try contents(of: world.distdirFile(temporaryName)) == contents(of: TestPaths.testdata(target)))
        #expect(!world.servedPaths.contains("/flat/\(target)"), "\(world.servedPaths) \(outcome.stderr)")
    }

    /// `GENTOO_MIRRORS` as make.conf sets it: the patch comes from `MIRROR/distfiles/`, laid
    /// out as its `layout.conf` says (GLEP 75), with no `DELTAFETCH_MIRRORS`.
    @Test func gentooMirrorsServeBarePatchNames() throws {
        let world = try FetchWorld(try FetchEndToEndTests.sixMirror())
        let distfiles = world.mirror.root.appendingPathComponent("distfiles")
        if !FileManager.default.fileExists(atPath: distfiles.path) {
            try FileManager.default.createSymbolicLink(at: distfiles, withDestinationURL: world.mirror.glep)
        }
        let outcome = try PortageFetchTests.runAsPortage(
            in: world,
            settings: ["DELTAFETCH_MIRRORS": "", "GENTOO_MIRRORS": "http://127.0.0.1:9 " + world.server.url("")])
        try Self.expectPatched(outcome, world: world)
        #expect(
            world.servedPaths.last == "/distfiles/" + MirrorLayout.gentoo.relativePath(for: Self.patch),
            "\(world.servedPaths)")
    }

    /// `mirror://NAME/path` through the tree's `profiles/thirdpartymirrors`.
    @Test func mirrorURLsResolveThroughThirdPartyMirrors() throws {
        let world = try FetchWorld(try FetchEndToEndTests.sixMirror())
        let outcome = try PortageFetchTests.runAsPortage(in: world, settings: ["DELTAFETCH_MIRRORS": ""]) { package in
            try Self.renamePatch(to: "mirror://testmirror/flat/\(Self.patch)", in: package)
            let profiles = package.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
                "profiles")
            try "# name urls\ntestmirror \(world.server.url(""))\n".write(
                to: profiles.appendingPathComponent("thirdpartymirrors"), atomically: true, encoding: .utf8)
        }
        try Self.expectPatched(outcome, world: world)
        #expect(world.servedPaths == ["/flat/\(Self.patch)"])
    }

    /// An overlay whose `metadata/layout.conf` names a master: the master's
    /// `profiles/patches.global` is read (the overlay has no list of its own).
    @Test func mastersGlobalListsAreRead() throws {
        let world = try FetchWorld(try FetchEndToEndTests.sixMirror())
        let outcome = try PortageFetchTests.runAsPortage(in: world) { package in
            let overlay = package.deletingLastPathComponent().deletingLastPathComponent()
            let master = overlay.deletingLastPathComponent().appendingPathComponent("master-repo")
            try FileManager.default.createDirectory(
                at: master.appendingPathComponent("profiles"), withIntermediateDirectories: true)
            try "test-master\n".write(
                to: master.appendingPathComponent("profiles/repo_name"), atomically: true, encoding: .utf8)
            try FileManager.default.moveItem(
                at: package.appendingPathComponent("patches"),
                to: master.appendingPathComponent("profiles/patches.global"))
            try "masters = test-master\nthin-manifests = true\n".write(
                to: overlay.appendingPathComponent("metadata/layout.conf"), atomically: true, encoding: .utf8)
        }
        try Self.expectPatched(outcome, world: world)
        #expect(world.servedPaths == ["/flat/\(Self.patch)"])
    }
}
