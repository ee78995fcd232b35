/// What can go wrong while compressing or decompressing.
public enum CompressionError: DeltaCoreError, Equatable {
    /// The stream ended before the format said it would.
    case truncated(CompressionFormat)
    /// The bytes are not valid for the format; `detail` says what the library reported.
    case corrupt(CompressionFormat, detail: String)
    /// A checksum stored in the stream does not match the data.
    case checksumMismatch(CompressionFormat)
    /// Bytes that are neither another member/stream nor padding follow the data.
    case trailingData(CompressionFormat)
    /// More than `limit` bytes other than zero padding follow the last member or stream.
    case trailingDataTooLong(CompressionFormat, limit: Int)
    /// Decoding would need more memory than the limit allows.
    case memoryLimit(CompressionFormat, needed: UInt64)
    /// A setting the library refuses (a level out of range, say).
    case invalidSettings(CompressionFormat, detail: String)
    /// Input given after ``StreamCodec/finish(into:)``.
    case alreadyFinished(CompressionFormat)
    /// The library failed for another reason (out of memory); `code` is its return value.
    case library(CompressionFormat, call: String, code: Int32)

    public var description: String {
        switch self {
        case let .truncated(format): "\(format) stream is truncated"
        case let .corrupt(format, detail): "\(format) stream is corrupt: \(detail)"
        case let .checksumMismatch(format): "\(format) stream fails its checksum"
        case let .trailingData(format): "unexpected data after the end of the \(format) stream"
        case let .trailingDataTooLong(format, limit):
            "over \(limit) bytes of data other than zero padding after the end of the \(format) stream"
        case let .memoryLimit(format, needed):
            "\(format) stream needs \(needed) bytes of memory to decode, more than allowed"
        case let .invalidSettings(format, detail): "invalid \(format) settings: \(detail)"
        case let .alreadyFinished(format): "\(format) stream given input after it finished"
        case let .library(format, call, code): "\(format) library call \(call) failed with code \(code)"
        }
    }
}
