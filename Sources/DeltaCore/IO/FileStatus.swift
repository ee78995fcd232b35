#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat` says about a file, in Swift types.
public struct FileStatus: Sendable, Equatable {
    /// The file's type.
    public enum Kind: Sendable {
        case regular, directory, symbolicLink, other
    }

    /// The file's type.
    public var kind: Kind
    /// The size in bytes.
    public var size: UInt64
    /// The device holding the file.
    public var device: UInt64
    /// The inode on that device.
    public var inode: UInt64
    /// The last modification, in whole seconds since 1970 and the nanoseconds after them.
    public var modified: (seconds: Int64, nanoseconds: Int64)
    /// The last status change (`ctime`), likewise.
    public var changed: (seconds: Int64, nanoseconds: Int64)

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        default: kind = .other
        }
        size = UInt64(info.st_size)
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        modified = (Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec))
        changed = (Int64(info.st_ctim.tv_sec), Int64(info.st_ctim.tv_nsec))
    }

    /// Whether both name the same file (device and inode).
    public func isSameFile(as other: FileStatus) -> Bool {
        device == other.device && inode == other.inode
    }

    public static func == (lhs: FileStatus, rhs: FileStatus) -> Bool {
        lhs.kind == rhs.kind && lhs.size == rhs.size && lhs.isSameFile(as: rhs)
            && lhs.modified == rhs.modified && lhs.changed == rhs.changed
    }
}
