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
        #expect(
            settings.mirrors == ["https://a.example/distfiles", "https://b.example/distfiles", "https://c.example"])
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
        ("prefer = speed", 2, "prefer must be bytes or time"),
        ("bandwidth = fast", 2, "bandwidth must be a rate"),
        ("require-strong-hashes = maybe", 2, "require-strong-hashes must be yes or no"),
        ("cpu-share = 2", 2, "cpu-share must be auto or a number from 0.02 to 1"),
        ("cpu-share = busy", 2, "cpu-share must be auto"),
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

    /// Defaults, then the config file, then the environment, then the flags: single values
    /// from the highest layer that sets them; lists from every layer, flags' first.
    @Test func layersResolveInOrderOfPrecedence() throws {
        let defaults = try FetchSettings.load(environment: ["DELTAFETCH_CONFIG": "/dev/null"])
        #expect(defaults.timeout == FetchSettings.defaultTimeout)
        #expect(defaults.retries == FetchSettings.defaultRetries)
        #expect(defaults.worthItRatio == FetchSettings.defaultWorthItRatio)
        #expect(defaults.preference == .time && defaults.bandwidth == nil && !defaults.requireStrongHashes)
        let (defaultPolicy, defaultBasis) = defaults.planPolicy()
        #expect(
            defaultPolicy
                == PlanPolicy(preference: .time(RebuildCostModel(bandwidth: RebuildCostModel.builtInBandwidth))))
        #expect(defaultBasis == EstimateBasis(link: .builtIn, rebuild: .builtIn))

        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("deltafetch.conf")
        try """
        mirrors = https://config.example
        alternate-digests = /from/config
        worth-it-ratio = 0.5
        require-strong-hashes = no
        prefer = time
        bandwidth = 2M
        """.write(to: config, atomically: true, encoding: .utf8)
        let layered = try FetchSettings.load(environment: [
            "DELTAFETCH_CONFIG": config.path, "DELTAFETCH_ALTERNATE_DIGESTS": "/from/environment",
            "DELTAFETCH_REQUIRE_STRONG_HASHES": "yes", "DELTAFETCH_MIRRORS": "https://environment.example",
        ])
        #expect(layered.preference == .time && layered.bandwidth == 2e6)
        #expect(layered.worthItRatio == 0.5)
        #expect(layered.alternateDigests == "/from/environment")
        #expect(layered.requireStrongHashes)
        #expect(layered.readOptions(strict: false).hashPolicy.refusesMD5Only)

        var flags = FetchSettings.Overrides()
        flags.mirrors = ["https://flag.example"]
        flags.worthItRatio = 0.9
        flags.preference = .bytes
        let effective = layered.applying(flags)
        #expect(effective.mirrors == ["https://flag.example", "https://config.example", "https://environment.example"])
        #expect(effective.worthItRatio == 0.9)
        #expect(effective.alternateDigests == "/from/environment", "no flag: the environment's stays")
        #expect(effective.planPolicy().policy == PlanPolicy(worthItRatio: 0.9, preference: .bytes))
        #expect(effective.planPolicy().basis == nil)
        #expect(layered.applying(FetchSettings.Overrides()) == layered, "no flags change nothing")
        #expect(effective.alternateDatabase(distdir: "/d").path == "/from/environment")
        #expect(
            FetchSettings().alternateDatabase(distdir: "/d").path == AlternateDigestDatabase.defaultPath(distdir: "/d"))
    }

    /// Soonest finished takes the link's speed from the flags or config, else from what was
    /// measured for that host, else the built-in figure; rebuild speeds likewise.
    @Test func timeEstimatesUseGivenThenMeasuredThenBuiltInFigures() {
        var memory = ThroughputMemory()
        memory.add(.link(host: "mirror.example"), bytes: 10_000_000, seconds: 2, now: 100)
        memory.add(.recompress(.xz), bytes: 9_000_000, seconds: 1, now: 100)
        var settings = FetchSettings()
        func model(_ host: String?) -> (RebuildCostModel?, EstimateBasis?) {
            let (policy, basis) = settings.planPolicy(memory: memory, linkHost: host)
            guard case .time(let model) = policy.preference else { return (nil, basis) }
            return (model, basis)
        }
        let (measured, measuredBasis) = model("mirror.example")
        #expect(measured?.bandwidth == 5e6)
        #expect(measured?.recompressThroughput[.xz] == 9e6)
        #expect(measuredBasis == EstimateBasis(link: .measured, rebuild: .measured))
        let (unknownHost, unknownBasis) = model("other.example")
        #expect(unknownHost?.bandwidth == RebuildCostModel.builtInBandwidth)
        #expect(unknownBasis?.link == .builtIn)
        settings.bandwidth = 1e6
        settings.recompressThroughput[.xz] = 2e6
        let (given, givenBasis) = model("mirror.example")
        #expect(given?.bandwidth == 1e6)
        #expect(given?.recompressThroughput[.xz] == 2e6)
        #expect(givenBasis == EstimateBasis(link: .given, rebuild: .given))
    }

    /// The CPU share scales the built-in and measured rebuild speeds (not given ones), and the
    /// basis says so; `auto` and the environment override a fixed share in the config.
    @Test func aBusyMachineScalesBuiltInAndMeasuredRebuildSpeedsButNotGivenOnes() throws {
        var memory = ThroughputMemory()
        memory.add(.recompress(.xz), bytes: 8_000_000, seconds: 1, now: 100)
        var settings = FetchSettings()
        let share = CPUShare(0.25)
        let (policy, basis) = settings.planPolicy(memory: memory, linkHost: nil, cpuShare: share)
        guard case .time(let busy) = policy.preference else { Issue.record("not time-aware"); return }
        let free = RebuildCostModel(bandwidth: RebuildCostModel.builtInBandwidth)
        #expect(busy.recompressThroughput[.xz] == 2e6)
        #expect(busy.recompressThroughput[.gzip] == free.recompressThroughput[.gzip]! / 4)
        #expect(busy.serialRecompressThroughput[.bzip2] == free.serialRecompressThroughput[.bzip2]! / 4)
        #expect(busy.applyThroughput == free.applyThroughput / 4)
        #expect(busy.decompressThroughput[.xz] == free.decompressThroughput[.xz]! / 4)
        #expect(busy.bandwidth == free.bandwidth)
        #expect(basis?.description == "link built-in, rebuild measured at 25 % of the CPU")
        settings.recompressThroughput[.xz] = 5e6
        settings.applyThroughput = 100e6
        let (givenPolicy, _) = settings.planPolicy(memory: memory, linkHost: nil, cpuShare: share)
        guard case .time(let given) = givenPolicy.preference else { Issue.record("not time-aware"); return }
        #expect(given.recompressThroughput[.xz] == 5e6)
        #expect(given.applyThroughput == 100e6)
        #expect(given.recompressThroughput[.gzip] == busy.recompressThroughput[.gzip])

        var configured = FetchSettings()
        try configured.read(configText: "cpu-share = 0.5\n", path: "deltafetch.conf")
        #expect(configured.cpuShare == 0.5)
        try configured.read(configText: "cpu-share = auto\n", path: "deltafetch.conf")
        #expect(configured.cpuShare == nil)
        let fromEnvironment = try FetchSettings.load(environment: [
            "DELTAFETCH_CONFIG": "/dev/null", "DELTAFETCH_CPU_SHARE": "1",
        ])
        #expect(fromEnvironment.cpuShare == 1)
    }

    /// GLEP 25's shared-database mode is off unless the config or the environment says so.
    @Test func sharedDatabaseModeComesFromConfigThenEnvironment() throws {
        #expect(try FetchSettings.load(environment: ["DELTAFETCH_CONFIG": "/dev/null"]).sharedDatabase == false)
        var settings = FetchSettings()
        try settings.read(configText: "shared-database = yes\n", path: "deltafetch.conf")
        #expect(settings.sharedDatabase)
        #expect(
            try FetchSettings.load(environment: ["DELTAFETCH_CONFIG": "/dev/null", "DELTAFETCH_SHARED_DATABASE": "1"])
                .sharedDatabase)
        #expect(throws: FileError.self) {
            try settings.read(configText: "shared-database = sometimes\n", path: "deltafetch.conf")
        }
    }

    @Test func preferenceAndBandwidthComeFromTheEnvironment() throws {
        let settings = try FetchSettings.load(environment: [
            "DELTAFETCH_CONFIG": "/dev/null", "DELTAFETCH_PREFER": "bytes", "DELTAFETCH_BANDWIDTH": "3M",
        ])
        #expect(settings.preference == .bytes)
        #expect(settings.bandwidth == 3e6)
    }

    @Test(arguments: ["20M", "20MB/s", "1.5G", "500k", "7"])
    func ratesParse(text: String) {
        #expect(RateParser.bytesPerSecond(text) != nil)
    }

    @Test(arguments: ["", "fast", "-1M", "0", "infM"])
    func nonRatesDoNot(text: String) {
        #expect(RateParser.bytesPerSecond(text) == nil)
    }

    @Test func aNamedConfigFileThatIsMissingIsAnError() {
        #expect(throws: FileError.self) {
            try FetchSettings.load(environment: ["DELTAFETCH_CONFIG": "/nonexistent/deltafetch.conf"])
        }
    }

    @Test func directoriesExpandToTheListsTheyHold() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("profiles"), withIntermediateDirectories: true)
        for name in ["patches", "profiles/patches.global"] {
            try Data().write(to: directory.appendingPathComponent(name))
        }
        let file = directory.appendingPathComponent("patches").path
        let (files, missing) = FetchSettings(patchSources: [directory.path, file, "/nonexistent/patches"])
            .patchListFiles()
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
        #expect(
            !ExpectedDistfile(size: 10, digests: [try Digest(algorithm: .md5, hex: String(repeating: "0", count: 32))])
                .matches(actual),
            "no shared algorithm is no match")
    }
}
