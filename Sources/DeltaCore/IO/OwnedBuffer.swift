/// A fixed-size byte buffer that frees itself, so that codecs whose initialisers throw
/// part-way never free (or leak) their buffers by hand.
final class OwnedBuffer {
    /// The bytes.
    let bytes: UnsafeMutableRawBufferPointer

    init(count: Int) { bytes = .allocate(byteCount: count, alignment: 16) }

    deinit { bytes.deallocate() }
}
