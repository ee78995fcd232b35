/// Reads one decoded section of a window (data, instructions or addresses) in order.
/// Running out is ``VCDiffError/sectionUnderflow(_:window:offset:)`` for the window.
struct VCDiffSectionCursor {
    let section: VCDiffError.Section
    private let bytes: UnsafeRawBufferPointer
    private(set) var position = 0
    private let window: UInt64
    private let windowOffset: UInt64

    init(_ section: VCDiffError.Section, bytes: UnsafeRawBufferPointer, window: UInt64, windowOffset: UInt64) {
        self.section = section
        self.bytes = bytes
        self.window = window
        self.windowOffset = windowOffset
    }

    var remaining: Int { bytes.count - position }

    private var underflow: VCDiffError { .sectionUnderflow(section, window: window, offset: windowOffset) }

    mutating func readByte() throws(VCDiffError) -> UInt8 {
        guard position < bytes.count else { throw underflow }
        defer { position += 1 }
        return bytes[position]
    }

    /// An RFC 3284 integer (``VCDiffInteger``).
    mutating func readInteger() throws(VCDiffError) -> UInt64 {
        do {
            guard let value = try VCDiffInteger.read({ try readByte() }) else {
                throw VCDiffError.invalidInteger(offset: windowOffset)
            }
            return value
        } catch let error as VCDiffError {
            throw error
        } catch {
            throw .invalidInteger(offset: windowOffset)
        }
    }

    /// The next `count` bytes, valid while the section's buffer is.
    mutating func take(_ count: Int) throws(VCDiffError) -> UnsafeRawBufferPointer {
        guard count <= remaining else { throw underflow }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
    }
}

/// A reusable byte buffer that grows to the largest size asked of it; its contents are not
/// kept across growth (each window refills it).
final class ScratchBuffer {
    private(set) var bytes = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    deinit { bytes.deallocate() }

    /// The first `count` bytes, growing the buffer if needed (the caller bounded `count`).
    func prefix(_ count: Int) -> UnsafeMutableRawBufferPointer {
        if count > bytes.count {
            bytes.deallocate()
            bytes = .allocate(byteCount: count, alignment: 16)
        }
        return UnsafeMutableRawBufferPointer(rebasing: bytes[..<count])
    }
}
