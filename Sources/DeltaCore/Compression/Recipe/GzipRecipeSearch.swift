/// Searches zlib and GNU gzip settings for a gzip file's recipe.
struct GzipRecipeSearch {
    let file: UnsafeRawBufferPointer
    let content: UnsafeRawBufferPointer
    let decoder: GzipDecoder

    private struct Candidate: Hashable {
        var deflater: DeflateImplementation
        var level: Int
        var memLevel: Int?
        var strategy: DeflateStrategy?

        func makeDeflater() throws -> any StreamEncoder {
            switch deflater {
            case .zlib: try GzipEncoder(rawLevel: level, memLevel: memLevel ?? 8, strategy: strategy ?? .default)
            case .gnuGzip: try GNUDeflateEncoder(level: level)
            }
        }
    }

    func run() throws -> RecipeDetection {
        guard decoder.memberCount == 1 else {
            return RecipeDetection(recipe: nil, candidatesTried: 0,
                                   reason: "\(decoder.memberCount) gzip members; only single-member files can be rebuilt")
        }
        let member = UnsafeRawBufferPointer(rebasing: file[..<(file.count - Int(decoder.trailingZeroBytes))])
        let header = try GzipHeader.parse(member).header
        let trial = CandidateTrial(content: content, expected: member)
        var tried = 0
        for candidate in Self.candidates(for: header) {
            tried += 1
            let encoder = GzipMemberEncoder(header: header, deflater: try candidate.makeDeflater())
            if try trial.reproduces(with: encoder) {
                let library: CodecLibrary = candidate.deflater == .zlib ? .zlib : .gnuDeflate
                let gzip = GzipRecipe(header: header, deflater: candidate.deflater, level: candidate.level,
                                      memLevel: candidate.memLevel, strategy: candidate.strategy)
                let recipe = RecompressionRecipe(format: .gzip, library: library, gzip: gzip, trailingZeroBytes: decoder.trailingZeroBytes)
                return RecipeDetection(recipe: recipe, candidatesTried: tried, reason: nil)
            }
        }
        return RecipeDetection(recipe: nil, candidatesTried: tried,
                               reason: "no zlib \(CodecLibrary.zlib.version) or GNU gzip setting reproduces this file")
    }

    /// Candidates, likeliest first. Both zlib and GNU gzip write XFL 2 for level 9 and 4 for
    /// level 1 (zlib also for level 0 and its Huffman-only and RLE strategies), 0 otherwise.
    /// GNU gzip always writes OS 3 and never an extra field, comment or header CRC; Python's
    /// gzip module (zlib underneath) writes OS 255.
    private static func candidates(for header: GzipHeader) -> [Candidate] {
        let hinted: [Int] = switch header.extraFlags {
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
        let gnuMayHaveWritten = header.operatingSystem == 3 && header.extra == nil && header.comment == nil && !header.headerCRC
        var list: [Candidate] = gnuMayHaveWritten ? gnu(hinted) + zlib(hinted) : zlib(hinted) + gnu(hinted)
        list += zlib(levels) + zlib(levels, memLevel: 9) + gnu(levels)
        for memLevel in [7, 6, 5, 4, 3, 2, 1] { list += zlib(hinted.isEmpty ? levels : hinted, memLevel: memLevel) }
        list += zlib(levels, strategy: .filtered) + zlib(levels, strategy: .fixed)
        let anyLevel = hinted.first ?? 6
        list += zlib([anyLevel], strategy: .rle) + zlib([anyLevel], strategy: .huffmanOnly) + zlib([0])
        var seen = Set<Candidate>()
        return list.filter { seen.insert($0).inserted }
    }
}
