internal import CZlib

/// Lists where the blocks of a raw deflate stream start, through zlib's `inflate` with
/// `Z_BLOCK`, which stops after each block and says how many bits of the last byte it read
/// are unused.
enum DeflateBlockScanner {
    /// The start of every block but the first: its content offset and bit offset.
    /// - Throws: ``CompressionError`` when the stream does not inflate.
    static func blockStarts(of deflate: UnsafeRawBufferPointer) throws(CompressionError) -> [DeflateRestartPoint] {
        var stream = z_stream()
        guard CZlib_inflateInit2(&stream, -15) == Z_OK else {
            throw .library(.gzip, call: "inflateInit2", code: Z_MEM_ERROR)
        }
        defer { inflateEnd(&stream) }
        let scratch = UnsafeMutablePointer<Bytef>.allocate(capacity: 1 << 16)
        defer { scratch.deallocate() }
        stream.next_in = UnsafeMutablePointer(mutating: deflate.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(deflate.count)
        var starts: [DeflateRestartPoint] = []
        while true {
            stream.next_out = scratch
            stream.avail_out = 1 << 16
            let status = inflate(&stream, Z_BLOCK)
            if status == Z_STREAM_END { return starts }
            let atBlockEnd = stream.data_type & 128 != 0, inLastBlock = stream.data_type & 64 != 0
            // Z_BUF_ERROR: a call that only got from the last output byte to the block's end.
            guard status == Z_OK || status == Z_BUF_ERROR && atBlockEnd else {
                throw .corrupt(.gzip, detail: "deflate data: inflate returned \(status)")
            }
            if atBlockEnd && !inLastBlock && stream.total_out > 0 {
                let bits = UInt64(stream.total_in) * 8 - UInt64(stream.data_type & 63)
                starts.append(DeflateRestartPoint(contentOffset: UInt64(stream.total_out), bitOffset: bits))
            }
        }
    }
}

extension DeflateBlockScanner {
    /// How many bits of `deflate` lead up to the end of its final block: a stream's last byte
    /// is padded with zero bits, which a segment compressed apart pads differently.
    /// `dictionary` is the content before the stream's, which its matches may reach back into.
    /// - Throws: ``CompressionError`` when the stream does not inflate to its end.
    static func bitsToEnd(of deflate: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer)
        throws(CompressionError) -> Int
    {
        var stream = z_stream()
        guard CZlib_inflateInit2(&stream, -15) == Z_OK else {
            throw .library(.gzip, call: "inflateInit2", code: Z_MEM_ERROR)
        }
        defer { inflateEnd(&stream) }
        if dictionary.count > 0 {
            let status = inflateSetDictionary(
                &stream, dictionary.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(dictionary.count))
            guard status == Z_OK else { throw .library(.gzip, call: "inflateSetDictionary", code: status) }
        }
        let scratch = UnsafeMutablePointer<Bytef>.allocate(capacity: 1 << 16)
        defer { scratch.deallocate() }
        stream.next_in = UnsafeMutablePointer(mutating: deflate.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(deflate.count)
        while true {
            stream.next_out = scratch
            stream.avail_out = 1 << 16
            let status = inflate(&stream, Z_BLOCK)
            // Z_BLOCK stops after the final block too, before inflate drops the padding.
            let atBlockEnd = stream.data_type & 128 != 0, inLastBlock = stream.data_type & 64 != 0
            if atBlockEnd && inLastBlock { return Int(stream.total_in) * 8 - Int(stream.data_type & 63) }
            guard status == Z_OK || status == Z_BUF_ERROR && atBlockEnd else {
                throw .corrupt(.gzip, detail: "deflate segment: inflate returned \(status)")
            }
        }
    }
}
