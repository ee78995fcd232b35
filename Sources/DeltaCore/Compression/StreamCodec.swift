/// Receives a transform's output, one chunk at a time. The chunk is only valid during the call.
public typealias ChunkSink = (UnsafeRawBufferPointer) throws -> Void

/// A streaming byte transform: a compressor or a decompressor.
///
/// Input arrives in chunks of any size (a byte at a time works) and output leaves through
/// the sink in chunks of at most ``outputChunkSize`` bytes, so memory stays bounded whatever
/// the stream's length. Instances hold C library state and are not shared between threads.
public protocol StreamCodec: AnyObject {
    /// Transforms `input`, passing whatever output is ready to `sink`.
    func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws
    /// Declares the end of input and passes the remaining output to `sink`.
    func finish(into sink: ChunkSink) throws
}

/// A decompressor.
public protocol StreamDecoder: StreamCodec {
    /// Compressed bytes consumed so far: where an error was found.
    var compressedOffset: UInt64 { get }
}

/// A compressor.
public protocol StreamEncoder: StreamCodec {}

extension StreamCodec {
    /// The size of the chunks passed to sinks.
    public static var outputChunkSize: Int { 1 << 16 }

    /// Transforms a whole buffer in memory (for small data, tests and patch sections).
    public func transform(_ input: some Collection<UInt8>) throws -> [UInt8] {
        var output = [UInt8]()
        let append: ChunkSink = { output.append(contentsOf: $0) }
        try input.withContiguousBytes { try process($0, into: append) }
        try finish(into: append)
        return output
    }
}

/// The identity transform, for uncompressed files.
public final class PassthroughCodec: StreamDecoder, StreamEncoder {
    public private(set) var compressedOffset: UInt64 = 0

    /// Creates an identity transform.
    public init() {}

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        compressedOffset += UInt64(input.count)
        var start = 0
        while start < input.count {
            let end = min(input.count, start + Self.outputChunkSize)
            try sink(UnsafeRawBufferPointer(rebasing: input[start..<end]))
            start = end
        }
    }

    public func finish(into sink: ChunkSink) throws {}
}
