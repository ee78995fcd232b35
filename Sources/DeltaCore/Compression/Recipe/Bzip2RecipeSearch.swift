/// Checks a bzip2 file against libbz2 at the block size its header names.
struct Bzip2RecipeSearch {
    let file: UnsafeRawBufferPointer
    let content: UnsafeRawBufferPointer
    let decoder: Bzip2Decoder

    func run() throws -> RecipeDetection {
        guard decoder.streamCount == 1 else {
            return RecipeDetection(recipe: nil, candidatesTried: 0,
                                   reason: "\(decoder.streamCount) bzip2 streams (pbzip2 or lbzip2?); only single-stream files can be rebuilt")
        }
        let stream = UnsafeRawBufferPointer(rebasing: file[..<(file.count - Int(decoder.trailingZeroBytes))])
        let blockSize = Int(file[3]) - 0x30
        let trial = CandidateTrial(content: content, expected: stream)
        if try trial.reproduces(with: try Bzip2Encoder(blockSize: blockSize)) {
            let recipe = RecompressionRecipe(format: .bzip2, library: .libbz2, bzip2: Bzip2Recipe(blockSize: blockSize),
                                             trailingZeroBytes: decoder.trailingZeroBytes)
            return RecipeDetection(recipe: recipe, candidatesTried: 1, reason: nil)
        }
        return RecipeDetection(recipe: nil, candidatesTried: 1,
                               reason: "libbz2 \(CodecLibrary.libbz2.version) at block size \(blockSize) does not reproduce this file")
    }
}
