import DeltaCore
import Foundation
import Testing

/// Deterministic producers beyond plain zlib and GNU gzip (issue 13, item 1): `gzip
/// --rsyncable`, pigz and pbzip2, each against the real tool, byte for byte.
@Suite struct ProducerRecipeTests {
    /// The six tar followed by seeded text-like data and random bytes: ~600 KB, so that every
    /// producer cuts several blocks, with stored blocks in the random part.
    static func mixedContent(seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        return RecipeFixtures.sixTar + generator.compressibleBytes(count: 300_000) + generator.bytes(60_000)
            + generator.bytes(70_000, alphabet: 4)
    }

    static func differsAt(_ ours: [UInt8], _ expected: [UInt8]) -> Int {
        (0..<min(ours.count, expected.count)).first { ours[$0] != expected[$0] } ?? min(ours.count, expected.count)
    }

    // MARK: gzip --rsyncable

    @Test(.enabled(if: Tools.available("gzip")), arguments: 1...9)
    func rsyncableMatchesSystemGzipAtEveryLevel(level: Int) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let content = Self.mixedContent(seed: seed)
        let expected = try RecipeFixtures.peer("gzip", ["-n", "-\(level)", "--rsyncable"], input: content)
        let ours = try GzipMemberEncoder(header: GNUDeflateTests.gzipNoNameHeader(level: level),
                                         deflater: GNUDeflateEncoder(level: level, rsyncable: true)).transform(content)
        #expect(ours == expected, "gzip -\(level) --rsyncable differs first at byte \(Self.differsAt(ours, expected)) (seed \(seed))")
    }

    // MARK: pigz

    /// pigz settings: level, `-b` in KiB, `-i`, strategy (`-H` Huffman only, `-U` RLE).
    typealias PigzSetting = (level: Int, blockKiB: Int, independent: Bool, strategy: DeflateStrategy)
    static let pigzSettings: [PigzSetting] = [
        (1, 128, false, .default), (6, 128, false, .default), (9, 128, false, .default), (6, 128, true, .default),
        (9, 32, true, .default), (3, 64, false, .default), (6, 1024, false, .default), (0, 128, false, .default),
        (6, 128, false, .huffmanOnly), (6, 64, true, .rle),
    ]

    static func pigzArguments(_ setting: PigzSetting, threads: Int = 2) -> [String] {
        let strategy = setting.strategy == .huffmanOnly ? ["-H"] : setting.strategy == .rle ? ["-U"] : []
        return ["-n", "-\(setting.level)", "-b", "\(setting.blockKiB)", "-p", "\(threads)"] + (setting.independent ? ["-i"] : []) + strategy
    }

    @Test(.enabled(if: Tools.available("pigz")), arguments: 0..<pigzSettings.count)
    func pigzMatchesSystemPigz(setting index: Int) throws {
        let setting = Self.pigzSettings[index]
        let seed = UInt64.random(in: 0...UInt64.max)
        let content = Self.mixedContent(seed: seed)
        let expected = try RecipeFixtures.peer("pigz", Self.pigzArguments(setting), input: content)
        let header = GzipHeader(modificationTime: 0, operatingSystem: 3, extraFlags: setting.level == 9 ? 2 : setting.level == 1 ? 4 : 0)
        let deflater = try PigzDeflateEncoder(level: setting.level, strategy: setting.strategy, blockSize: setting.blockKiB << 10, independent: setting.independent)
        let ours = try GzipMemberEncoder(header: header, deflater: deflater).transform(content)
        #expect(ours == expected, "pigz \(Self.pigzArguments(setting)) differs first at byte \(Self.differsAt(ours, expected)) (seed \(seed))")
    }

    @Test(.enabled(if: Tools.available("pigz")))
    func pigzOutputDoesNotDependOnThreadsOrBlockMultiples() throws {
        // Content of exactly three blocks: the last full block is the one finished.
        let content = Array(Self.mixedContent(seed: 7).prefix(3 * 131_072))
        let one = try RecipeFixtures.peer("pigz", Self.pigzArguments((6, 128, false, .default), threads: 1), input: content)
        let two = try RecipeFixtures.peer("pigz", Self.pigzArguments((6, 128, false, .default), threads: 2), input: content)
        #expect(one == two)
        let header = GzipHeader(modificationTime: 0, operatingSystem: 3, extraFlags: 0)
        #expect(try GzipMemberEncoder(header: header, deflater: PigzDeflateEncoder(level: 6)).transform(content) == one)
        #expect(try GzipMemberEncoder(header: header, deflater: PigzDeflateEncoder(level: 6)).transform([UInt8]()) ==
            RecipeFixtures.peer("pigz", ["-n", "-6"], input: []))
    }
}
