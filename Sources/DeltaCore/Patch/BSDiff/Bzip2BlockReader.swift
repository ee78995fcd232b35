/// Reads one bzip2-compressed block of a BSDIFF40 patch in order, straight into the caller's
/// buffers, decoding on the fly.
///
/// The block lies at a fixed byte range of the patch and is read by offset, so the three
/// blocks can be consumed side by side from one file; only a fixed input buffer and the
/// decoder's state are held, never the block.
final class Bzip2BlockReader {
    private static let inputBufferSize = 1 << 16

    let block: BSDiff40Error.Block
    private let source: RandomAccessSource
    private let start: UInt64
    private var nextInput: UInt64
    private let end: UInt64
    private var decoder: Bzip2Decoder?
    private let inputBuffer = UnsafeMutableRawBufferPointer.allocate(
        byteCount: Bzip2BlockReader.inputBufferSize, alignment: 16)
    private var inputStart = 0, inputEnd = 0

    /// A reader of `source`'s bytes `range` (the block must lie within the source).
    init(_ block: BSDiff40Error.Block, range: Range<UInt64>, in source: RandomAccessSource) {
        self.block = block
        self.source = source
        start = range.lowerBound
        nextInput = range.lowerBound
        end = range.upperBound
    }

    deinit { inputBuffer.deallocate() }

    /// The patch byte the decoder has reached: where an error shows.
    var patchOffset: UInt64 { start + (decoder?.compressedOffset ?? 0) }

    /// Fills `buffer` with the block's next decoded bytes.
    /// - Throws: ``BSDiff40Error/truncatedBlock(_:offset:)`` if the stream or its byte range
    ///   ends first, ``BSDiff40Error/corruptBlock(_:detail:offset:)`` for invalid bzip2.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws {
        let decoder = try openDecoder()
        var filled = 0
        var idleCalls = 0
        while filled < buffer.count {
            if inputStart == inputEnd && nextInput < end { try refillInput() }
            let progress: (consumed: Int, produced: Int)
            do {
                progress = try decoder.decode(
                    UnsafeRawBufferPointer(rebasing: inputBuffer[inputStart..<inputEnd]),
                    into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            } catch {
                throw BSDiff40Error.corruptBlock(block, detail: error.description, offset: patchOffset)
            }
            inputStart += progress.consumed
            filled += progress.produced
            if progress.consumed == 0 && progress.produced == 0 {
                // The stream ended, or its bytes did: either way the block is short.
                idleCalls += 1
                if decoder.isFinished || (inputStart == inputEnd && nextInput == end) || idleCalls > 2 {
                    throw BSDiff40Error.truncatedBlock(block, offset: patchOffset)
                }
            } else {
                idleCalls = 0
            }
        }
    }

    /// The decoder, made on first use so that a block never read need not be valid bzip2
    /// (bspatch reads nothing for an empty new file).
    private func openDecoder() throws -> Bzip2Decoder {
        if let decoder { return decoder }
        let made: Bzip2Decoder
        do {
            made = try Bzip2Decoder()
        } catch {
            throw BSDiff40Error.corruptBlock(block, detail: error.description, offset: start)
        }
        decoder = made
        return made
    }

    private func refillInput() throws {
        let count = Int(min(end - nextInput, UInt64(inputBuffer.count)))
        try source.read(into: UnsafeMutableRawBufferPointer(rebasing: inputBuffer[..<count]), at: nextInput)
        nextInput += UInt64(count)
        inputStart = 0
        inputEnd = count
    }
}
