import DeltaCore
import DeltaTransport
import Foundation
import Testing

/// The time-aware choice (issue "Never slower"): the default weighs a patched fetch against a
/// plain download with measured figures, learns the link on a cold start, and remembers what
/// it measured.
@Suite(.serialized) struct TimeAwareFetchTests {
    /// Two versions of a 1.5 MB .tar.gz of incompressible content whose last 200 kB differ, so
    /// the patch (about 200 kB) is small beside the file but big enough to measure the link by.
    static let versions: [String] = {
        let directory = (try? TestPaths.temporaryDirectory())!
        var generator = SystemRandomNumberGenerator()
        let shared = (0..<1_300_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return ["noise-1.0", "noise-2.0"].map { name in
            let folder = directory.appendingPathComponent(name)
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let bytes = shared + (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try? Data(bytes).write(to: folder.appendingPathComponent("data.bin"))
            let archive = directory.appendingPathComponent("\(name).tar.gz").path
            let tar = Process()
            tar.executableURL = URL(fileURLWithPath: "/bin/sh")
            tar.arguments = [
                "-c",
                "cd '\(directory.path)' && tar cf - --mtime=@0 --owner=0 --group=0 '\(name)' | gzip -n -6 > '\(archive)'",
            ]
            try? tar.run()
            tar.waitUntilExit()
            return archive
        }
    }()

    static func prepared() throws -> (FetchWorld, FetchRequest) {
        let mirror = try PreparedMirror.shared(versions)
        let world = try FetchWorld(mirror)
        var settings = FetchSettings()  // the defaults: soonest finished…
        settings.cpuShare = 1  // …planned as if the cores were free, whatever the test run keeps busy
        var prepared = try FetchRequest.prepare(
            target: "noise-2.0.tar.gz", distdir: world.distdir.path,
            sources: DistfileSources(patchLists: [mirror.patchList], manifestPath: mirror.manifest),
            settings: settings.applying(
                {
                    var flags = FetchSettings.Overrides(); flags.mirrors = [world.server.url("/flat")]; return flags
                }()),
            mode: .commandLine(strict: true)
        ).request
        prepared.measurementsPath = ThroughputMemory.defaultPath(distdir: prepared.distdir)
        return (world, prepared)
    }

    /// With no measurement the plan uses the built-in link speed; the patch download then
    /// measures loopback as very fast, and with a rebuild this slow a full download wins:
    /// patching is abandoned before the rebuild, and the link is remembered.
    @Test func aColdStartLearnsTheLinkFromThePatchDownloadAndDownloadsWholeWhenThatIsFaster() async throws {
        var (world, request) = try Self.prepared()
        #expect(request.estimateBasis == EstimateBasis(link: .builtIn, rebuild: .builtIn))
        var model = RebuildCostModel(bandwidth: RebuildCostModel.builtInBandwidth)
        // A very slow machine (about 1,700 s to recompress) and, as far as the plan knows, a
        // slower link (15,000 s for the whole file, 2,000 s for the patch): patching looks best.
        // Loopback measures far faster than 2 kB/s however loaded the machine, and then the
        // whole file (under 750 s even at that speed) beats the rebuild left.
        model.recompressThroughput[.gzip] = 1e3
        model.serialRecompressThroughput[.gzip] = 1e3
        model.bandwidth = 1e2
        request.policy = PlanPolicy(preference: .time(model))
        let report = try await Downloader.withDownloader { downloader in
            try await DistfileFetcher(downloader: downloader).fetch(request)
        }
        #expect(report.action == .downloaded)
        #expect(report.fallbackReason?.contains("the link measured") == true, "\(report.fallbackReason ?? "")")
        #expect(report.estimate?.basis == "link built-in, rebuild built-in")
        let (memory, warnings) = ThroughputMemory.load(
            path: request.measurementsPath!, now: ThroughputMemory.currentTime())
        #expect(warnings.isEmpty)
        #expect(memory.rate(.link(host: ThroughputMemory.linkKey(for: URL(string: world.server.url())!))) != nil)
        _ = world
    }

    /// A slow link, known from earlier transfers: the same plan patches, and the rebuild's
    /// speeds are remembered for the next estimate.
    @Test func aMeasuredSlowLinkPatchesAndRemembersTheRebuildSpeeds() async throws {
        let (world, seed) = try Self.prepared()
        let host = ThroughputMemory.linkKey(for: URL(string: world.server.url())!)
        try ThroughputMemory.record(
            [ThroughputMemory.Sample(.link(host: host), bytes: 1 << 20, seconds: 20)],
            path: seed.measurementsPath!, now: ThroughputMemory.currentTime())
        let request = try Self.prepared(reusing: world)
        #expect(request.estimateBasis?.link == .measured)
        let report = try await Downloader.withDownloader { downloader in
            try await DistfileFetcher(downloader: downloader).fetch(request)
        }
        #expect(report.action == .patched, "\(report.fallbackReason ?? "")")
        let estimate = try #require(report.estimate)
        #expect(estimate.patchSeconds < estimate.downloadSeconds)
        // 1.5 MB of content is too little for restart points: the recipe is serial, and its
        // speed is remembered apart from that of recipes that share the work out.
        #expect(report.recompression?.hasPrefix("serial") == true, "\(report.recompression ?? "nil")")
        let (memory, _) = ThroughputMemory.load(path: request.measurementsPath!, now: ThroughputMemory.currentTime())
        #expect(memory.rate(.serialRecompress(.gzip)) != nil)
        #expect(memory.rate(.recompress(.gzip)) == nil)
        #expect(memory.rate(.apply) != nil)
    }

    /// The plan patches (its figures say the rebuild is instant), but the rebuild falls
    /// behind a plain download as soon as it shows progress: it is given up and the file
    /// downloaded whole, with the reason in the report.
    @Test func aRebuildFallingBehindTheDownloadIsGivenUp() async throws {
        var (world, request) = try Self.prepared()
        defer { withExtendedLifetime(world) {} }
        var model = RebuildCostModel(bandwidth: 1e8)
        model.applyThroughput = 1e12
        model.decompressThroughput[.gzip] = 1e12
        model.recompressThroughput[.gzip] = 1e12
        model.serialRecompressThroughput[.gzip] = 1e12
        request.policy = PlanPolicy(preference: .time(model))
        // Any time still to go is too much, once a pace shows (serial recompression reports
        // its progress every 256 KiB of this 1.5 MB content).
        request.rebuildDeadline = RebuildDeadline.Rule(minimumElapsed: 0, tolerance: 0, slack: 0)
        let report = try await Downloader.withDownloader { downloader in
            try await DistfileFetcher(downloader: downloader).fetch(request)
        }
        #expect(report.action == .downloaded)
        #expect(
            report.fallbackReason?.contains("the rebuild ran slower than planned") == true,
            "\(report.fallbackReason ?? "")")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: request.distdir)
            .filter { $0.hasPrefix(".") && $0 != ".deltafetch" }
        #expect(leftovers.isEmpty, "\(leftovers)")
        // What the rebuild ran at before it was given up is remembered for the next plan.
        let (memory, _) = ThroughputMemory.load(path: request.measurementsPath!, now: ThroughputMemory.currentTime())
        #expect(memory.rate(.serialRecompress(.gzip)) != nil)
    }

    /// Plans assume a recipe that shares recompression out over the cores. When the patch,
    /// once downloaded, carries a serial one and this machine is known to be slow at that,
    /// the fetch downloads whole before rebuilding: the figures are far apart (a 150 s serial
    /// rebuild against a 3 s download) so that no load on the machine can flip the choice.
    @Test func aSerialRecipeFoundInThePatchIsWeighedWithTheSerialSpeed() async throws {
        let (world, seed) = try Self.prepared()
        let host = ThroughputMemory.linkKey(for: URL(string: world.server.url())!)
        try ThroughputMemory.record(
            [
                ThroughputMemory.Sample(.link(host: host), bytes: 1 << 20, seconds: 2),
                ThroughputMemory.Sample(.recompress(.gzip), bytes: 100 << 20, seconds: 1),
                ThroughputMemory.Sample(.serialRecompress(.gzip), bytes: 1 << 20, seconds: 100),
            ],
            path: seed.measurementsPath!, now: ThroughputMemory.currentTime())
        let request = try Self.prepared(reusing: world)
        let report = try await Downloader.withDownloader { downloader in
            try await DistfileFetcher(downloader: downloader).fetch(request)
        }
        #expect(report.action == .downloaded)
        #expect(
            report.fallbackReason?.contains("the recompression will be serial") == true,
            "\(report.fallbackReason ?? "")")
        let estimate = try #require(report.estimate)
        #expect(estimate.patchSeconds < estimate.downloadSeconds, "the plan itself chose to patch")
    }

    /// A patch whose recipe replays an optimal parse (7-Zip's six tar, patched with
    /// `mkpatch create --reconstruction small`) rebuilds 3.5-4 x slower than the gzip
    /// recompression plans assume. With measurements under which the plan patches (about
    /// 0.45 s against a 1 s download), the fetch weighs the recipe once the patch is in and
    /// downloads whole (about 1.5 s of rebuild); the same target patched with the default
    /// recipe is patched. The link is slow and the rebuild tiny, so load cannot flip either.
    @Test func anOptimalParseRecipeIsWeighedAsTheSlowerRebuildItIs() async throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("six-1.17.0.tar.gz").path
        try FileManager.default.copyItem(
            atPath: TestPaths.testdata("deflate-reconstruction/six-1.17.0.tar.7zip-9.gz"), toPath: target)
        let contentBytes = 174_080.0
        for goal in ["small", "fast"] {
            let mirror = try PreparedMirror(
                [TestPaths.testdata("six-1.16.0.tar.gz"), target], createArguments: ["--reconstruction", goal])
            let world = try FetchWorld(mirror)
            let measurements = ThroughputMemory.defaultPath(distdir: world.distdir.path)
            let host = ThroughputMemory.linkKey(for: URL(string: world.server.url())!)
            let fullBytes = Double(mirror.size(of: "six-1.17.0.tar.gz"))
            try ThroughputMemory.record(
                [
                    // The whole file in 1 s; the content recompressed in 0.4 s, shared out or not.
                    ThroughputMemory.Sample(.link(host: host), bytes: UInt64(fullBytes * 64), seconds: 64),
                    ThroughputMemory.Sample(.recompress(.gzip), bytes: UInt64(contentBytes * 64), seconds: 0.4 * 64),
                    ThroughputMemory.Sample(
                        .serialRecompress(.gzip), bytes: UInt64(contentBytes * 64), seconds: 0.4 * 64),
                ],
                path: measurements, now: ThroughputMemory.currentTime())
            var settings = FetchSettings()
            settings.cpuShare = 1
            var flags = FetchSettings.Overrides()
            flags.mirrors = [world.server.url("/flat")]
            var request = try FetchRequest.prepare(
                target: "six-1.17.0.tar.gz", distdir: world.distdir.path,
                sources: DistfileSources(patchLists: [mirror.patchList], manifestPath: mirror.manifest),
                settings: settings.applying(flags), mode: .commandLine(strict: true)
            ).request
            request.measurementsPath = measurements
            let report = try await Downloader.withDownloader { downloader in
                try await DistfileFetcher(downloader: downloader).fetch(request)
            }
            let estimate = try #require(report.estimate, "\(goal)")
            #expect(estimate.patchSeconds < estimate.downloadSeconds, "\(goal): the plan itself chose to patch")
            if goal == "small" {
                #expect(report.action == .downloaded, "\(goal): \(report.action)")
                #expect(
                    report.fallbackReason?.contains("the recipe replays an optimal parse") == true,
                    "\(report.fallbackReason ?? "")")
            } else {
                #expect(report.action == .patched, "\(goal): \(report.action), \(report.fallbackReason ?? "")")
            }
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: world.distdir.path + "/six-1.17.0.tar.gz"))
                    == Data(contentsOf: URL(fileURLWithPath: target)), "\(goal)")
        }
    }

    /// The request for the prepared world again, now that the distdir holds measurements.
    static func prepared(reusing world: FetchWorld) throws -> FetchRequest {
        var flags = FetchSettings.Overrides()
        flags.mirrors = [world.server.url("/flat")]
        var request = try FetchRequest.prepare(
            target: "noise-2.0.tar.gz", distdir: world.distdir.path,
            sources: DistfileSources(patchLists: [world.mirror.patchList], manifestPath: world.mirror.manifest),
            settings: FetchSettings().applying(flags), mode: .commandLine(strict: true)
        ).request
        request.measurementsPath = ThroughputMemory.defaultPath(distdir: request.distdir)
        return request
    }

    /// `deltafetch plan` decides the same way from the same measurements: a fast measured link
    /// downloads, a slow one patches, and `--json` says where the figures came from.
    @Test func planReadsTheSameMeasurements() throws {
        let (world, request) = try Self.prepared()
        let host = ThroughputMemory.linkKey(for: URL(string: world.server.url())!)
        func plan(linkSeconds: Double, cpuShare: String = "1") throws -> [String: Any] {
            try? FileManager.default.removeItem(atPath: request.measurementsPath!)
            try ThroughputMemory.record(
                [
                    ThroughputMemory.Sample(.link(host: host), bytes: 100 << 20, seconds: linkSeconds),
                    ThroughputMemory.Sample(.recompress(.gzip), bytes: 10 << 20, seconds: 1),
                ],
                path: request.measurementsPath!, now: ThroughputMemory.currentTime())
            var environment = ProcessInfo.processInfo.environment
            environment["DELTAFETCH_PREFER"] = nil
            environment["DELTAFETCH_CONFIG"] = "/dev/null"
            environment["DELTAFETCH_MIRRORS"] = world.server.url("/flat")
            let outcome = try DeltaFetchBinary.run(
                [
                    "plan", "noise-2.0.tar.gz", "--distdir", world.distdir.path, "--patches",
                    world.mirror.patchList, "--manifest", world.mirror.manifest, "--json",
                ],
                environment: environment.merging(["DELTAFETCH_PREFER": "time", "DELTAFETCH_CPU_SHARE": cpuShare]) {
                    $1
                })
            #expect(outcome.status == 0, "\(outcome.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        }
        let fast = try plan(linkSeconds: 0.1)  // 1 GB/s
        #expect(fast["worth_it"] as? Bool == false)
        #expect(fast["basis"] as? String == "link measured, rebuild measured")
        let slow = try plan(linkSeconds: 1000)  // 100 kB/s
        #expect(slow["worth_it"] as? Bool == true)
        #expect(slow["cpu_share"] as? Double == 1)
        // 1 MB/s: free cores rebuild before the whole file arrives; with 2 % of the CPU the
        // same measured speeds take fifty times longer, and the plan downloads whole.
        let free = try plan(linkSeconds: 100)
        #expect(free["worth_it"] as? Bool == true, "\(free)")
        let busy = try plan(linkSeconds: 100, cpuShare: "0.02")
        #expect(busy["worth_it"] as? Bool == false, "\(busy)")
        #expect(busy["basis"] as? String == "link measured, rebuild measured at 2 % of the CPU")
        #expect(busy["cpu_share"] as? Double == 0.02)
    }

    /// The share of the cores is measured (50 ms of spinning) only when a plan on free cores
    /// patches: load can only slow a rebuild, so a plan that downloads whole on free cores
    /// stands without it, and a fast link's fetch does not pay for the probe.
    @Test func theCoresAreProbedOnlyWhenAPlanOnFreeCoresPatches() throws {
        let (world, seed) = try Self.prepared()
        let host = ThroughputMemory.linkKey(for: URL(string: world.server.url())!)
        func planned(linkSeconds: Double) throws -> (Plan, FetchRequest) {
            try? FileManager.default.removeItem(atPath: seed.measurementsPath!)
            try ThroughputMemory.record(
                [
                    ThroughputMemory.Sample(.link(host: host), bytes: 100 << 20, seconds: linkSeconds),
                    ThroughputMemory.Sample(.recompress(.gzip), bytes: 10 << 20, seconds: 1),
                ],
                path: seed.measurementsPath!, now: ThroughputMemory.currentTime())
            var request = try Self.prepared(reusing: world)  // no share set: soonest finished probes
            #expect(request.cpuShareProbe != nil)
            let plan = try FetchPlanning.plan(&request)
            return (plan, request)
        }
        let (fastPlan, fast) = try planned(linkSeconds: 0.1)  // 1 GB/s: download whole
        #expect(!fastPlan.isWorthIt)
        #expect(fast.cpuShareProbe != nil, "not probed")
        #expect(fast.cpuShare == .free)
        // 100 kB/s: 15 s for the whole file; the patch and a rebuild at even 2 % of the CPU
        // take about 10 s, so the plan patches whatever the probe measures.
        let (slowPlan, slow) = try planned(linkSeconds: 1000)
        #expect(slowPlan.isWorthIt)
        #expect(slow.cpuShareProbe == nil, "probed and settled")
        #expect(slow.estimateBasis?.cpuShare == slow.cpuShare)
    }
}
