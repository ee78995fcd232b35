#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file opened for reading, sequentially or at random offsets, through POSIX calls.
///
/// Reads go straight into caller-provided buffers; nothing loads a whole file.
public final class ReadableFile {
    /// The path the file was opened by.
    public let path: String
    private let descriptor: Int32

    /// Opens `path` for reading. The corresponding C function is `open`.
    public init(path: String) throws(IOError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IOError(.open, path: path, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw IOError(.stat, path: path, errno: code)
        }
        guard (info.st_mode & S_IFMT) != S_IFDIR else {
            close(fd)
            throw IOError(.open, path: path, errno: EISDIR)
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// The file's current size in bytes. The corresponding C function is `fstat`.
    public func size() throws(IOError) -> UInt64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw IOError(.stat, path: path, errno: errno) }
        return UInt64(info.st_size)
    }

    /// Reads up to `buffer.count` bytes from the current position; returns the count read,
    /// 0 at the end of the file. The corresponding C function is `read` (retried on `EINTR`).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(IOError) -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw IOError(.read, path: path, errno: errno) }
        }
    }

    /// Fills `buffer` from `offset`, or throws if the file ends first.
    /// The corresponding C function is `pread` (repeated until the buffer is full).
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(IOError) {
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if count > 0 {
                done += count
            } else if count == 0 {
                throw IOError(.read, path: path, detail: "file ends before byte \(offset + UInt64(buffer.count))")
            } else if errno != EINTR {
                throw IOError(.read, path: path, errno: errno)
            }
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
    public func prefix(_ count: Int) throws(IOError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(done)) }
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                throw IOError(.read, path: path, errno: errno)
            }
            done += got
        }
        return Array(bytes.prefix(done))
    }
}
