extension Collection<UInt8> {
    /// Calls `body` with the bytes as one contiguous buffer, copying only when the
    /// collection has no contiguous storage of its own.
    @inlinable
    func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let result = try withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return try Array(self).withUnsafeBytes(body)
    }
}
