/// Uncompressed content read at random offsets: a file being rebuilt, or content in memory
/// while `mkpatch create` proves its restart points.
protocol ContentSource {
    /// The content's size in bytes.
    var contentSize: UInt64 { get }
    /// The bytes in `range`, which lies within the content.
    func contentBytes(_ range: Range<UInt64>) throws -> [UInt8]
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
