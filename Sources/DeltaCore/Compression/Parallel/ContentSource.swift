/// Uncompressed content read at random offsets: a file being rebuilt, or content in memory
/// while `mkpatch create` proves its restart points.
protocol ContentSource {
    /// The content's size in bytes.
    var contentSize: UInt64 { get }
    /// Replaces `bytes` with the content in `range` (which lies within the content), in the
    /// storage `bytes` already has when it is large enough: parallel recompression hands the
    /// same buffers round, since fresh ones cost a page fault and a zeroed page every 4 KiB.
    func read(_ range: Range<UInt64>, into bytes: inout [UInt8]) throws
}

extension Array where Element == UInt8 {
    /// Makes the array `count` bytes long, keeping its storage when it is large enough
    /// (the bytes' values are then to be overwritten).
    mutating func resizeKeepingCapacity(to count: Int) {
        if self.count > count {
            removeLast(self.count - count)
        } else if self.count < count {
            append(contentsOf: repeatElement(0, count: count - self.count))
        }
    }
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

    func read(_ range: Range<UInt64>, into bytes: inout [UInt8]) throws {
        bytes.resizeKeepingCapacity(to: Int(range.count))
        try bytes.withUnsafeMutableBytes { try file.read(into: $0, at: range.lowerBound) }
    }
}

/// Content held in memory.
struct MemoryContent: ContentSource {
    let bytes: [UInt8]
    var contentSize: UInt64 { UInt64(bytes.count) }

    func read(_ range: Range<UInt64>, into bytes: inout [UInt8]) throws {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: self.bytes[Int(range.lowerBound)..<Int(range.upperBound)])
    }
}
