/// Searches zlib and GNU gzip settings for a gzip file's recipe.
struct GzipRecipeSearch {
    let file: UnsafeRawBufferPointer
    let content: UnsafeRawBufferPointer
    let decoder: GzipDecoder
    /// What a reconstructed member's predictor is chosen for.
    let goal: ReconstructionGoal
    /// Whether a reconstruction is replayed before it is returned (its caller may prove the
    /// whole rebuild instead, ``RecompressionRecipe/reconstructing(header:deflate:content:goal:proves:)``).
    var provesReconstruction = true

    /// Uncompressed bytes inflated at most to find flush points (pigz's block size).
    static let flushScanLimit = 4 << 20

    private struct Candidate: Hashable {
        var deflater: DeflateImplementation
        var level: Int
        var memLevel: Int?
        var strategy: DeflateStrategy?
        var producer: DeflateProducer?

        /// The zlib-ng encoder generation of a zlib-ng candidate.
        var zlibNGGeneration: ZlibNGGeneration {
            guard case let .zlibNG(number, _)? = producer else { return .zlibNG22 }
            return ZlibNGGeneration(rawValue: number) ?? .zlibNG22
        }
    }

    /// Content the first block is parsed over for ``zlibMayHaveWritten(_:as:)``: a first
    /// block reaching past it (one static block for the whole file, as zlib-ng's `deflate_quick`
    /// writes) does not parse, and rules out no candidate, so its parse costs at most this much.
    static let firstBlockParseLimit = 1 << 20

    /// Members listed one by one are searched at most this many: a bound on detection time.
    static let maximumMembers = 1 << 16

    func run() throws -> RecipeDetection {
        let padded = file.count - Int(decoder.trailer.count)
        guard decoder.memberCount > 1 else {
            var detection = try Self.searchMember(
                UnsafeRawBufferPointer(rebasing: file[..<padded]), content: content, previous: nil, goal: goal,
                provesReconstruction: provesReconstruction)
            detection.recipe?.setTrailer(decoder.trailer)
            return detection
        }
        return try searchMembers(padded: padded)
    }

    /// Members searched with every exact candidate whatever came before them: `cat` of a few
    /// files from different producers. Later members that follow a reconstructed one go
    /// straight to reconstruction (one producer, say bgzip's, wrote them all).
    static let fullySearchedMembers = 16

    /// A file of several members: each member's own recipe, the previous member's settings
    /// tried first (one producer usually wrote them all).
    private func searchMembers(padded: Int) throws -> RecipeDetection {
        let ends = decoder.memberEnds
        guard ends.count == decoder.memberCount, ends.count <= Self.maximumMembers,
            ends.last.map({ Int($0.compressedOffset) == padded && Int($0.contentOffset) == content.count }) == true
        else {
            return RecipeDetection(
                recipe: nil, candidatesTried: 0,
                reason: "\(decoder.memberCount) gzip members; at most \(Self.maximumMembers) are searched")
        }
        var members: [GzipMemberList.Member] = []
        var tried = 0
        var start = (compressed: 0, content: 0)
        for (number, end) in ends.enumerated() {
            let member = UnsafeRawBufferPointer(rebasing: file[start.compressed..<Int(end.compressedOffset)])
            let memberContent = UnsafeRawBufferPointer(rebasing: content[start.content..<Int(end.contentOffset)])
            let detection = try Self.searchMember(
                member, content: memberContent, previous: members.last?.recipe, goal: goal,
                provesReconstruction: provesReconstruction,
                skipsExactAfterReconstruction: number >= Self.fullySearchedMembers)
            tried += detection.candidatesTried
            guard let recipe = detection.recipe else {
                return RecipeDetection(
                    recipe: nil, candidatesTried: tried,
                    reason: "gzip member \(number + 1) of \(ends.count): \(detection.reason ?? "no recipe")")
            }
            members.append(GzipMemberList.Member(contentSize: UInt64(memberContent.count), recipe: recipe))
            start = (Int(end.compressedOffset), Int(end.contentOffset))
        }
        let list = GzipMemberList(members: members)
        // Base settings that every client reads (zlib's, the first member's header); the
        // members' own recipes say how each is made.
        let first = members[0].recipe
        var recipe = RecompressionRecipe(
            format: .gzip, library: list.reconstructionBytes == nil ? first.library : .deflateReconstruction,
            gzip: GzipRecipe(
                header: first.gzip?.header ?? GzipHeader(), deflater: .zlib, level: first.gzip?.level ?? 6,
                memLevel: 8, strategy: .default))
        recipe.setTrailer(decoder.trailer)
        recipe.setExtension(.memberLayout, payload: MemberLayout.listed(list).payload)
        return RecipeDetection(recipe: recipe, candidatesTried: tried, reason: nil)
    }

    /// The recipe of one member (`member` from its header through its trailer, nothing after
    /// it), with no padding: the `previous` member's settings first, then every exact
    /// candidate (unless `skipsExactAfterReconstruction` and the previous member was
    /// reconstructed; up to `jobs` at once), then deflate reconstruction for `goal` (replayed
    /// before it is returned when `provesReconstruction`).
    static func searchMember(
        _ member: UnsafeRawBufferPointer, content: UnsafeRawBufferPointer, previous: RecompressionRecipe?,
        goal: ReconstructionGoal = .fastReplay, provesReconstruction: Bool = true,
        skipsExactAfterReconstruction: Bool = false, jobs: Int = BlockingWork.processorCount
    ) throws -> RecipeDetection {
        let (header, headerLength) = try GzipHeader.parse(member)
        let trial = CandidateTrial(content: content, expected: member)
        var tried = 0
        if let previous, !previous.usesDeflateReconstruction, var settings = previous.gzip {
            settings.header = header
            var repeated = previous
            repeated.gzip = settings
            tried += 1
            if try trial.reproduces(with: try repeated.makeEncoder(threads: 1)) {
                return RecipeDetection(recipe: repeated, candidatesTried: tried, reason: nil)
            }
        }
        let exactReason =
            "no zlib \(CodecLibrary.zlib.version), GNU gzip, pigz, Go, miniz_oxide, zlib-ng or libdeflate setting reproduces this file"
        let deflateEnd = member.count - 8
        guard deflateEnd >= headerLength else {
            return RecipeDetection(recipe: nil, candidatesTried: tried, reason: exactReason)
        }
        let deflate = UnsafeRawBufferPointer(rebasing: member[headerLength..<deflateEnd])
        if !(skipsExactAfterReconstruction && previous?.usesDeflateReconstruction == true) {
            let flushPoints = DeflateFlushPoints(deflate: deflate, outputLimit: Self.flushScanLimit)
            let goTrailer = GoFlateEncoder.hasGoTrailer(deflate)
            let parsedPrefix = UnsafeRawBufferPointer(rebasing: content.prefix(Self.firstBlockParseLimit))
            let firstBlock = try? DeflateStreamParser.parse(deflate, content: parsedPrefix, blockLimit: 1).blocks.first
            let goFirst = goTrailer ? Self.goCandidates(for: header) : []
            let candidates = goFirst + Self.candidates(for: header, flushPoints: flushPoints)
            let search = try firstReproducing(
                candidates.filter { Self.zlibMayHaveWritten(firstBlock, as: $0) }, header: header, trial: trial,
                jobs: jobs)
            tried += search.tried
            if let recipe = search.recipe {
                return RecipeDetection(recipe: recipe, candidatesTried: tried, reason: nil)
            }
        }
        let reconstruction = RecompressionRecipe.reconstructing(
            header: header, deflate: deflate, content: content, goal: goal, proves: provesReconstruction)
        return RecipeDetection(
            recipe: reconstruction.recipe, candidatesTried: tried + 1,
            reason: reconstruction.recipe == nil ? "\(exactReason); \(reconstruction.reason ?? "")" : nil)
    }

    /// The recipe of the first of `candidates` (in their order) whose encoder turns the
    /// trial's content into its member exactly, and how many candidates were tried up to it
    /// (a GNU gzip candidate that came close counts its retry as gzip 1.4,
    /// ``unzeroedEndRetry(after:matched:of:)``). Up to `jobs` candidates are tried at once, in
    /// order, and none is started after the first match is known, so a file an early
    /// candidate reproduces costs the later ones little, and the answer is the same with any
    /// number of jobs: most candidates fail within their first block, and a file none
    /// reproduces (every file that gets reconstruction) tries them all.
    private static func firstReproducing(
        _ candidates: [Candidate], header: GzipHeader, trial: CandidateTrial, jobs: Int
    ) throws -> (recipe: RecompressionRecipe?, tried: Int) {
        let shared = SharedTrial(trial: trial, header: header)
        @Sendable func attempt(_ first: Candidate) throws -> (recipe: RecompressionRecipe?, tried: Int) {
            var tried = 0
            var next: Candidate? = first
            while let candidate = next {
                next = nil
                tried += 1
                let gzip = GzipRecipe(
                    header: shared.header, deflater: candidate.deflater, level: candidate.level,
                    memLevel: candidate.memLevel, strategy: candidate.strategy)
                let encoder = GzipMemberEncoder(
                    header: shared.header, deflater: try gzip.makeDeflater(producer: candidate.producer))
                guard let matched = try shared.trial.matchedBytes(with: encoder) else {
                    return (Self.recipe(candidate, gzip), tried)
                }
                next = Self.unzeroedEndRetry(after: candidate, matched: matched, of: shared.trial.expected.count)
            }
            return (nil, tried)
        }
        var pending = candidates.makeIterator()
        var tried = 0
        var found: RecompressionRecipe?
        do {
            try OrderedParallelWork.stream(
                jobs: min(jobs, candidates.count), window: jobs, next: { pending.next() }, work: attempt,
                consume: { outcome in
                    tried += outcome.tried
                    if let recipe = outcome.recipe {
                        found = recipe
                        throw FoundCandidate()
                    }
                })
        } catch is FoundCandidate {}
        return (found, tried)
    }

    /// Ends ``firstReproducing(_:header:trial:jobs:)``'s stream at its first match.
    private struct FoundCandidate: Error {}

    /// What every trial of one member shares across threads: the content and the member's
    /// bytes (read only while the search runs), and its header.
    private struct SharedTrial: @unchecked Sendable {
        let trial: CandidateTrial
        let header: GzipHeader
    }

    /// Whether `candidate` may have written a stream that begins with `firstBlock` (nil when
    /// it did not parse): a plain zlib candidate above level 0 gets its input without flushes,
    /// and zlib then ends every Huffman-coded block but the last after exactly
    /// 2^(memLevel + 6) - 1 symbols, when its symbol buffer is full (zlib 1.2 and 1.3, every
    /// level and strategy); so a first block of another count rules out all of zlib's levels
    /// but one memLevel's, which on 7-Zip, libdeflate or zopfli output is most of the
    /// candidates. Other candidates, a stored or final first block: always.
    private static func zlibMayHaveWritten(_ firstBlock: DeflateBlockRecord?, as candidate: Candidate) -> Bool {
        guard candidate.deflater == .zlib, candidate.producer == nil, candidate.level > 0, let firstBlock,
            !firstBlock.isFinal, firstBlock.kind != .stored
        else { return true }
        return firstBlock.tokenCount == (1 << ((candidate.memLevel ?? 8) + 6)) - 1
    }

    /// The recipe of a candidate that reproduced the member.
    private static func recipe(_ candidate: Candidate, _ gzip: GzipRecipe) -> RecompressionRecipe {
        let library: CodecLibrary =
            switch candidate.deflater {
            case .zlib: .zlib
            case .gnuGzip: .gnuDeflate
            case .goFlate: .goFlate
            case .minizOxide: .minizOxide
            case .zlibNG: .zlibNG(generation: candidate.zlibNGGeneration)
            case .libdeflate: .libdeflate
            }
        var recipe = RecompressionRecipe(format: .gzip, library: library, gzip: gzip)
        recipe.setExtension(.deflateProducer, payload: candidate.producer?.payload)
        return recipe
    }

    /// Output that differs from GNU gzip's only in the last block is likeliest gzip 1.4's or
    /// busybox's (``DeflateProducer/gnuUnzeroedEnd``): gzip writes a block's bytes when the
    /// block ends, and a block holds at most 32 Ki symbols, so the difference shows within
    /// the last 64 KiB or so; then that variant at the same level is tried next.
    static let unzeroedEndReach = 1 << 17

    /// The GNU gzip 1.4 candidate to try after `candidate` (plain GNU gzip) matched `matched`
    /// of `size` bytes, if it came that close.
    private static func unzeroedEndRetry(after candidate: Candidate, matched: Int, of size: Int) -> Candidate? {
        guard candidate.deflater == .gnuGzip, candidate.producer == nil, matched + unzeroedEndReach >= size else {
            return nil
        }
        var retry = candidate
        retry.producer = .gnuUnzeroedEnd
        return retry
    }

    /// miniz_oxide's levels through flate2, likeliest first: flate2 writes XFL 2 from level 9,
    /// 4 at level 1 and below (level 1 is not reproduced), 0 otherwise; its default is 6.
    private static func minizCandidates(extraFlags: UInt8?) -> [Candidate] {
        let levels: [Int] =
            switch extraFlags {
            case 2: [9]
            case 4: [0]
            default: [6, 5, 7, 8, 4, 3, 2]
            }
        return levels.map {
            Candidate(
                deflater: .minizOxide, level: $0, producer: .minizOxide(generation: MinizDeflateEncoder.generation))
        }
    }

    /// zlib-ng's levels as Python writes them (`gzip.GzipFile`, `tarfile`: XFL 2 at level 9,
    /// 4 at level 1, 0 otherwise; 9 is their default, 6 `zlib`'s), likeliest first, for one
    /// encoder generation. Levels whose output depends on how the input was split into calls
    /// get one call, then Python's usual 64 and 128 KiB pieces (level 1 also one call that
    /// finishes, as `gzip_ng.compress` makes it); the others (`deflate_fast`,
    /// 2.1's level 3, the rolling hash of level 9) one call. An older generation only gets the
    /// levels where its output usually differs from the newer one's (2.1: all but 9, whose
    /// bytes are 2.2's; 2.0: 3, 4 and 9, where its rules differ; elsewhere only its rare 3-byte
    /// matches do, and such a file gets reconstruction) and, with `unhinted`, one call a level
    /// only, so that files no candidate reproduces pay little for them.
    private static func zlibNGCandidates(
        extraFlags: UInt8?, generation: ZlibNGGeneration = .zlibNG22, unhinted: Bool = false
    ) -> [Candidate] {
        let levels: [Int] =
            switch extraFlags {
            case 2: [9]
            case 4: [1]
            case 0: [6, 5, 4, 3, 2, 7, 8]
            default: [9, 6, 1, 5, 4, 3, 2, 7, 8]
            }
        let differing: Set<Int> =
            switch generation {
            case .zlibNG22: Set(1...9)
            case .zlibNG21SSE42: Set(1...8)
            case .zlibNG20SSE42: [3, 4, 9]
            }
        return levels.filter(differing.contains).flatMap { level in
            let splitFree =
                generation.strategy(level: level) == .fast
                || (generation.strategy(level: level) == .medium && level == 3)
                || (level == 9 && generation.hasRollingHash)
            let oneShot = generation.strategy(level: level) == .quick ? [ZlibNGDeflateEncoder.oneFinishingCall] : []
            return (splitFree || (unhinted && generation != .zlibNG22) ? [0] : [0, 1 << 16, 1 << 17] + oneShot).map {
                Candidate(
                    deflater: .zlibNG, level: level,
                    producer: .zlibNG(generation: generation.rawValue, writeSize: $0))
            }
        }
    }

    /// libdeflate's levels as `libdeflate-gzip` writes them (XFL 4 below level 2, 2 from
    /// level 8, 0 otherwise; 6 is its default), likeliest first. Its whole-buffer output does
    /// not depend on how input arrives, so one candidate a level.
    private static func libdeflateCandidates(extraFlags: UInt8?) -> [Candidate] {
        let levels: [Int] =
            switch extraFlags {
            case 2: [9, 8]
            case 4: [1]
            case 0: [6, 5, 7, 4, 3, 2]
            default: [6, 9, 1, 5, 7, 4, 8, 3, 2]
            }
        return levels.map {
            Candidate(
                deflater: .libdeflate, level: $0,
                producer: .libdeflate(generation: LibdeflateDeflateEncoder.generation))
        }
    }

    /// Go's levels, likeliest first, for a stream that ends as Go's do (an empty final stored
    /// block, which zlib and GNU gzip only write for stored data). Go writes XFL 2 for level
    /// 9, 4 for level 1 and 0 for the others; its default level is 6.
    private static func goCandidates(for header: GzipHeader) -> [Candidate] {
        let levels: [Int] =
            switch header.extraFlags {
            case 2: [9]
            case 4: [1]
            case 0: [6, 5, 4, 7, 8, 3, 2, 0, -2]
            default: [6, 9, 1, 5, 4, 7, 8, 3, 2, 0, -2]
            }
        return levels.map { level in
            Candidate(
                deflater: .goFlate, level: max(level, 0), strategy: level == -2 ? .huffmanOnly : nil,
                producer: .goFlate(generation: GoFlateEncoder.generation))
        }
    }

    /// `gzip --rsyncable` at `levels`.
    private static func rsyncable(_ levels: [Int]) -> [Candidate] {
        levels.map { Candidate(deflater: .gnuGzip, level: $0, producer: .gnuRsyncable) }
    }

    /// pigz at `levels` with `blockSize` KiB blocks, without `-i` then with it.
    private static func pigz(_ levels: [Int], blockSize: Int, strategy: DeflateStrategy = .default) -> [Candidate] {
        [false, true].flatMap { independent in
            levels.map {
                Candidate(
                    deflater: .zlib, level: $0, memLevel: 8, strategy: strategy,
                    producer: .pigz(blockSize: blockSize, independent: independent))
            }
        }
    }

    /// Candidates for a stream with flush points, likeliest first: pigz when the points fit
    /// its block size (with and without `-i`), then `gzip --rsyncable`.
    private static func flushingCandidates(hinted: [Int], levels: [Int], flushPoints: DeflateFlushPoints) -> [Candidate]
    {
        guard !flushPoints.offsets.isEmpty else { return [] }
        var list: [Candidate] = []
        if let blockSize = flushPoints.pigzBlockSize {
            // pigz -H and -U keep the level's XFL; pigz -0 (stored blocks) writes XFL 0, so level 0 comes last.
            list +=
                pigz(hinted, blockSize: blockSize) + rsyncable(hinted) + pigz(levels + [0], blockSize: blockSize)
                + pigz(hinted.isEmpty ? [6] : hinted, blockSize: blockSize, strategy: .huffmanOnly)
                + pigz(hinted.isEmpty ? [6] : hinted, blockSize: blockSize, strategy: .rle)
            // A pigz block that ended on a byte left no marker, so the markers' spacing may
            // be a multiple of the block size: its halves down to pigz's smallest come next,
            // while they are whole KiB (pigz's -b counts KiB).
            var smaller = blockSize / 2
            while PigzDeflateEncoder.blockSizes.contains(smaller), smaller % 1024 == 0, blockSize % smaller == 0 {
                list += pigz(levels, blockSize: smaller)
                smaller /= 2
            }
        } else {
            list += rsyncable(hinted)
        }
        return list + rsyncable(levels)
    }

    /// Candidates, likeliest first. Both zlib and GNU gzip write XFL 2 for level 9 and 4 for
    /// level 1 (zlib also for level 0 and its Huffman-only and RLE strategies), 0 otherwise.
    /// GNU gzip always writes OS 3 and never an extra field, comment or header CRC; Python's
    /// gzip module (zlib underneath) writes OS 255.
    private static func candidates(for header: GzipHeader, flushPoints: DeflateFlushPoints) -> [Candidate] {
        let hinted: [Int] =
            switch header.extraFlags {
            case 2: [9]
            case 4: [1]
            case 0: [6, 9, 5, 4, 7, 8, 3, 2]
            default: []
            }
        let levels = hinted + (1...9).filter { !hinted.contains($0) }
        func gnu(_ levels: [Int]) -> [Candidate] { levels.map { Candidate(deflater: .gnuGzip, level: $0) } }
        func zlib(_ levels: [Int], memLevel: Int = 8, strategy: DeflateStrategy = .default) -> [Candidate] {
            levels.map { Candidate(deflater: .zlib, level: $0, memLevel: memLevel, strategy: strategy) }
        }
        let gnuMayHaveWritten =
            header.operatingSystem == 3 && header.extra == nil && header.comment == nil && !header.headerCRC
        var list = flushingCandidates(hinted: hinted, levels: levels, flushPoints: flushPoints)
        list += gnuMayHaveWritten ? gnu(hinted) + zlib(hinted) : zlib(hinted) + gnu(hinted)
        // `gzip --rsyncable` pads a block to a byte with an empty stored block only when it
        // does not end on one, so a short file may show no flush point either; after plain
        // GNU gzip's hinted levels (which then already reproduced a file without them).
        if flushPoints.offsets.isEmpty && gnuMayHaveWritten {
            list += rsyncable(hinted)
        }
        // pigz output whose block ends all fell on even bytes has no empty blocks to show its
        // block size; blocks ending at a usual size's multiples suggest it, after zlib's
        // likeliest levels since zlib's own blocks sometimes end there too. `pigz -0` (stored
        // blocks, which always end on a byte) shows no marker at all and writes XFL 0.
        if flushPoints.offsets.isEmpty, let blockSize = flushPoints.pigzBlockSize,
            blockSize.nonzeroBitCount == 1, blockSize <= 1 << 20
        {
            list += pigz((hinted.isEmpty ? [6] : hinted) + [0], blockSize: blockSize)
        }
        // flate2 (miniz_oxide) and libdeflate-gzip write OS 255 like Python; after zlib's
        // likeliest levels, so that Python's files pay nothing for them.
        if header.operatingSystem == 255 {
            list +=
                minizCandidates(extraFlags: header.extraFlags) + libdeflateCandidates(extraFlags: header.extraFlags)
                + zlibNGCandidates(extraFlags: header.extraFlags)
                + zlibNGCandidates(extraFlags: header.extraFlags, generation: .zlibNG21SSE42)
                + zlibNGCandidates(extraFlags: header.extraFlags, generation: .zlibNG20SSE42)
        }
        list += zlib(levels) + zlib(levels, memLevel: 9) + gnu(levels)
        for memLevel in [7, 6, 5, 4, 3, 2, 1] { list += zlib(hinted.isEmpty ? levels : hinted, memLevel: memLevel) }
        list += zlib(levels, strategy: .filtered) + zlib(levels, strategy: .fixed)
        let anyLevel = hinted.first ?? 6
        list += zlib([anyLevel], strategy: .rle) + zlib([anyLevel], strategy: .huffmanOnly) + zlib([0])
        // zlib's stored blocks depend on how its input came (it flushes one once 32 KiB wait);
        // pigz -0 gives its whole block at once, so a file of one pigz block (no block size to
        // see) is pigz's at its default block size.
        list += pigz([0], blockSize: 128 << 10)
        list += zlibNGCandidates(extraFlags: nil) + libdeflateCandidates(extraFlags: nil)
        // zlib-ng 2.1 is Fedora 40's zlib, whose gzip headers (OS 3 from C programs) keep the
        // level's XFL as Python's do: its levels by that XFL, one call each. 2.0 was only ever
        // Python's (PyPI zlib-ng 0.1-0.2, OS 255), so it has no candidates here.
        list += zlibNGCandidates(extraFlags: header.extraFlags, generation: .zlibNG21SSE42, unhinted: true)
        var seen = Set<Candidate>()
        return list.filter { seen.insert($0).inserted }
    }
}
