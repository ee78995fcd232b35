import DeltaCore
import Foundation
import Synchronization
import Testing

/// The pipelined rebuild (decompress, apply each link, recompress, hash, all at once) gives
/// the sequential rebuild's bytes and digests for every recipe kind and job count, makes the
/// same checks, and on any stage's failure stops every stage and leaves nothing behind.
@Suite(.timeLimit(.minutes(5))) struct PipelinedRebuildTests {
    /// The recipe kinds a target can have, with how each shares out its work.
    enum Kind: String, CaseIterable, Sendable {
        case zlibRestartPoints, gnuRestartPoints, zlibNoRestartPoints, bzip2, xzSingleBlock, xzThreaded

        var fileName: String {
            switch self {
            case .zlibRestartPoints, .gnuRestartPoints, .zlibNoRestartPoints: "pkg-3.tar.gz"
            case .bzip2: "pkg-3.tar.bz2"
            case .xzSingleBlock, .xzThreaded: "pkg-3.tar.xz"
            }
        }

        /// The recipe for `content`, with restart points proven over it where the kind has them,
        /// and the compressed file it gives.
        func recipe(for content: [UInt8]) throws -> (recipe: RecompressionRecipe, file: [UInt8]) {
            switch self {
            case .zlibRestartPoints:
                return try ParallelRecompressionTests.withRestartPoints(
                    ParallelRecompressionTests.gzipRecipe(.zlib, level: 6), content: content, interval: 90_000)
            case .gnuRestartPoints:
                return try ParallelRecompressionTests.withRestartPoints(
                    ParallelRecompressionTests.gzipRecipe(.gnuGzip, level: 6), content: content, interval: 90_000)
            case .zlibNoRestartPoints:
                return try Self.plain(ParallelRecompressionTests.gzipRecipe(.zlib, level: 9), content)
            case .bzip2:
                return try Self.plain(
                    RecompressionRecipe(format: .bzip2, library: .libbz2, bzip2: Bzip2Recipe(blockSize: 1)), content)
            case .xzSingleBlock:
                return try Self.plain(
                    RecompressionRecipe(
                        format: .xz, library: .liblzma, xz: XZRecipe(preset: 1, extreme: false, check: .crc64)),
                    content)
            case .xzThreaded:
                return try Self.plain(
                    RecompressionRecipe(
                        format: .xz, library: .liblzma,
                        xz: XZRecipe(preset: 1, extreme: false, check: .crc64, blockSize: 120_000, threaded: true)),
                    content)
            }
        }

        private static func plain(_ recipe: RecompressionRecipe, _ content: [UInt8]) throws -> (
            recipe: RecompressionRecipe, file: [UInt8]
        ) {
            var recipe = recipe
            let file = try recipe.makeEncoder().transform(content)
            recipe.target = RecipeTarget(
                size: UInt64(file.count), sha256: try DigestContext.digest(.sha256, of: file).hex)
            return (recipe, file)
        }
    }

    /// Three versions of a random content, a compressed base, and a two-link chain whose last
    /// patch carries the target's recipe, in a fresh directory.
    struct Fixture {
        let seed: UInt64
        let directory: URL
        let basePath: String
        let links: [ChainLink]
        let patchPaths: [String]
        let target: [UInt8]
        let targetName: String

        init(_ kind: Kind, seed: UInt64 = .random(in: 0...UInt64.max), size: Int = 700_000) throws {
            self.seed = seed
            var generator = SeededGenerator(seed: seed)
            let directory = try TestPaths.temporaryDirectory()
            self.directory = directory
            var versions = [ParallelRecompressionTests.contentWithRuns(size, &generator)]
            for _ in 0..<2 { versions.append(Self.edited(versions.last!, &generator)) }
            let write = { (name: String, bytes: [UInt8]) -> String in
                let path = directory.appendingPathComponent(name).path
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                return path
            }
            for (index, version) in versions.enumerated() { _ = try write("v\(index).tar", version) }
            // The base compressed in a format of its own (or not at all).
            let baseFormat = ["gz", "bz2", "xz", ""].randomElement(using: &generator)!
            let baseBytes: [UInt8] =
                switch baseFormat {
                case "gz": try GzipEncoder(level: 6).transform(versions[0])
                case "bz2": try Bzip2Encoder(blockSize: 1).transform(versions[0])
                case "xz": try XZEncoder(preset: 0).transform(versions[0])
                default: versions[0]
                }
            basePath = try write("pkg-1.tar" + (baseFormat.isEmpty ? "" : "." + baseFormat), baseBytes)
            let (recipe, file) = try kind.recipe(for: versions[2])
            target = file
            targetName = kind.fileName
            let targetDigests = DigestSet(
                size: UInt64(file.count),
                digests: [try DigestContext.digest(.sha256, of: file), try DigestContext.digest(.md5, of: file)])
            var links: [ChainLink] = []
            var patchPaths: [String] = []
            for index in 1...2 {
                let patch = directory.appendingPathComponent("\(index).patch").path
                let metadata =
                    index == 2
                    ? PatchMetadata(recipe: recipe.serialized(), targetCompressed: targetDigests) : PatchMetadata()
                try FileDiffer.diff(
                    oldPath: directory.appendingPathComponent("v\(index - 1).tar").path,
                    newPath: directory.appendingPathComponent("v\(index).tar").path, outputPath: patch,
                    metadata: metadata)
                var content = try MultiDigest([.md5, .blake2b])
                content.update(versions[index])
                links.append(ChainLink(patchPath: patch, expectedContent: content.finalize()))
                patchPaths.append(patch)
            }
            self.links = links
            self.patchPaths = patchPaths
        }

        /// `bytes` with a few random insertions, deletions and changes.
        static func edited(_ bytes: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
            var bytes = bytes
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                let length = min(bytes.count - at, Int.random(in: 1...4_000, using: &generator))
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes.insert(contentsOf: generator.compressibleBytes(count: length), at: at)
                case 1: bytes.removeSubrange(at..<(at + length))
                default: bytes.replaceSubrange(at..<(at + length), with: generator.bytes(length))
                }
            }
            return bytes
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }

        /// Rebuilds into the fixture's directory and returns the file's bytes and digests.
        func rebuild(_ scheduling: RebuildScheduling, jobs: Int, chain: [ChainLink]? = nil) throws -> (
            bytes: [UInt8], rebuilt: RebuiltDistfile
        ) {
            let rebuilt = try Rebuilder.rebuild(
                basePath: basePath, chain: chain ?? links, targetName: targetName, in: directory.path,
                digesting: [.sha256, .blake2b, .md5], jobs: jobs, scheduling: scheduling)
            let output = directory.appendingPathComponent("\(scheduling)-\(jobs)-" + targetName).path
            try rebuilt.publish(as: output)
            defer { try? FileManager.default.removeItem(atPath: output) }
            return ([UInt8](try Data(contentsOf: URL(fileURLWithPath: output))), rebuilt)
        }

        /// Scratch directories or temporary files left in the fixture's directory.
        func leftovers() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") }
        }
    }

    @Test(arguments: Kind.allCases)
    func pipelineGivesTheSequentialBytesForEveryRecipeKindAndJobCount(kind: Kind) throws {
        let fixture = try Fixture(kind)
        defer { fixture.remove() }
        let context = "\(kind), seed \(fixture.seed), base \(fixture.basePath.split(separator: "/").last ?? "")"
        let sequential = try fixture.rebuild(.sequential, jobs: 1)
        #expect(sequential.bytes == fixture.target, "\(context)")
        for jobs in [1, 2, 3] {
            let pipelined = try fixture.rebuild(.pipelined, jobs: jobs)
            #expect(pipelined.bytes == fixture.target, "\(context), \(jobs) jobs")
            #expect(pipelined.rebuilt.compressed == sequential.rebuilt.compressed, "\(context), \(jobs) jobs")
            #expect(pipelined.rebuilt.content.matches(sequential.rebuilt.content), "\(context), \(jobs) jobs")
            #expect(pipelined.rebuilt.matchesRecordedTarget == true, "\(context), \(jobs) jobs")
            #expect(pipelined.rebuilt.recipeFromPatch)
            if jobs > 1 && [.zlibRestartPoints, .gnuRestartPoints].contains(kind) {
                // Cut at the restart points, read as the content was still being written.
                #expect(pipelined.rebuilt.parallelism.isParallel, "\(context): \(pipelined.rebuilt.parallelism)")
            }
        }
        #expect(try fixture.leftovers().isEmpty, "\(context)")
    }

    /// A patch damaged past its header fails its stage; the others stop, and nothing is left.
    @Test(arguments: [0, 1])
    func aCorruptPatchStopsEveryStageAndLeavesNothing(link: Int) throws {
        let fixture = try Fixture(.zlibRestartPoints, size: 1_200_000)
        defer { fixture.remove() }
        let path = fixture.patchPaths[link]
        var patch = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var generator = SeededGenerator(seed: fixture.seed)
        for _ in 0..<8 {
            let at = Int.random(in: (patch.count - min(200, patch.count / 2))..<patch.count, using: &generator)
            patch[at] ^= 0x5a
        }
        try Data(patch).write(to: URL(fileURLWithPath: path))
        for jobs in [1, 2] {
            #expect(throws: (any Error).self, "seed \(fixture.seed), link \(link), \(jobs) jobs") {
                try fixture.rebuild(.pipelined, jobs: jobs)
            }
        }
        #expect(try fixture.leftovers().isEmpty, "seed \(fixture.seed)")
    }

    /// A base whose compressed stream breaks off half-way fails the first stage, named as the
    /// base's fault, while the stages after it wait for bytes that never come.
    @Test func aTruncatedBaseStopsEveryStageAndIsBlamed() throws {
        let fixture = try Fixture(.bzip2, size: 900_000)
        defer { fixture.remove() }
        let base = fixture.directory.appendingPathComponent("cut.tar.gz").path
        let content = try Data(contentsOf: fixture.directory.appendingPathComponent("v0.tar"))
        let compressed = try GzipEncoder(level: 1).transform([UInt8](content))
        try Data(compressed.prefix(compressed.count / 2)).write(to: URL(fileURLWithPath: base))
        for jobs in [1, 2] {
            do {
                _ = try Rebuilder.rebuild(
                    basePath: base, chain: fixture.links, targetName: fixture.targetName, in: fixture.directory.path,
                    jobs: jobs)
                Issue.record("a truncated base rebuilt, seed \(fixture.seed)")
            } catch let error as FileError {
                #expect(error.path == base, "\(error), seed \(fixture.seed)")
            } catch {
                Issue.record("\(error), seed \(fixture.seed)")
            }
        }
        #expect(try fixture.leftovers().isEmpty, "seed \(fixture.seed)")
    }

    /// The first link's content differs from what the list promises: found when that link
    /// ends, after the later stages have started on it; they stop and nothing is left.
    @Test func aContentMismatchMidChainStopsTheLaterStages() throws {
        let fixture = try Fixture(.gnuRestartPoints, size: 1_000_000)
        defer { fixture.remove() }
        var chain = fixture.links
        var promised = try #require(chain[0].expectedContent)
        promised.digests[.md5] = try Digest(algorithm: .md5, hex: String(repeating: "0", count: 32))
        chain[0].expectedContent = promised
        #expect {
            try fixture.rebuild(.pipelined, jobs: 2, chain: chain)
        } throws: { error in
            guard let error = error as? FileError, error.path == fixture.patchPaths[0],
                case .contentMismatch = error.underlying as? RebuildError
            else { return false }
            return true
        }
        #expect(try fixture.leftovers().isEmpty, "seed \(fixture.seed)")
    }

    /// A rebuild cancelled while it recompresses (as a fetch's deadline does) stops every
    /// stage, pipelined or not, throws ``RebuildError/cancelled`` and leaves nothing.
    @Test(arguments: [RebuildScheduling.pipelined, .sequential])
    func aCancelledRebuildStopsAndLeavesNothing(scheduling: RebuildScheduling) throws {
        let fixture = try Fixture(.bzip2, size: 1_500_000)
        defer { fixture.remove() }
        for jobs in [1, 2] {
            let cancellation = RebuildCancellation()
            let events = Mutex<[RebuildStage]>([])
            #expect(throws: RebuildError.cancelled, "seed \(fixture.seed), \(scheduling), \(jobs) jobs") {
                _ = try Rebuilder.rebuild(
                    basePath: fixture.basePath, chain: fixture.links, targetName: fixture.targetName,
                    in: fixture.directory.path, jobs: jobs, scheduling: scheduling, cancellation: cancellation,
                    progress: { stage in
                        events.withLock { $0.append(stage) }
                        // Sequential: cancelled once the first patch is being applied.
                        if case .applying = stage, scheduling == .sequential { cancellation.cancel() }
                        if case .recompressed = stage { cancellation.cancel() }
                    })
            }
            // It stopped before recompression got to the end of the content.
            let last = events.withLock { $0 }.last { if case .recompressed = $0 { true } else { false } }
            if case .recompressed(let done, let total) = last {
                #expect(done < total, "seed \(fixture.seed), \(jobs) jobs")
            }
            #expect(try fixture.leftovers().isEmpty, "seed \(fixture.seed)")
        }
    }

    /// The deadline projects a rebuild's end from its progress and gives it up only when the
    /// time still needed exceeds its allowance.
    @Test func aDeadlineGivesUpOnlyARebuildFarBehindTheDownload() throws {
        let eager = RebuildDeadline.Rule(minimumElapsed: 0.01, tolerance: 1.5, slack: 0.5)
        let late = RebuildDeadline(downloadSeconds: 0.001, rule: eager)
        late.observe(.recompressing(.xz))
        late.observe(.recompressed(done: 1_000, total: 100_000_000))
        #expect(!late.cancellation.isCancelled, "one event is no pace")
        Thread.sleep(forTimeInterval: 0.02)
        // 99 kB more in 20 ms: about 20 s still to go, against a 1 ms download.
        late.observe(.recompressed(done: 100_000, total: 100_000_000))
        #expect(late.cancellation.isCancelled)
        #expect(late.reason?.hasPrefix("the rebuild ran slower than planned") == true, "\(late.reason ?? "nil")")

        // Even a rule that waits for nothing needs a pace: two events at the same progress
        // say nothing of the time still to go.
        let unmeasured = RebuildDeadline(
            downloadSeconds: 0.001, rule: RebuildDeadline.Rule(minimumElapsed: 0, tolerance: 0, slack: 0))
        unmeasured.observe(.recompressed(done: 5_000, total: 100_000_000))
        Thread.sleep(forTimeInterval: 0.01)
        unmeasured.observe(.recompressed(done: 5_000, total: 100_000_000))
        #expect(!unmeasured.cancellation.isCancelled)

        // A slow start (the pipeline filling) is not held against it: 1 % done after 200 ms,
        // then half done 20 ms later: 20 ms to go, within the half-second slack.
        let onTime = RebuildDeadline(downloadSeconds: 0.001, rule: eager)
        Thread.sleep(forTimeInterval: 0.2)
        onTime.observe(.recompressed(done: 1_000_000, total: 100_000_000))
        Thread.sleep(forTimeInterval: 0.02)
        onTime.observe(.recompressed(done: 50_000_000, total: 100_000_000))
        #expect(!onTime.cancellation.isCancelled)
        #expect(onTime.reason == nil)

        // The standard rule waits for a second of progress before it trusts a projection.
        let early = RebuildDeadline(downloadSeconds: 0.001)
        early.observe(.recompressed(done: 1, total: 100_000_000))
        early.observe(.recompressed(done: 2, total: 100_000_000))
        #expect(!early.cancellation.isCancelled)
    }

    /// A chain given in the wrong order: the second patch's base is not the first's output.
    @Test func aLinkWhoseBaseIsNotThePreviousContentIsRefused() throws {
        let fixture = try Fixture(.xzSingleBlock, size: 300_000)
        defer { fixture.remove() }
        #expect(throws: (any Error).self, "seed \(fixture.seed)") {
            try fixture.rebuild(.pipelined, jobs: 2, chain: [fixture.links[0], fixture.links[0]])
        }
        #expect(try fixture.leftovers().isEmpty, "seed \(fixture.seed)")
    }

    /// A gzip recipe without restart points (an old patch) is recompressed serially in the
    /// pipeline, with the same bytes.
    @Test func patchesWithoutRestartPointsStillRebuild() throws {
        let fixture = try Fixture(.zlibNoRestartPoints)
        defer { fixture.remove() }
        let pipelined = try fixture.rebuild(.pipelined, jobs: 2)
        #expect(pipelined.bytes == fixture.target, "seed \(fixture.seed)")
        #expect(pipelined.rebuilt.parallelism == .serial("no restart points"))
    }
}
