import DeltaCore
import Foundation
import Testing

/// Settings from the environment and the config file, and Portage's `${DIGESTS}`.
struct FetchSettingsTests {
    @Test func environmentAndConfigFileCombine() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("deltafetch.conf")
        try """
            # mirrors first
            mirrors = https://a.example/distfiles  https://b.example/distfiles
            patches = /lists/one:/lists/two   # trailing comment
            timeout = 12.5
            retries = 0
            worth-it-ratio = 0.7
            alternate-digests = /var/db/alternates

            """.write(to: config, atomically: true, encoding: .utf8)
        let settings = try FetchSettings.load(environment: [
            "DELTAFETCH_CONFIG": config.path,
            "DELTAFETCH_PATCHES": "/lists/three::/lists/four",
            "DELTAFETCH_MIRRORS": " https://c.example ",
        ])
        #expect(settings.mirrors == ["https://a.example/distfiles", "https://b.example/distfiles", "https://c.example"])
        #expect(settings.patchSources == ["/lists/one", "/lists/two", "/lists/three", "/lists/four"])
        #expect(settings.timeout == 12.5)
        #expect(settings.retries == 0)
        #expect(settings.worthItRatio == 0.7)
        #expect(settings.alternateDigests == "/var/db/alternates")
    }

    @Test(arguments: [
        ("mirrors https://a", 2, "key = value"),
        ("timeout = soon", 2, "timeout"),
        ("retries = -1", 2, "retries"),
        ("worth-it-ratio = 0", 2, "worth-it-ratio"),
        ("colour = blue", 2, "unknown setting 'colour'"),
    ])
    func aBadLineNamesTheFileAndLine(line: String, number: Int, reason: String) throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("deltafetch.conf")
        try "# first\n\(line)\n".write(to: config, atomically: true, encoding: .utf8)
        #expect {
            try FetchSettings.load(environment: ["DELTAFETCH_CONFIG": config.path])
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("\(config.path):\(number): ") && text.contains(reason)
        }
    }

    @Test func aNamedConfigFileThatIsMissingIsAnError() {
        #expect(throws: FileError.self) { try FetchSettings.load(environment: ["DELTAFETCH_CONFIG": "/nonexistent/deltafetch.conf"]) }
    }

    @Test func directoriesExpandToTheListsTheyHold() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("profiles"), withIntermediateDirectories: true)
        for name in ["patches", "profiles/patches.global"] {
            try Data().write(to: directory.appendingPathComponent(name))
        }
        let file = directory.appendingPathComponent("patches").path
        let (files, missing) = FetchSettings(patchSources: [directory.path, file, "/nonexistent/patches"]).patchListFiles()
        #expect(files == [directory.path + "/profiles/patches.global", directory.path + "/patches", file])
        #expect(missing == ["/nonexistent/patches"])
    }

    @Test func portageDigestsParse() throws {
        let blake = String(repeating: "ab", count: 64), sha = String(repeating: "CD", count: 64)
        let expected = try #require(try ExpectedDistfile.parse(portageDigests: "blake2b:\(blake) sha512:\(sha)"))
        #expect(expected.size == nil)
        #expect(expected.algorithms == [.sha512, .blake2b].sorted())
        #expect(try ExpectedDistfile.parse(portageDigests: "  ") == nil)
        #expect(throws: SettingsError.self) { try ExpectedDistfile.parse(portageDigests: "blake2b=\(blake)") }
        #expect(throws: SettingsError.self) { try ExpectedDistfile.parse(portageDigests: "blake2b:xyz") }
        // Without a size only the digests decide; with one, the size too.
        let actual = DigestSet(size: 10, digests: [try Digest(algorithm: .blake2b, hex: blake)])
        #expect(expected.matches(actual))
        #expect(!ExpectedDistfile(size: 11, digests: expected.digests.values).matches(actual))
        #expect(!ExpectedDistfile(size: 10, digests: [try Digest(algorithm: .md5, hex: String(repeating: "0", count: 32))]).matches(actual),
                "no shared algorithm is no match")
    }
}
