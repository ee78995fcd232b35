internal import CZlib

/// Where a raw deflate stream was flushed: the uncompressed offsets at which an empty,
/// non-final block ends (a sync-flush marker, or the empty static blocks pigz pads with).
///
/// zlib and GNU gzip never write an empty block in their plain modes, so such blocks mark
/// a producer that flushes: pigz at every block boundary, `gzip --rsyncable` at its sequence
/// points. Their spacing gives pigz's block size. pigz writes no empty block where a block
/// already ends on an even byte boundary, so a file of few blocks may show none: then block
/// boundaries at whole KiB offsets (which zlib's own blocks rarely hit) stand in for them.
/// Only the start of the stream is read.
struct DeflateFlushPoints {
    /// The offsets, ascending, each once.
    private(set) var offsets: [Int] = []
    /// Offsets where any block ends that are a whole number of KiB, ascending.
    private(set) var kibBoundaries: [Int] = []

    /// Inflates at most `outputLimit` bytes of `deflate` (raw RFC 1951 data), block by block.
    /// Data that does not inflate simply ends the scan: the caller's trial decides.
    init(deflate: UnsafeRawBufferPointer, outputLimit: Int) {
        var stream = z_stream()
        guard CZlib_inflateInit2(&stream, -15) == Z_OK else { return }
        defer { inflateEnd(&stream) }
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { output.deallocate() }
        guard let base = deflate.baseAddress else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(min(deflate.count, Int(UInt32.max)))
        var lastBoundary: Int?
        while Int(stream.total_out) <= outputLimit {
            stream.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(output.count)
            // Z_BLOCK returns at each block boundary (data_type bit 128).
            let status = inflate(&stream, Z_BLOCK)
            guard status == Z_OK else { return }
            guard stream.data_type & 128 != 0 else { continue }
            // Bit 64: the block that just ended was the final one. Its end is the content's
            // end, not a flush (a content of whole KiB would otherwise spoil pigz's block size).
            guard stream.data_type & 64 == 0 else { return }
            let position = Int(stream.total_out)
            if position > 0, position == lastBoundary, offsets.last != position {
                offsets.append(position)
            }
            if position > 0, position % 1024 == 0, kibBoundaries.last != position {
                kibBoundaries.append(position)
            }
            lastBoundary = position
        }
    }

    /// The block size pigz would have used to flush at these offsets: their greatest common
    /// divisor, when a whole number of KiB within pigz's range; nil otherwise.
    var pigzBlockSize: Int? {
        let evidence = offsets.isEmpty ? kibBoundaries : offsets
        guard let first = evidence.first else { return nil }
        let size = evidence.dropFirst().reduce(first) { Self.gcd($0, $1) }
        guard size % 1024 == 0, PigzDeflateEncoder.blockSizes.contains(size) else { return nil }
        return size
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
