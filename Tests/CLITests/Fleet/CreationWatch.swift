import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reports the names of entries created in a directory as they appear (Linux inotify), so that
/// a test can act within microseconds of a file system event: stop a host the moment one of its
/// jobs makes its scratch directory. Read from one thread at a time (the descriptor never changes).
final class CreationWatch: @unchecked Sendable {
    private let descriptor: Int32
    let directory: String

    /// Starts watching `directory`; entries created before this are not reported.
    /// The corresponding C functions are `inotify_init1` and `inotify_add_watch`.
    init(directory: String) throws {
        self.directory = directory
        descriptor = inotify_init1(Int32(O_CLOEXEC))
        guard descriptor >= 0 else { throw FleetError("inotify_init1: errno \(errno)") }
        guard inotify_add_watch(descriptor, directory, UInt32(IN_CREATE)) >= 0 else {
            close(descriptor)
            throw FleetError("inotify_add_watch \(directory): errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    /// Waits up to `timeout` seconds for an entry whose name satisfies `wanted`.
    /// - Returns: its name, or nil when none appeared in time.
    func next(timeout: TimeInterval, where wanted: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while Date() < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(max(1, min(500, deadline.timeIntervalSinceNow * 1000)))
            guard poll(&poller, 1, milliseconds) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            guard count > 0 else { continue }
            // struct inotify_event: wd, mask, cookie, len (4 bytes each), then len bytes of name.
            var offset = 0
            while offset + 16 <= count {
                let length = buffer.withUnsafeBytes {
                    Int($0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                }
                let nameBytes = buffer[(offset + 16)..<min(count, offset + 16 + length)].prefix { $0 != 0 }
                let name = String(decoding: nameBytes, as: UTF8.self)
                if !name.isEmpty, wanted(name) { return name }
                offset += 16 + length
            }
        }
        return nil
    }
}
