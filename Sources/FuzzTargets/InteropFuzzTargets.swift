import DeltaCore

extension FuzzTargets {
    /// How much output one fuzz input may make before it is cut off: patches may rightly
    /// declare gigabytes, which would only slow the fuzzer down.
    static let outputLimit = 8 << 20

    struct OutputLimitReached: Error {}

    /// A base file of `count` bytes with some structure, so COPYs find varied bytes.
    static func fuzzBase(count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 3)) }
    }

    /// Applies arbitrary bytes as a BSDIFF40 patch. The first byte picks the base's length
    /// (4 bytes per step) and the shape of the rest: with its low bit clear the rest is the
    /// patch as it is; with it set the rest is a 24-byte header body and three raw blocks
    /// (each behind a 2-byte length) that are bzip2-compressed here, so that the fuzzer
    /// reaches the control logic instead of stopping at bzip2's checksums.
    /// - Returns: the bytes applied before the patch ended or failed.
    @discardableResult
    public static func bsdiff40(_ input: UnsafeRawBufferPointer) -> Int {
        guard let selector = input.first else { return 0 }
        let base = fuzzBase(count: Int(selector >> 1) * 4)
        let rest = Array(input.dropFirst())
        let patch = selector & 1 == 0 ? rest : assembleBSDiff40(rest)
        return applyLimited {
            try BSDiff40Applier.apply(base: InMemorySource(base), patch: InMemorySource(patch), into: $0)
        }
    }

    /// Applies arbitrary bytes as a VCDIFF patch; the first byte picks the base's length
    /// (4 bytes per step), the rest is the patch.
    /// - Returns: the bytes applied before the patch ended or failed.
    @discardableResult
    public static func vcdiff(_ input: UnsafeRawBufferPointer) -> Int {
        guard let selector = input.first else { return 0 }
        let base = fuzzBase(count: Int(selector) * 4)
        let patch = Array(input.dropFirst())
        return applyLimited {
            try VCDiffApplier.apply(base: InMemorySource(base), patch: InMemorySource(patch), into: $0)
        }
    }

    private static func applyLimited(_ apply: (ChunkSink) throws -> UInt64) -> Int {
        var produced = 0
        do {
            _ = try apply { chunk in
                produced += chunk.count
                if produced > outputLimit { throw OutputLimitReached() }
            }
        } catch is OutputLimitReached {
        } catch {
            _ = String(describing: error)  // every error must describe itself without trapping
        }
        return produced
    }

    /// "BSDIFF40", the 24 header bytes from `raw` with the two block lengths patched to the
    /// compressed blocks' real lengths unless the fuzzer asked otherwise (a set top bit of
    /// the first header byte keeps its own), then the three compressed blocks.
    private static func assembleBSDiff40(_ raw: [UInt8]) -> [UInt8] {
        var header = Array(raw.prefix(24))
        header += [UInt8](repeating: 0, count: 24 - header.count)
        var blocks = [[UInt8]]()
        var position = min(24, raw.count)
        for _ in 0..<3 {
            let length = position + 2 <= raw.count ? Int(raw[position]) << 8 | Int(raw[position + 1]) : 0
            position = min(raw.count, position + 2)
            let end = min(raw.count, position + length)
            let block = Array(raw[position..<end])
            position = end
            blocks.append((try? Bzip2Encoder(blockSize: 1).transform(block)) ?? [])
        }
        if header[0] & 0x80 == 0 {
            for (field, block) in blocks.prefix(2).enumerated() {
                for byte in 0..<8 { header[field * 8 + byte] = UInt8(truncatingIfNeeded: block.count >> (8 * byte)) }
            }
        }
        return Array("BSDIFF40".utf8) + header + blocks.joined()
    }
}
