import DeltaCore
import Foundation
import Testing

/// Issue 13's "done when": every producer the issue names round-trips bit for bit through
/// what `mkpatch create` runs (recipe detection, the recipe's binary form, recompression),
/// over random content at random settings of the real tool. The emulated producers must get
/// an exact recipe (no reconstruction data); the rest may fall to deflate reconstruction.
/// Each case prints its seed; a failure names it.
@Suite struct AnyProducerRoundTripTests {
    /// One way to make a .gz file from content: the real tool, at settings drawn from the seed.
    struct Producer: Sendable, CustomStringConvertible {
        var name: String
        /// The executable whose presence enables the producer.
        var tool: String
        /// Whether the file must get an exact recipe (an emulated producer).
        var exact: Bool
        /// The command line for a setting drawn from ``settings``; `{file}` is replaced by the
        /// file holding the content, for tools that do not read standard input.
        var arguments: @Sendable (_ setting: Int) -> [String]
        /// The settings drawn from.
        var settings: ClosedRange<Int>
        var description: String { name }
    }

    static let python = "python3"
    /// Python's `isal` module (ISA-L) at level `argv[1]`, as a gzip file.
    static let isalScript = """
        import sys; from isal import igzip
        sys.stdout.buffer.write(igzip.compress(sys.stdin.buffer.read(), int(sys.argv[1]), mtime=0))
        """
    /// Python's `zlib_ng` module (zlib-ng 2.3.3) at level `argv[1]`, written in one call.
    static let zlibNGScript = """
        import sys; from zlib_ng import gzip_ng
        sys.stdout.buffer.write(gzip_ng.compress(sys.stdin.buffer.read(), int(sys.argv[1]), mtime=0))
        """

    static let producers: [Producer] = [
        Producer(name: "busybox gzip", tool: "busybox", exact: true, arguments: { ["gzip", "-\($0)", "-c"] }, settings: 1...9),
        Producer(name: "gzip --rsyncable", tool: "gzip", exact: true, arguments: { ["--rsyncable", "-\($0)", "-c"] }, settings: 1...9),
        Producer(
            name: "pigz", tool: "pigz", exact: true,
            arguments: { ["-\($0 % 10)", "-b", "\(32 << ($0 / 10))", "-c"] }, settings: 1...39),
        Producer(
            name: "pigz -i", tool: "pigz", exact: true, arguments: { ["-\($0)", "-i", "-b", "32", "-c"] }, settings: 1...9),
        Producer(name: "pigz -R", tool: "pigz", exact: false, arguments: { ["-\($0)", "-R", "-c"] }, settings: 1...9),
        Producer(name: "libdeflate-gzip", tool: "libdeflate-gzip", exact: true, arguments: { ["-\($0)", "-c"] }, settings: 1...9),
        Producer(
            name: "libdeflate-gzip near-optimal", tool: "libdeflate-gzip", exact: false, arguments: { ["-\($0)", "-c"] },
            settings: 10...12),
        Producer(
            name: "7-Zip", tool: "7zz", exact: false, arguments: { ["a", "-tgzip", "-mx\($0)", "-si", "-so", "dummy"] },
            settings: 1...9),
        Producer(name: "zopfli", tool: "zopfli", exact: false, arguments: { ["--i\($0)", "-c", "{file}"] }, settings: 1...5),
        Producer(name: "ISA-L", tool: python, exact: false, arguments: { ["-c", isalScript, "\($0)"] }, settings: 0...3),
        Producer(name: "zlib-ng", tool: python, exact: true, arguments: { ["-c", zlibNGScript, "\($0)"] }, settings: 1...9),
    ]

    /// Text-like content, a tiny alphabet or random bytes, up to 160 KB: enough for several
    /// blocks from most producers while zopfli stays quick.
    static func content(_ generator: inout SeededGenerator) -> [UInt8] {
        let size = Int.random(in: 0...160_000, using: &generator)
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: return generator.bytes(size, alphabet: Int.random(in: 2...6, using: &generator))
        case 1: return generator.compressibleBytes(count: size / 2) + generator.bytes(size / 8)
        default: return generator.compressibleBytes(count: size)
        }
    }

    /// The producer's output for `content` (read from a regular file), or nil when the tool
    /// (or its Python module) is missing here.
    static func produce(_ producer: Producer, setting: Int, content: [UInt8]) throws -> [UInt8]? {
        guard Tools.available(producer.tool) else { return nil }
        do {
            return try RecipeFixtures.peerReadingFile(producer.tool, producer.arguments(setting), input: content)
        } catch is PeerToolFailed where producer.tool == python {
            return nil  // the module is not installed
        }
    }

    /// The case a CI run's seed found: `pigz -3 -b 32` over text and random bytes, whose first
    /// block ended on a byte and so left no marker; the markers' spacing (64 KiB) was twice
    /// the block size. Exact since the halves of that spacing are tried too.
    @Test(.enabled(if: Tools.available("pigz"), "needs pigz"))
    func pigzBlockWithoutAMarkerIsStillExact() throws {
        let pigz = try #require(Self.producers.first { $0.name == "pigz" })
        var generator = SeededGenerator(seed: 5_121_332_324_117_226_956)
        let content = Self.content(&generator)
        let setting = Int.random(in: pigz.settings, using: &generator)
        #expect(pigz.arguments(setting) == ["-3", "-b", "32", "-c"], "the seed's setting")
        let file = try #require(try Self.produce(pigz, setting: setting, content: content))
        let recipe = try #require(try ProducerRecipeTests.detectAndRebuild(file, "pigz -3 -b 32"))
        #expect(!recipe.usesDeflateReconstruction, "pigz -3 -b 32 needs no reconstruction")
    }

    /// A stream whose one flush point lies at an odd number of KiB (85 KiB of content, padded
    /// by `testdata/producers/padded-deflate.py`) suggests pigz `-b 85`, whose halves are not
    /// whole KiB: the search must not try them. A build that did threw "invalid gzip
    /// settings" instead of reporting the stream not reproducible, and `mkpatch create` made
    /// no patch at all.
    @Test(.enabled(if: Tools.available(python), "needs python3"))
    func aFlushAtAnOddNumberOfKiBIsSearchedWithoutInvalidSettings() throws {
        var generator = SeededGenerator(seed: 85)
        let content = generator.compressibleBytes(count: 85 << 10)
        let file = try RecipeFixtures.peerReadingFile(
            Self.python, [TestPaths.testdata("producers/padded-deflate.py")], input: content)
        let detection = try RecipeDetector.detect(compressed: file, reconstruction: .fastReplay)
        #expect(!detection.reproducible, "no recipe makes a padded stream")
    }

    @Test(arguments: producers.indices)
    func randomContentAtRandomSettingsRoundTrips(producer index: Int) throws {
        let producer = Self.producers[index]
        let base = ProcessInfo.processInfo.environment["ANY_PRODUCER_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0...UInt64.max >> 1)
        var rounds = 0
        for round in 0..<3 {
            let seed = base &+ UInt64(round)
            var generator = SeededGenerator(seed: seed)
            let content = Self.content(&generator)
            let setting = Int.random(in: producer.settings, using: &generator)
            guard let file = try Self.produce(producer, setting: setting, content: content) else {
                print("AnyProducerRoundTripTests: \(producer) skipped: \(producer.tool) or its module is missing")
                return
            }
            let what = "\(producer) \(producer.arguments(setting).filter { !$0.contains("\n") }), seed \(seed)"
            if let directory = ProcessInfo.processInfo.environment["ANY_PRODUCER_DUMP"] {
                // For replaying a failure by hand: the file and its content, named by the seed.
                try Data(file).write(to: URL(fileURLWithPath: "\(directory)/\(index)-\(seed).gz"))
                try Data(content).write(to: URL(fileURLWithPath: "\(directory)/\(index)-\(seed).bin"))
            }
            let recipe = try ProducerRecipeTests.detectAndRebuild(file, what)
            if producer.exact, let recipe {
                let reconstructed = recipe.usesDeflateReconstruction
                #expect(!reconstructed, "\(what): an emulated producer needs no reconstruction")
            }
            rounds += 1
        }
        print("AnyProducerRoundTripTests: \(producer) round-tripped \(rounds) files, seeds from \(base)")
    }
}
