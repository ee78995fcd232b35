internal import CBZip2

/// Compresses to bzip2 over libbz2.
public final class Bzip2Encoder: StreamEncoder {
    private var stream = bz_stream()
    private var finished = false
    private let outputBuffer = OwnedBuffer(count: Bzip2Encoder.outputChunkSize)
    private var output: UnsafeMutableRawBufferPointer { outputBuffer.bytes }

    /// Creates an encoder. The corresponding C function is `BZ2_bzCompressInit`.
    /// - Parameters:
    ///   - blockSize: 1 to 9, in units of 100 kB (`bzip2 -1` … `-9`; 9 is the default).
    ///   - workFactor: libbz2's fallback threshold for repetitive data (0 means its default, 30).
    public convenience init(blockSize: Int = 9, workFactor: Int = 0) throws(CompressionError) {
        try self.init(blockSize: blockSize, workFactor: workFactor, workspace: nil)
    }

    /// The workspace libbz2 allocates from, kept alive until `BZ2_bzCompressEnd` has given
    /// its memory back; nil for the C allocator.
    private let workspace: Bzip2Workspace?

    /// An encoder whose libbz2 memory comes from `workspace` (nil: the C allocator).
    init(blockSize: Int, workFactor: Int, workspace: Bzip2Workspace?) throws(CompressionError) {
        guard (1...9).contains(blockSize), (0...250).contains(workFactor) else {
            throw .invalidSettings(.bzip2, detail: "block size \(blockSize), work factor \(workFactor)")
        }
        self.workspace = workspace
        if let workspace {
            stream.opaque = Unmanaged.passUnretained(workspace).toOpaque()
            stream.bzalloc = { opaque, count, size in
                Unmanaged<Bzip2Workspace>.fromOpaque(opaque!).takeUnretainedValue()
                    .allocate(Int(count) * Int(size))
            }
            stream.bzfree = { opaque, bytes in
                guard let bytes else { return }
                Unmanaged<Bzip2Workspace>.fromOpaque(opaque!).takeUnretainedValue().release(bytes)
            }
        }
        let status = BZ2_bzCompressInit(&stream, Int32(blockSize), 0, Int32(workFactor))
        guard status == BZ_OK else {
            throw .library(.bzip2, call: "BZ2_bzCompressInit", code: status)
        }
    }

    deinit {
        BZ2_bzCompressEnd(&stream)
    }

    public func process(_ input: UnsafeRawBufferPointer, into sink: ChunkSink) throws {
        guard !finished else { throw CompressionError.alreadyFinished(.bzip2) }
        guard input.count > 0 else { return }
        try compress(input, action: BZ_RUN, into: sink)
    }

    public func finish(into sink: ChunkSink) throws {
        guard !finished else { return }
        try compress(UnsafeRawBufferPointer(start: nil, count: 0), action: BZ_FINISH, into: sink)
        finished = true
    }

    private func compress(_ input: UnsafeRawBufferPointer, action: Int32, into sink: ChunkSink) throws {
        stream.next_in = input.baseAddress.map {
            UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: CChar.self))
        }
        stream.avail_in = UInt32(input.count)
        defer {
            stream.next_in = nil
            stream.avail_in = 0
        }
        while true {
            stream.next_out = output.baseAddress!.assumingMemoryBound(to: CChar.self)
            stream.avail_out = UInt32(output.count)
            let status = BZ2_bzCompress(&stream, action)
            let produced = output.count - Int(stream.avail_out)
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[..<produced])) }
            switch status {
            case BZ_RUN_OK:
                if stream.avail_in == 0 { return }
            case BZ_FINISH_OK:
                continue
            case BZ_STREAM_END:
                return
            default:
                throw CompressionError.library(.bzip2, call: "BZ2_bzCompress", code: status)
            }
        }
    }
}
