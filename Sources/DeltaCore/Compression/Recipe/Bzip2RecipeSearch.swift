/// Checks a bzip2 file against libbz2 at the block size its header names; several streams
/// are tried as pbzip2 writes them (one stream per fixed-size chunk of the content).
struct Bzip2RecipeSearch {
    let file: UnsafeRawBufferPointer
    let content: UnsafeRawBufferPointer
    let decoder: Bzip2Decoder

    func run() throws -> RecipeDetection {
        let stream = UnsafeRawBufferPointer(rebasing: file[..<(file.count - Int(decoder.trailer.count))])
        let blockSize = Int(file[3]) - 0x30
        var recipe = RecompressionRecipe(format: .bzip2, library: .libbz2, bzip2: Bzip2Recipe(blockSize: blockSize))
        if decoder.streamCount > 1 {
            guard let layout = try uniformLayout() else {
                return RecipeDetection(
                    recipe: nil, candidatesTried: 0,
                    reason: "\(decoder.streamCount) bzip2 streams of uneven sizes (lbzip2 or concatenated files?)")
            }
            recipe.setExtension(.memberLayout, payload: layout.payload)
        }
        let trial = CandidateTrial(content: content, expected: stream)
        if try trial.reproduces(with: try recipe.makeEncoder()) {
            recipe.setTrailer(decoder.trailer)
            return RecipeDetection(recipe: recipe, candidatesTried: 1, reason: nil)
        }
        let streams = decoder.streamCount > 1 ? " in \(decoder.streamCount) streams" : ""
        return RecipeDetection(
            recipe: nil, candidatesTried: 1,
            reason:
                "libbz2 \(CodecLibrary.libbz2.version) at block size \(blockSize)\(streams) does not reproduce this file"
        )
    }

    /// The layout pbzip2 would have used: the first stream's content size for every stream
    /// but the last, when that accounts for the stream count. Only the first stream is decoded.
    private func uniformLayout() throws -> MemberLayout? {
        let first = try Bzip2Decoder()
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { output.deallocate() }
        var offset = 0
        var size = 0
        while !first.isFinished && offset < file.count {
            let (consumed, produced) = try first.decode(UnsafeRawBufferPointer(rebasing: file[offset...]), into: output)
            guard consumed > 0 || produced > 0 else { return nil }
            offset += consumed
            size += produced
        }
        guard first.isFinished, size > 0 else { return nil }
        let streams = (content.count + size - 1) / size
        return streams == decoder.streamCount ? .uniform(memberSize: UInt64(size)) : nil
    }
}
