/// Uncompressed content read at random offsets: a file being rebuilt, or content in memory
/// while `mkpatch create` proves its restart points.
protocol ContentSource {
    /// The content's size in bytes.
    var contentSize: UInt64 { get }
    /// The bytes in `range`, which lies within the content.
    func contentBytes(_ range: Range<UInt64>) throws -> [UInt8]
}

/// Content a recompressor reads from start to end: a finished file, or the scratch file a
/// rebuild's earlier stage is still writing (whose reads then wait for its bytes).
protocol RecompressionInput: AnyObject {
    /// Reads up to `buffer.count` bytes from the current position; returns the count read,
    /// 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// The whole content read at random offsets (gzip segments), whatever the position.
    func contentSource() throws -> any ContentSource
}

extension RecompressionInput {
    /// Calls `body` with each successive chunk from the current position to the end.
    func forEachInputChunk(size chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try read(into: buffer)
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }
}

extension ReadableFile: RecompressionInput {
    func contentSource() throws -> any ContentSource { try FileContent(self) }
}

/// A file's content, read with `pread`.
struct FileContent: ContentSource {
    let file: ReadableFile
    let contentSize: UInt64

    init(_ file: ReadableFile) throws {
        self.file = file
        contentSize = try file.size()
    }

    func contentBytes(_ range: Range<UInt64>) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Int(range.count))
        try bytes.withUnsafeMutableBytes { try file.read(into: $0, at: range.lowerBound) }
        return bytes
    }
}

/// Content held in memory.
struct MemoryContent: ContentSource {
    let bytes: [UInt8]
    var contentSize: UInt64 { UInt64(bytes.count) }

    func contentBytes(_ range: Range<UInt64>) throws -> [UInt8] {
        Array(bytes[Int(range.lowerBound)..<Int(range.upperBound)])
    }
}
