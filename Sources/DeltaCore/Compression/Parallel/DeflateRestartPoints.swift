/// Where a gzip recipe's deflate stream may be cut into segments that are compressed on
/// separate threads and joined bit for bit: the payload of
/// ``RecipeExtensionKind/restartPoints``.
///
/// Each point is the start of a deflate block, with what a compressor needs to resume there
/// exactly as the serial compressor went on: the content offset, the stream's bit offset, and
/// for GNU gzip its window's position and any lazy match pending at the boundary. zlib's
/// points need neither: the compressor is primed with the 32 KiB before the point through
/// `deflateSetDictionary`, which is exact at a block boundary that follows a match (no match
/// pending), and only such points are recorded. `mkpatch create` proves every point by
/// recompressing in parallel before it publishes one; a rebuild that finds a point does not
/// hold falls back to the serial compressor, so a wrong point costs time, never bytes.
///
/// Payload layout (integers LEB128 varints): version (1 byte, 1), deflater (1 byte: 0 zlib,
/// 1 GNU gzip), the point count (1 to ``maximumCount``), then for each point: content offset
/// and bit offset as increases over the previous point's (each at least 1), flags (1 byte:
/// 1 window offset follows, 2 a pending match follows), then when flagged the distance from the
/// window's start to the point (at most 65536, the window starting on a multiple of 32 KiB),
/// and the pending match's length (2 to 258) and distance (1 to 32768 for a length of 3 or
/// more, else 0). GNU gzip points carry a window offset; zlib points carry neither.
public struct DeflateRestartPoints: Hashable, Sendable {
    /// The payload version this build writes and reads.
    public static let payloadVersion: UInt8 = 1
    /// At most this many points are read: a bound for hostile input.
    public static let maximumCount = 1 << 16

    /// Whose deflate state the points describe.
    public var deflater: DeflateImplementation
    /// The points, in increasing content order.
    public var points: [DeflateRestartPoint]

    /// Restart points for `deflater`.
    public init(deflater: DeflateImplementation, points: [DeflateRestartPoint]) {
        self.deflater = deflater
        self.points = points
    }
}

/// One place a deflate stream can be resumed; see ``DeflateRestartPoints``.
public struct DeflateRestartPoint: Hashable, Sendable {
    /// Uncompressed bytes before the block that starts here.
    public var contentOffset: UInt64
    /// Bits of deflate data (after the gzip header) before the block.
    public var bitOffset: UInt64
    /// GNU gzip: the content offset of the first byte in the compressor's 64 KiB window.
    public var windowOffset: UInt64?
    /// GNU gzip: the lazy match found at ``contentOffset`` and not yet emitted, when the
    /// previous block ended on a literal.
    public var pendingMatch: PendingMatch?

    /// A restart point.
    public init(
        contentOffset: UInt64, bitOffset: UInt64, windowOffset: UInt64? = nil, pendingMatch: PendingMatch? = nil
    ) {
        self.contentOffset = contentOffset
        self.bitOffset = bitOffset
        self.windowOffset = windowOffset
        self.pendingMatch = pendingMatch
    }

    /// A match a lazy compressor has found but not yet emitted.
    public struct PendingMatch: Hashable, Sendable {
        /// 2 (nothing found) to 258.
        public var length: Int
        /// How far back the match starts; 0 when ``length`` is below 3.
        public var distance: Int

        /// A pending match.
        public init(length: Int, distance: Int) {
            self.length = length
            self.distance = distance
        }
    }
}

extension DeflateRestartPoints {
    private static let windowFlag: UInt8 = 1
    private static let pendingFlag: UInt8 = 2
    /// GNU gzip's window slides by this much, so the window starts on a multiple of it.
    static let windowStep: UInt64 = 1 << 15

    /// The payload bytes.
    public func serialized() -> [UInt8] {
        var out = RecipeByteWriter()
        out.bytes = [Self.payloadVersion, deflater == .zlib ? 0 : 1]
        out.varint(UInt64(points.count))
        var previous = DeflateRestartPoint(contentOffset: 0, bitOffset: 0)
        for point in points {
            out.varint(point.contentOffset &- previous.contentOffset)
            out.varint(point.bitOffset &- previous.bitOffset)
            out.bytes.append(
                (point.windowOffset == nil ? 0 : Self.windowFlag) | (point.pendingMatch == nil ? 0 : Self.pendingFlag))
            if let window = point.windowOffset { out.varint(point.contentOffset &- window) }
            if let match = point.pendingMatch {
                out.varint(UInt64(max(0, match.length)))
                out.varint(UInt64(max(0, match.distance)))
            }
            previous = point
        }
        return out.bytes
    }

    /// Reads a payload.
    /// - Throws: ``RecipeError/malformed(offset:detail:)`` with the offset in the payload where
    ///   it went wrong; every count, offset and match is bounded.
    public init(serialized bytes: [UInt8]) throws(RecipeError) {
        var input = RecipeByteReader(bytes: bytes)
        func malformed(_ offset: Int, _ detail: String) -> RecipeError {
            .malformed(offset: offset, detail: "restart points: \(detail)")
        }
        let version = try input.byte()
        guard version == Self.payloadVersion else { throw malformed(0, "unknown version \(version)") }
        let deflaterCode = try input.byte()
        guard deflaterCode <= 1 else { throw malformed(1, "unknown deflater \(deflaterCode)") }
        deflater = deflaterCode == 0 ? .zlib : .gnuGzip
        let countOffset = input.offset
        let count = try input.varint()
        guard count >= 1, count <= UInt64(Self.maximumCount) else {
            throw malformed(countOffset, "\(count) points (1 to \(Self.maximumCount) allowed)")
        }
        points = []
        var previous = DeflateRestartPoint(contentOffset: 0, bitOffset: 0)
        for _ in 0..<count {
            let pointOffset = input.offset
            let (content, contentOverflow) = previous.contentOffset.addingReportingOverflow(try input.varint())
            let (bits, bitsOverflow) = previous.bitOffset.addingReportingOverflow(try input.varint())
            guard !contentOverflow, !bitsOverflow, content > previous.contentOffset, bits > previous.bitOffset else {
                throw malformed(pointOffset, "offsets must increase")
            }
            var point = DeflateRestartPoint(contentOffset: content, bitOffset: bits)
            let flagsOffset = input.offset
            let flags = try input.byte()
            let expectedWindow = deflater == .gnuGzip
            guard flags & ~(Self.windowFlag | Self.pendingFlag) == 0, (flags & Self.windowFlag != 0) == expectedWindow,
                expectedWindow || flags & Self.pendingFlag == 0
            else {
                throw malformed(flagsOffset, "flags \(flags) for \(deflater.rawValue)")
            }
            if flags & Self.windowFlag != 0 {
                let lagOffset = input.offset
                let lag = try input.varint()
                guard lag <= 2 * Self.windowStep, lag <= content, (content - lag) % Self.windowStep == 0 else {
                    throw malformed(lagOffset, "window \(lag) bytes before the point")
                }
                point.windowOffset = content - lag
            }
            if flags & Self.pendingFlag != 0 {
                let matchOffset = input.offset
                let length = try input.varint(), distance = try input.varint()
                guard (2...258).contains(length), length >= 3 ? (1...Self.windowStep).contains(distance) : distance == 0
                else {
                    throw malformed(matchOffset, "pending match of \(length) bytes at distance \(distance)")
                }
                point.pendingMatch = .init(length: Int(length), distance: Int(distance))
            }
            points.append(point)
            previous = point
        }
        guard input.offset == bytes.count else { throw malformed(input.offset, "trailing bytes") }
    }
}

extension RecompressionRecipe {
    /// The recipe's restart points, when it carries readable ones for its own deflater; nil
    /// otherwise (the rebuild is then serial, with the same bytes).
    public var restartPoints: DeflateRestartPoints? {
        guard let payload = extensionPayload(.restartPoints), let gzip,
            let points = try? DeflateRestartPoints(serialized: payload), points.deflater == gzip.deflater
        else { return nil }
        return points
    }
}
