import Foundation
import Testing

/// Every command resolves its settings the same way (defaults, config file, environment,
/// flags): what the config file says, `plan`, `fetch`, `portage`, `clean` and
/// `record-alternate` all honour.
@Suite struct SettingsConsistencyTests {
    static func config(_ text: String, in directory: String) throws -> String {
        let path = directory + "/deltafetch.conf"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A worth-it ratio no patch can meet, set in the config file only: `plan` used to ignore
    /// it while `fetch` honoured it.
    @Test func planFetchAndPortageHonourTheConfigFilesWorthItRatio() throws {
        let mirror = try SixMirror()
        defer { mirror.remove() }
        let config = try Self.config("worth-it-ratio = 0.001\n", in: mirror.root.path)
        var environment = ProcessInfo.processInfo.environment
        environment["DELTAFETCH_CONFIG"] = config

        let plan = try Binaries.run(
            "deltafetch",
            [
                "plan", SixMirror.target, "--distdir", mirror.distdir, "--patches", mirror.patches,
                "--manifest", mirror.manifest, "--json",
            ], environment: environment)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("\"worth_it\":false"), "\(plan.stdout)")

        let fetch = try Binaries.run("deltafetch", mirror.fetchArguments + ["--json"], environment: environment)
        #expect(fetch.status == 10, "\(fetch.stderr)")
        #expect(fetch.stdout.contains("\"action\":\"downloaded\""), "\(fetch.stdout)")

        // The flag outranks the config file.
        try FileManager.default.removeItem(atPath: mirror.distdir + "/" + SixMirror.target)
        let flagged = try Binaries.run(
            "deltafetch", mirror.fetchArguments + ["--json", "--worth-it-ratio", "1"], environment: environment)
        #expect(flagged.status == 0, "\(flagged.stderr)")
        #expect(flagged.stdout.contains("\"action\":\"patched\""), "\(flagged.stdout)")

        // Portage mode: the same config, lists and mirrors from the environment, the size
        // from the ebuild's Manifest.
        try FileManager.default.removeItem(atPath: mirror.distdir + "/" + SixMirror.target)
        let package = mirror.root.path + "/tree/dev-python/six"
        try FileManager.default.createDirectory(atPath: package, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: mirror.manifest, toPath: package + "/Manifest")
        try "EAPI=8\n".write(toFile: package + "/six-1.17.0.ebuild", atomically: true, encoding: .utf8)
        environment["EBUILD"] = package + "/six-1.17.0.ebuild"
        environment["DELTAFETCH_PATCHES"] = mirror.patches
        environment["DELTAFETCH_MIRRORS"] = "file://" + mirror.mirror
        let portage = try Binaries.run(
            "deltafetch",
            [
                "portage", "file://" + mirror.mirror + "/" + SixMirror.target, mirror.distdir,
                SixMirror.target + ".__download__",
            ], environment: environment)
        #expect(portage.status == 0, "\(portage.stderr)")
        #expect(portage.stderr.contains("downloading the whole file"), "\(portage.stderr)")
        #expect(!portage.stderr.contains("patching from"), "\(portage.stderr)")
    }

    /// `clean` used to ignore the config file's `alternate-digests`, so a moved database was never cleaned.
    @Test func cleanUsesTheConfigFilesDatabase() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let distdir = root + "/distdir"
        try FileManager.default.createDirectory(atPath: distdir, withIntermediateDirectories: true)
        let database = root + "/moved-alternates"
        let hex = String(repeating: "ab", count: 64)
        try "BLAKE2B \(hex) gone-1.tar.gz 10 BLAKE2B \(hex) 11\n".write(
            toFile: database, atomically: true, encoding: .utf8)
        let config = try Self.config("alternate-digests = \(database)\n", in: root)
        var environment = ProcessInfo.processInfo.environment
        environment["DELTAFETCH_CONFIG"] = config
        environment["DELTAFETCH_ALTERNATE_DIGESTS"] = nil
        let clean = try Binaries.run("deltafetch", ["clean", "--distdir", distdir], environment: environment)
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("removed 1"), "\(clean.stdout)")
    }
}
