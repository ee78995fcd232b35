/// Random access to a patch's base (old) file.
///
/// Appliers read the base at any offset and never load it whole, so applying stays within a
/// fixed memory budget whatever the file's size.
public protocol RandomAccessSource: AnyObject {
    /// The source's size in bytes.
    func size() throws -> UInt64
    /// Fills `buffer` from `offset`, or throws if the source ends first.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws
}

extension ReadableFile: RandomAccessSource {}

/// Bytes in memory as a ``RandomAccessSource`` (tests, small inputs, decoded bases).
public final class InMemorySource: RandomAccessSource {
    /// The bytes.
    public let bytes: [UInt8]

    /// Wraps `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func size() -> UInt64 { UInt64(bytes.count) }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws {
        guard offset <= UInt64(bytes.count), UInt64(buffer.count) <= UInt64(bytes.count) - offset else {
            throw FileSystemError(
                .read, path: "<memory>",
                detail: "read of \(buffer.count) bytes at \(offset) is past the end (\(bytes.count))")
        }
        let start = Int(offset)
        bytes.withUnsafeBytes {
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<start + buffer.count]))
        }
    }
}
