/// A file opened for reading, sequentially or at random offsets, through POSIX calls.
///
/// Reads go straight into caller-provided buffers; nothing loads a whole file.
public final class ReadableFile {
    /// The path the file was opened by.
    public let path: String
    private let descriptor: FileDescriptor

    /// Opens `path` for reading. The corresponding C function is `open`.
    /// - Throws: ``FileSystemError``; a directory is refused with `EISDIR`.
    public init(path: String) throws(FileSystemError) {
        self.path = path
        let file = try FileDescriptor.open(path, .readOnly)
        do throws(FileSystemError) {
            guard try file.status().kind != .directory else {
                throw FileSystemError(.open, path: path, errno: .isDirectory)
            }
        } catch {
            file.closeIgnoringErrors()
            throw error
        }
        descriptor = file
    }

    deinit { descriptor.closeIgnoringErrors() }

    /// The file's current size in bytes. The corresponding C function is `fstat`.
    public func size() throws(FileSystemError) -> UInt64 {
        try descriptor.status().size
    }

    /// Reads up to `buffer.count` bytes from the current position; returns the count read,
    /// 0 at the end of the file. The corresponding C function is `read` (retried on `EINTR`).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileSystemError) -> Int {
        try descriptor.read(into: buffer)
    }

    /// Fills `buffer` from `offset`, or throws if the file ends first.
    /// The corresponding C function is `pread` (repeated until the buffer is full).
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(FileSystemError) {
        var done = 0
        while done < buffer.count {
            let count = try descriptor.read(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: offset + UInt64(done))
            guard count > 0 else {
                throw FileSystemError(
                    .read, path: path, detail: "file ends before byte \(offset + UInt64(buffer.count))")
            }
            done += count
        }
    }

    /// Calls `body` with each successive chunk of the file, from the current position to the end.
    /// The chunk is only valid during the call.
    public func forEachChunk(size chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try read(into: buffer)
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Reads the first `count` bytes (fewer if the file is shorter) without moving the position.
    public func prefix(_ count: Int) throws(FileSystemError) -> [UInt8] {
        try descriptor.readPrefix(count)
    }
}
