internal import CZlib

/// A stretch of content between two restart points (or the stream's start or end), with
/// the content around it that a compressor needs to do it alone.
struct DeflateSegment: Sendable {
    /// Where the segment starts; nil at the start of the stream.
    var start: DeflateRestartPoint?
    /// Where the next segment starts; nil when this one ends the stream.
    var end: DeflateRestartPoint?
    /// Content from ``dataOffset`` on: what the compressor looks back at before ``start``
    /// (GNU gzip's window, zlib's dictionary), the segment, and what it looks ahead at past ``end``.
    var data: [UInt8]
    /// The content offset of `data[0]`.
    var dataOffset: UInt64
    /// Whether ``data`` reaches the end of the content.
    var reachesEnd: Bool
    /// Storage for the compressed bits (its bytes are replaced): a buffer handed round.
    var output: [UInt8] = []

    /// Content a compressor may read past the segment's end before it ends the segment's last
    /// block: GNU gzip reads up to a window and a half ahead (it stops at the end itself, so
    /// the rest costs only the read); zlib ends a block once it has looked at most 262 bytes
    /// past it, and compresses all it is given, so it gets a little more than that.
    static func lookahead(_ deflater: DeflateImplementation) -> UInt64 {
        deflater == .gnuGzip ? 1 << 18 : 1 << 14
    }
    /// zlib's window, the dictionary a zlib segment is primed with.
    static let zlibWindow: UInt64 = 1 << 15
    /// GNU gzip's window: twice the 32 KiB it matches back over.
    static let gnuWindow: UInt64 = 1 << 16

    var contentStart: UInt64 { start?.contentOffset ?? 0 }
    var contentEnd: UInt64 { end?.contentOffset ?? dataOffset + UInt64(data.count) }

    /// The segments `points` cut the content into.
    static func bounds(_ points: [DeflateRestartPoint]) -> [(start: DeflateRestartPoint?, end: DeflateRestartPoint?)] {
        let starts: [DeflateRestartPoint?] = [nil] + points.map { $0 }
        let ends: [DeflateRestartPoint?] = points.map { $0 } + [nil]
        return Array(zip(starts, ends))
    }

    /// Reads the segment from `start` to `end` with the content around it, into the storage
    /// of `buffers` (from an earlier segment's ``DeflateSegmentBits/buffers``) when given.
    static func read(
        start: DeflateRestartPoint?, end: DeflateRestartPoint?, deflater: DeflateImplementation,
        from source: some ContentSource, reusing buffers: consuming SegmentBuffers = SegmentBuffers()
    ) throws -> DeflateSegment {
        var from: UInt64 = 0
        if let start { from = start.windowOffset ?? start.contentOffset - min(start.contentOffset, zlibWindow) }
        let to = end.map { min(source.contentSize, $0.contentOffset + lookahead(deflater)) } ?? source.contentSize
        // Read into the buffer the caller gave up, not a copy of it: a shared buffer would be
        // copied before it is written.
        try source.read(from..<to, into: &buffers.content)
        return DeflateSegment(
            start: start, end: end, data: buffers.content, dataOffset: from, reachesEnd: to == source.contentSize,
            output: buffers.output)
    }

    /// Whether `points` can be used on content of `size` bytes: inside it, increasing, and for
    /// GNU gzip with the whole window within the content.
    static func usable(_ points: DeflateRestartPoints, contentSize size: UInt64) -> Bool {
        var previous: UInt64 = 0
        for point in points.points {
            guard point.contentOffset > previous, point.contentOffset < size else { return false }
            if points.deflater == .gnuGzip {
                guard let window = point.windowOffset, window <= point.contentOffset,
                    size - window >= gnuWindow, point.contentOffset - window < gnuWindow
                else { return false }
            }
            previous = point.contentOffset
        }
        return true
    }
}

/// The two buffers a segment uses, handed from one segment to a later one: content and bits.
struct SegmentBuffers: Sendable {
    var content: [UInt8] = []
    var output: [UInt8] = []
}

/// A segment's deflate bits, as a serial compressor writes them between two restart points.
struct DeflateSegmentBits: Sendable {
    /// The bits, least significant first.
    var bytes: [UInt8]
    /// How many bits of ``bytes`` are the segment's.
    var bitCount: Int
    /// The CRC32 of the segment's content, for the gzip trailer.
    var crc: UInt32
    /// The segment's content size.
    var contentSize: UInt64
    /// The segment's buffers, for a later segment once ``bytes`` are joined (``bytes`` is
    /// the output buffer).
    var buffers: SegmentBuffers {
        SegmentBuffers(content: content, output: bytes)
    }
    /// The segment's content buffer, given back.
    var content: [UInt8] = []
}

/// A restart point that does not hold: the compressor did not reach it in the state recorded.
public struct RestartPointError: DeltaCoreError, Equatable {
    /// The content offset of the point.
    public var contentOffset: UInt64

    public var description: String { "the restart point at content offset \(contentOffset) does not hold" }
}

extension DeflateSegment {
    /// Compresses the segment as the serial compressor of `gzip` did. The segment's buffers
    /// move to the result (``DeflateSegmentBits/buffers``), so that a later segment reuses them.
    /// - Throws: ``RestartPointError`` when the segment does not end at ``end`` as recorded;
    ///   ``CompressionError`` from the codec.
    mutating func compress(_ gzip: GzipRecipe) throws -> DeflateSegmentBits {
        var bits = gzip.deflater == .gnuGzip ? try compressGNU(level: gzip.level) : try compressZlib(gzip)
        if alignment > 0 {
            // Drop the bits that stood in for the stream's before the segment.
            bits.bytes.withUnsafeMutableBytes {
                BitJoiner.dropLeastSignificantBits(alignment, of: $0, keeping: bits.bitCount)
            }
            bits.bytes.removeLast(bits.bytes.count - (bits.bitCount + 7) / 8)
        }
        let body = Int(contentStart - dataOffset)..<Int(contentEnd - dataOffset)
        if end == nil && start != nil {
            // The last byte's padding is the whole stream's, not this segment's.
            let dictionary = max(0, body.lowerBound - Int(Self.zlibWindow))..<body.lowerBound
            bits.bitCount = try bits.bytes.withUnsafeBytes { output in
                try data.withUnsafeBytes {
                    try DeflateBlockScanner.bitsToEnd(
                        of: output, dictionary: UnsafeRawBufferPointer(rebasing: $0[dictionary]))
                }
            }
        }
        bits.crc = data.withUnsafeBytes { bytes in
            UInt32(
                crc32(
                    0, bytes.baseAddress.map { $0.assumingMemoryBound(to: Bytef.self) + body.lowerBound },
                    uInt(body.count)))
        }
        bits.contentSize = UInt64(body.count)
        swap(&bits.content, &data)
        return bits
    }

    private var startBits: UInt64 { start?.bitOffset ?? 0 }

    /// The output buffer, emptied, moved out of the segment (so that it is not shared and
    /// keeps its storage).
    private mutating func takeOutputBuffer() -> [UInt8] {
        var buffer: [UInt8] = []
        swap(&buffer, &output)
        buffer.removeAll(keepingCapacity: true)
        return buffer
    }

    /// Where in its byte the segment starts. The compressor is started that many bits into
    /// its output, since stored blocks pad to byte boundaries of the whole stream.
    private var alignment: Int { Int(startBits % 8) }

    private mutating func compressGNU(level: Int) throws -> DeflateSegmentBits {
        var output = takeOutputBuffer()
        let collect: ChunkSink = { output.append(contentsOf: $0) }
        var core = GNUDeflateCore(level: level, variant: .gzip112)
        defer { core.deallocate() }
        let bitCount: Int
        try data.withUnsafeBytes { data in
            var inputStart = 0
            if let start {
                guard let windowOffset = start.windowOffset else {
                    throw RestartPointError(contentOffset: start.contentOffset)
                }
                let window = Int(windowOffset - dataOffset)
                inputStart = window + Int(Self.gnuWindow)
                core.resume(
                    at: GNUDeflateBoundary(start, bitOffset: 0),
                    window: UnsafeRawBufferPointer(rebasing: data[window..<inputStart]))
            }
            core.out.write(0, alignment)
            core.stopOffset = end.map { Int($0.contentOffset) }
            // The core reads the segment where it lies: it runs to the end inside this closure.
            if inputStart < data.count { core.input.borrow(UnsafeRawBufferPointer(rebasing: data[inputStart...])) }
            try core.run(finishing: reachesEnd, collect)
        }
        if let end {
            guard let stopped = core.stoppedAt,
                stopped == GNUDeflateBoundary(end, bitOffset: Int(end.bitOffset - startBits) + alignment)
            else {
                throw RestartPointError(contentOffset: end.contentOffset)
            }
            bitCount = stopped.bitOffset - alignment
            core.out.alignToByte()
            try core.out.flush(into: collect, force: true)
        } else {
            bitCount = output.count * 8 - alignment
        }
        return DeflateSegmentBits(bytes: output, bitCount: bitCount, crc: 0, contentSize: 0)
    }

    private mutating func compressZlib(_ gzip: GzipRecipe) throws -> DeflateSegmentBits {
        var output = takeOutputBuffer()
        let collect: ChunkSink = { output.append(contentsOf: $0) }
        let encoder = try GzipEncoder(
            rawLevel: gzip.level, memLevel: gzip.memLevel ?? 8, strategy: gzip.strategy ?? .default)
        let bodyStart = Int(contentStart - dataOffset)
        try data.withUnsafeBytes { data in
            if start != nil { try encoder.setDictionary(UnsafeRawBufferPointer(rebasing: data[..<bodyStart])) }
            if alignment > 0 { try encoder.prime(bits: alignment) }
            try encoder.process(UnsafeRawBufferPointer(rebasing: data[bodyStart...]), into: collect)
        }
        guard let end else {
            try encoder.finish(into: collect)
            return DeflateSegmentBits(bytes: output, bitCount: output.count * 8 - alignment, crc: 0, contentSize: 0)
        }
        // The block that ends at `end` must have ended on its own, as in the serial stream,
        // before the flush below ends whatever block is open: else the lookahead fell short.
        let bitCount = Int(end.bitOffset - startBits)
        guard output.count * 8 + (try encoder.pendingBitCount()) >= alignment + bitCount else {
            throw RestartPointError(contentOffset: end.contentOffset)
        }
        // What follows the block is this segment's overrun, cut off here.
        try encoder.syncFlush(into: collect)
        output.removeSubrange(((alignment + bitCount + 7) / 8)...)
        return DeflateSegmentBits(bytes: output, bitCount: bitCount, crc: 0, contentSize: 0)
    }
}

/// Where GNU gzip's deflate stands at a block boundary: what a restart point records.
struct GNUDeflateBoundary: Equatable {
    /// The content offset where the next block starts.
    var contentOffset: Int
    /// Bits written before it.
    var bitOffset: Int
    /// The content offset of the window's first byte.
    var windowOffset: Int
    /// The lazy match found at ``contentOffset`` and not yet emitted, if the block ended on a literal.
    var pendingMatch: DeflateRestartPoint.PendingMatch?
}

extension GNUDeflateBoundary {
    /// The boundary a restart point describes, with `bitOffset` counted from where the
    /// segment's compressor started.
    init(_ point: DeflateRestartPoint, bitOffset: Int) {
        self.init(
            contentOffset: Int(point.contentOffset), bitOffset: bitOffset,
            windowOffset: Int(point.windowOffset ?? 0), pendingMatch: point.pendingMatch)
    }
}
