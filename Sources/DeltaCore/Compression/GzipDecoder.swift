internal import CZlib

/// Decompresses gzip (RFC 1952) over zlib's `inflate`, member after member.
///
/// What follows the last member, zero padding (tar's blocks) or other bytes, is accepted and
/// kept in ``trailer`` (at most ``StreamTrailer/maximumBytes`` other than zero padding).
public final class GzipDecoder: StreamDecoder {
    public private(set) var compressedOffset: UInt64 = 0
    /// How many members were decoded completely.
    public private(set) var memberCount = 0
    /// What followed the last member.
    public private(set) var trailer = StreamTrailer()
    /// How many zero bytes followed the last member, when nothing else did.
    public var trailingZeroBytes: UInt64 { trailer.zeroBytes }
    /// Where each member ended, when the decoder was made with `recordingMembers`; empty
    /// otherwise (a rebuild's decoder keeps nothing per member).
    public private(set) var memberEnds: [GzipMemberEnd] = []

    private let recordingMembers: Bool
    private var contentOffset: UInt64 = 0

    private var stream = z_stream()
    private var framing = MemberFraming.awaitingFirstMember
    private let outputBuffer = OwnedBuffer(count: GzipDecoder.outputChunkSize)
    private var output: UnsafeMutableRawBufferPointer { outputBuffer.bytes }

    /// Creates a decoder. The corresponding C function is `inflateInit2` (gzip framing only).
    /// - Parameter recordingMembers: whether to note where each member ends
    ///   (``memberEnds``), as recipe detection needs.
    public init(recordingMembers: Bool = false) throws(CompressionError) {
        self.recordingMembers = recordingMembers
        let status = CZlib_inflateInit2(&stream, 15 + 16)
        guard status == Z_OK else {
            throw .library(.gzip, call: "inflateInit2", code: status)
        }
    }

    deinit {
        inflateEnd(&stream)
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        let trailing = try framing.feed(
            input, memberMagic: 0x1f, format: .gzip, trailer: &trailer,
            startMember: { inflateReset(&stream) },
            decodeMember: { try inflateMember($0, into: sink) })
        compressedOffset += trailing
    }

    public func finish(into sink: ChunkSink) throws {
        guard framing.mayEnd else { throw CompressionError.truncated(.gzip) }
    }

    /// Inflates until the input is used up or the member ends; returns the bytes consumed and
    /// whether the member ended.
    private func inflateMember(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws -> (
        consumed: Int, memberEnded: Bool
    ) {
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        defer {
            stream.next_in = nil
            stream.avail_in = 0
        }
        while true {
            stream.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(output.count)
            let status = inflate(&stream, Z_NO_FLUSH)
            let produced = output.count - Int(stream.avail_out)
            let consumed = input.count - Int(stream.avail_in)
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[..<produced])) }
            contentOffset += UInt64(produced)
            switch status {
            case Z_OK:
                if stream.avail_in == 0 && stream.avail_out > 0 {
                    compressedOffset += UInt64(consumed)
                    return (consumed, false)
                }
            case Z_BUF_ERROR:
                // No progress was possible: zlib needs more input than this chunk holds.
                compressedOffset += UInt64(consumed)
                return (consumed, false)
            case Z_STREAM_END:
                compressedOffset += UInt64(consumed)
                memberCount += 1
                if recordingMembers {
                    memberEnds.append(GzipMemberEnd(compressedOffset: compressedOffset, contentOffset: contentOffset))
                }
                return (consumed, true)
            case Z_DATA_ERROR, Z_NEED_DICT:
                compressedOffset += UInt64(consumed)
                let detail = stream.msg.map { String(cString: $0) } ?? "invalid deflate data"
                if detail.hasPrefix("incorrect data check") || detail.hasPrefix("incorrect length check") {
                    throw CompressionError.checksumMismatch(.gzip)
                }
                throw CompressionError.corrupt(.gzip, detail: detail)
            default:
                throw CompressionError.library(.gzip, call: "inflate", code: status)
            }
        }
    }
}

/// Where a gzip member ended: the offsets just past its trailer in the file and past its
/// content in the decompressed output.
public struct GzipMemberEnd: Hashable, Sendable {
    /// Bytes of the file up to the end of the member's trailer.
    public var compressedOffset: UInt64
    /// Content bytes up to the end of the member's content.
    public var contentOffset: UInt64
}
