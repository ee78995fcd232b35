/// Settings of the differ.
public struct DiffOptions: Sendable {
    /// Threads to use (1 or 2 pay on this kind of work).
    public var threads: Int
    /// Whether LZMA2 runs in its extreme mode (slower, a little smaller).
    public var extreme: Bool

    /// The digests of both files the header records. SHA-256 alone by default: each one
    /// costs 64 bytes of every patch, and one strong digest is enough to verify against.
    public var digests: [DigestAlgorithm]

    /// The longest stretch of the old file one suffix array indexes. Suffix arrays hold 32-bit
    /// positions, so a larger old file is indexed in pieces of at most this many bytes (each
    /// search then asks every piece); smaller values only make searches slower. At most, and
    /// by default, ``SuffixArray/maximumCount``.
    public var maximumIndexPiece: Int

    /// Old files at least this large are indexed sparsely, at even positions only (see
    /// ``SuffixArray``): half the indexing time and memory, for patches a fraction of a
    /// percent larger (docs/benchmarks.md). Smaller ones, quick to index anyway, get every position.
    public var sparseIndexMinimum: Int

    /// Old files at most this large prime the literals with the whole file (and may go solid
    /// so); larger ones with the old text around each run of literals (``LiteralContext``).
    public var wholeFileContextMaximum: Int

    /// Creates options: two threads, LZMA2 at `-9`, SHA-256 digests, 2 GiB index pieces,
    /// a sparse index from 16 MiB of old file, the whole old file as the literals' context up
    /// to 512 KiB.
    public init(
        threads: Int = 2, extreme: Bool = false, digests: [DigestAlgorithm] = [.sha256],
        maximumIndexPiece: Int = SuffixArray.maximumCount, sparseIndexMinimum: Int = 16 << 20,
        wholeFileContextMaximum: Int = LiteralContext.wholeFileLimit
    ) {
        self.threads = max(1, threads)
        self.wholeFileContextMaximum = wholeFileContextMaximum
        self.sparseIndexMinimum = sparseIndexMinimum
        self.extreme = extreme
        self.digests = digests
        self.maximumIndexPiece = min(max(1, maximumIndexPiece), SuffixArray.maximumCount)
    }
}

/// Makes native patches between two byte strings (docs/patch-format.md).
///
/// A suffix array of the old bytes finds, for each stretch of the new bytes, where it came
/// from; matches are extended approximately (bsdiff's idea), so that a small edit inside a
/// copied stretch costs a residual byte instead of a new command. Commands, residuals and
/// literals go to separate streams, each compressed with LZMA2 settings that suit it.
public enum NativeDiffer {
    /// LZMA2 window caps of the commands, residuals, metadata residuals and literals streams.
    /// An applier holds each window (as much of it as the stream fills) for the whole
    /// application, so together with its buffers and the literal context they keep `mkpatch
    /// apply` within 16 MiB of resident memory whatever the files' size (issue 14). Larger
    /// windows gained nothing on the corpus but on Django 5.0.7 → 5.1, whose literals' 8 MiB
    /// window and 6 MiB context made 536,891 bytes against 566,308 now.
    static let streamWindowCaps: [UInt32] = [256 << 10, 256 << 10, 256 << 10, 1 << 20]
    /// The most a solid patch's window and whole-file context may hold together: the applier
    /// runs one decoder of the solid stream for each of the four streams it reads side by side.
    static let solidResidentLimit = 256 << 10

    /// A patch that turns `old` into `new`.
    /// - Parameters:
    ///   - metadata: optional sections (recompression recipe, compressed target digests).
    /// - Returns: the whole patch file.
    /// - Throws: ``DiffError`` when an input is too large; ``CompressionError`` if liblzma fails.
    public static func makePatch(
        old: [UInt8], new: [UInt8], metadata: PatchMetadata = PatchMetadata(),
        options: DiffOptions = DiffOptions()
    ) throws -> [UInt8] {
        try old.withUnsafeBytes { oldBytes in
            try new.withUnsafeBytes { newBytes in
                try makePatch(old: oldBytes, new: newBytes, metadata: metadata, options: options)
            }
        }
    }

    /// A patch that turns `old` into `new`, from buffers.
    public static func makePatch(
        old: UnsafeRawBufferPointer, new: UnsafeRawBufferPointer,
        metadata: PatchMetadata = PatchMetadata(), options: DiffOptions = DiffOptions()
    ) throws -> [UInt8] {
        // A renamed top directory: diff against the headers the applier renames into the new
        // file's, which match the old headers again (see TarPathRename).
        let rename = TarPathRename.detect(old: old, new: new)
        if let rename, let preimage = rename.preimage(ofArchive: new) {
            return try preimage.withUnsafeBytes { preimageBytes in
                try makePatch(
                    old: old, new: new, target: preimageBytes, rename: rename, metadata: metadata, options: options)
            }
        }
        return try makePatch(old: old, new: new, target: new, rename: nil, metadata: metadata, options: options)
    }

    /// A patch that turns `old` into `new` by building `target` (`new` itself, or its preimage
    /// under `rename`) and renaming.
    static func makePatch(
        old: UnsafeRawBufferPointer, new: UnsafeRawBufferPointer, target: UnsafeRawBufferPointer,
        rename: TarPathRename?, metadata: PatchMetadata, options: DiffOptions
    ) throws -> [UInt8] {
        let oldBytes = old.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        let newBytes = target.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        // The applier fixes checksums after renaming, so they are checked on the real new file.
        let canonicalChecksums = new.withMemoryRebound(to: UInt8.self) {
            $0.baseAddress.map { PatchStreams.tarChecksumsAreCanonical($0, count: new.count) } ?? false
        }

        let tuning = DiffTuning.forNewFile(of: new.count)
        // The index lives only while covers are found: freeing it (4 bytes a position) before
        // the LZMA2 encoders start keeps the peak within 6 × old + new.
        let covers = CoverSliding.slidingBoundariesRight(
            try findCovers(
                old: old, new: newBytes, count: new.count, tuning: tuning, threads: options.threads,
                maximumPiece: options.maximumIndexPiece, sparse: old.count >= options.sparseIndexMinimum),
            old: oldBytes, oldCount: old.count, limit: tuning.maximumSlide)
        var oldDigest = try MultiDigest(options.digests)
        oldDigest.update(old)
        var newDigest = try MultiDigest(options.digests)
        newDigest.update(new)
        var header = NativePatchHeader(
            old: oldDigest.finalize(), new: newDigest.finalize(), streams: [], metadata: metadata)
        if let rename {
            header.tarRename = rename
            header.requiredFeatures |= NativePatchHeader.tarRenameFeature
        }
        let (filled, body) = try encode(
            covers, old: oldBytes, oldCount: old.count, new: newBytes, newCount: new.count,
            canonicalChecksums: canonicalChecksums, tuning: tuning, header: header, options: options)
        return filled.serialized() + body
    }

    /// Indexes the old file and finds the new file's covers. The old file is indexed in pieces:
    /// two halves built side by side when two threads are allowed and the file is large (SA-IS
    /// does not parallelise within one array), and as many pieces as it takes to keep each
    /// under `maximumPiece` (32-bit suffix arrays), built two at a time.
    static func findCovers(
        old: UnsafeRawBufferPointer, new newBytes: UnsafePointer<UInt8>, count: Int,
        tuning: DiffTuning, threads: Int, maximumPiece: Int = SuffixArray.maximumCount,
        sparse: Bool = false
    ) throws -> [Cover] {
        let oldBox = UnsafeSendable(old)
        let halves = threads > 1 && old.count >= splitIndexThreshold
        let pieceCount = max(halves ? 2 : 1, (old.count + maximumPiece - 1) / maximumPiece)
        let bounds = (0...pieceCount).map { old.count / pieceCount * $0 + min($0, old.count % pieceCount) }
        let indexes = (0..<pieceCount).map { _ in ResultBox<SuffixArray>() }
        for first in stride(from: 0, to: pieceCount, by: 2) {
            let second = first + 1
            runConcurrently(
                threads > 1 && second < pieceCount,
                {
                    indexes[first].set {
                        try SuffixArray(
                            UnsafeRawBufferPointer(rebasing: oldBox.value[bounds[first]..<bounds[first + 1]]),
                            sparse: sparse)
                    }
                },
                {
                    if second < pieceCount {
                        indexes[second].set {
                            try SuffixArray(
                                UnsafeRawBufferPointer(rebasing: oldBox.value[bounds[second]..<bounds[second + 1]]),
                                sparse: sparse)
                        }
                    }
                })
        }
        var segments = [SuffixIndex]()
        for piece in 0..<pieceCount {
            segments.append(
                SuffixIndex(
                    old: UnsafeRawBufferPointer(rebasing: old[bounds[piece]..<bounds[piece + 1]]),
                    base: bounds[piece], index: try indexes[piece].get()))
        }
        var finder = MatchFinder(old: old, segments: segments, tuning: tuning)
        defer { finder.free() }
        finder.metadataRanges = tarMetadataRanges(newBytes, count: count)
        return findCovers(finder, new: newBytes, count: count, threads: threads)
    }

    /// Encodes the covers twice, as they are and with short covers dissolved into literals
    /// primed by their old context (``LiteralContext``), and keeps the smaller patch. The
    /// primed literals (the costliest stream: the context is indexed too) get one thread, all
    /// other streams of both candidates the other.
    static func encode(
        _ covers: [Cover], old oldBytes: UnsafePointer<UInt8>, oldCount: Int, new newBytes: UnsafePointer<UInt8>,
        newCount: Int, canonicalChecksums: Bool, tuning: DiffTuning, header: NativePatchHeader,
        options: DiffOptions
    ) throws -> (NativePatchHeader, [UInt8]) {
        guard
            let plain = EncodingCandidate(
                PatchStreams(
                    covers: covers, old: oldBytes, new: newBytes, newCount: newCount,
                    canonicalChecksums: canonicalChecksums, tuning: tuning),
                context: nil, old: oldBytes, oldCount: oldCount, newCount: newCount)
        else {
            preconditionFailure("a candidate without a context always exists")
        }
        let dissolved = LiteralContext.dissolvingShortCovers(
            covers, shorterThan: LiteralContext.minimumCover,
            metadata: tarMetadataRanges(newBytes, count: newCount))
        let primed =
            oldCount == 0
            ? nil
            : EncodingCandidate(
                PatchStreams(
                    covers: dissolved, old: oldBytes, new: newBytes, newCount: newCount,
                    canonicalChecksums: canonicalChecksums, tuning: tuning),
                context: LiteralContext.choice(oldCount: oldCount, wholeFileMaximum: options.wholeFileContextMaximum),
                old: oldBytes,
                oldCount: oldCount, newCount: newCount)
        runConcurrently(
            options.threads > 1,
            {
                (primed ?? plain).compress(.literals, tuning: tuning, options: options)
            },
            {
                if primed != nil { plain.compress(.literals, tuning: tuning, options: options) }
                for kind in NativePatchStream.Kind.allCases where kind != .literals {
                    plain.compress(kind, tuning: tuning, options: options)
                    primed?.compress(kind, tuning: tuning, options: options)
                }
            })
        guard let best = try plain.assemble(header: header, options: options) else {
            preconditionFailure("a candidate without a context always assembles")
        }
        guard let other = try primed?.assemble(header: header, options: options),
            other.0.serialized().count + other.1.count < best.0.serialized().count + best.1.count
        else { return best }
        return other
    }

    /// The patch with its streams compressed as one (``NativePatchHeader/solidStreamsFeature``),
    /// if they are small enough and that beats compressing them apart (`separateSize` bytes):
    /// on small patches, four streams' LZMA2 overheads and separate models cost more
    /// than the streams' different statistics save.
    /// `dictionary` primes the solid stream (the header's literal context); it must fit its window.
    static func solidEncoding(
        _ raw: [[UInt8]], separateSize: Int, dictionary: [UInt8], header: NativePatchHeader,
        options: DiffOptions
    ) throws -> (NativePatchHeader, [UInt8])? {
        let total = raw.reduce(0) { $0 + $1.count }
        guard total > 0, UInt64(total) <= NativePatchHeader.maximumSolidLength,
            total + dictionary.count <= solidResidentLimit
        else { return nil }
        let joined = raw.flatMap { $0 }
        let window = LZMA2Settings.dictionarySize(
            for: total + dictionary.count, cap: UInt32(NativePatchHeader.maximumSolidLength))
        guard dictionary.count <= window else { return nil }
        let packed = try joined.withUnsafeBytes { bytes in
            try dictionary.withUnsafeBytes { preset in
                try LZMA2RawEncoder.compress(
                    bytes,
                    settings: LZMA2Settings(
                        dictionarySize: window, literalContextBits: 0, literalPositionBits: 0, positionBits: 0,
                        extreme: options.extreme),
                    presetDictionary: preset)
            }
        }
        guard packed.count < separateSize else { return nil }
        var header = header
        header.requiredFeatures |= NativePatchHeader.solidStreamsFeature
        for (slot, kind) in NativePatchStream.Kind.allCases.enumerated() {
            header.streams.append(
                slot == 0
                    ? NativePatchStream(
                        kind: kind, codec: .lzma2, dictionarySize: window, rawLength: UInt64(raw[slot].count),
                        codedLength: UInt64(packed.count))
                    : NativePatchStream(
                        kind: kind, codec: .solid, dictionarySize: 0, rawLength: UInt64(raw[slot].count), codedLength: 0
                    ))
        }
        return (header, packed)
    }

    /// Where the new file holds tar metadata (header blocks, pax records), as the applier will see it.
    static func tarMetadataRanges(_ new: UnsafePointer<UInt8>, count: Int) -> [Range<Int>] {
        var layout = TarBlockTracker()
        var ranges = [Range<Int>]()
        var position = 0
        while position < count {
            let region = layout.region
            let end = Int(min(UInt64(count), region.end))
            if region.isMetadata {
                if let last = ranges.last, last.upperBound == position {
                    ranges[ranges.count - 1] = last.lowerBound..<end
                } else {
                    ranges.append(position..<end)
                }
            }
            layout.consume(UnsafeRawBufferPointer(start: new + position, count: end - position))
            position = end
        }
        return ranges
    }

    /// Old files at least this large are indexed as two halves when two threads are allowed.
    static let splitIndexThreshold = 4 << 20

    /// Covers of the whole new file; with two threads, each half is matched on its own.
    static func findCovers(_ finder: MatchFinder, new: UnsafePointer<UInt8>, count: Int, threads: Int) -> [Cover] {
        guard threads > 1, count >= 1 << 20 else { return finder.covers(of: new, from: 0, to: count) }
        let half = count / 2
        let first = ResultBox<[Cover]>(), second = ResultBox<[Cover]>()
        let finderBox = UnsafeSendable(finder), newBox = UnsafeSendable(new)
        runConcurrently(
            true,
            {
                first.set { finderBox.value.covers(of: newBox.value, from: 0, to: half) }
            },
            {
                second.set { finderBox.value.covers(of: newBox.value, from: half, to: count) }
            })
        return ((try? first.get()) ?? []) + ((try? second.get()) ?? [])
    }
}

/// Runs two jobs, on two threads when `parallel`.
func runConcurrently(
    _ parallel: Bool, _ first: @escaping @Sendable () -> Void, _ second: @escaping @Sendable () -> Void
) {
    guard parallel else {
        first()
        second()
        return
    }
    BlockingWork.parallelForEach(count: 2, jobs: 2) { $0 == 0 ? first() : second() }
}

/// A value handed to another thread whose use the code keeps race-free by construction.
///
/// `@unchecked Sendable`: each use hands a value that is only read (a match finder, the new
/// file's bytes) to threads that the caller joins before it changes or frees it.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// A result filled in by one thread and read by another after they join.
///
/// `@unchecked Sendable`: `set` runs once, on one thread, before the join that precedes every
/// `get`; the join orders the write before the reads.
final class ResultBox<T>: @unchecked Sendable {
    private var result: Result<T, any Error>?

    func set(_ body: () throws -> T) {
        result = Result { try body() }
    }

    func get() throws -> T {
        guard let result else { preconditionFailure("ResultBox read before it was set") }
        return try result.get()
    }
}
