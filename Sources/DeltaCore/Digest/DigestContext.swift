internal import COpenSSL

/// A running hash of one algorithm, over OpenSSL's EVP interface.
///
/// A value type: copying it and feeding the copies different bytes gives independent
/// results (copy-on-write over the OpenSSL context, as swift-crypto does).
public struct DigestContext: Sendable {
    /// The algorithm this context computes.
    public let algorithm: DigestAlgorithm
    private var box: Box

    /// Starts a hash. The corresponding C functions are `EVP_MD_CTX_new` and `EVP_DigestInit_ex`.
    public init(_ algorithm: DigestAlgorithm) throws(DigestError) {
        self.algorithm = algorithm
        guard let context = EVP_MD_CTX_new() else { throw .library(algorithm, call: "EVP_MD_CTX_new") }
        box = Box(context)
        guard EVP_DigestInit_ex(context, Self.evpMD(algorithm), nil) == 1 else {
            throw .library(algorithm, call: "EVP_DigestInit_ex")
        }
    }

    /// Feeds bytes. The corresponding C function is `EVP_DigestUpdate`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        if !isKnownUniquelyReferenced(&box) { box = box.copy() }
        // EVP_DigestUpdate fails only on a context that was never initialised, which init prevents.
        let status = EVP_DigestUpdate(box.context, bytes.baseAddress, bytes.count)
        precondition(status == 1, "EVP_DigestUpdate failed on an initialised context")
    }

    /// Feeds bytes from any contiguous collection.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        bytes.withContiguousBytes { update($0) }
    }

    /// The digest of everything fed so far. The context stays usable for more input.
    /// The corresponding C function is `EVP_DigestFinal_ex`, run on a copy.
    public func finalize() -> Digest {
        let copy = box.copy()
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let status = EVP_DigestFinal_ex(copy.context, &out, &length)
        precondition(status == 1 && Int(length) == algorithm.byteCount, "EVP_DigestFinal_ex failed")
        // The length was just checked against the algorithm, so this cannot throw.
        return try! Digest(algorithm: algorithm, bytes: Array(out.prefix(Int(length))))
    }

    /// The digest of `bytes` in one call.
    public static func digest(_ algorithm: DigestAlgorithm, of bytes: some Collection<UInt8>) throws(DigestError)
        -> Digest
    {
        var context = try DigestContext(algorithm)
        context.update(bytes)
        return context.finalize()
    }

    private static func evpMD(_ algorithm: DigestAlgorithm) -> OpaquePointer? {
        switch algorithm {
        case .md5: EVP_md5()
        case .sha256: EVP_sha256()
        case .sha512: EVP_sha512()
        case .blake2b: EVP_blake2b512()
        }
    }

    /// Owns the OpenSSL context. Only ever mutated when uniquely referenced.
    ///
    /// `@unchecked Sendable`: a shared box is never mutated (a writer copies it first, as
    /// copy-on-write value types do), and reading one OpenSSL context from several threads
    /// at once is safe.
    private final class Box: @unchecked Sendable {
        let context: OpaquePointer

        init(_ context: OpaquePointer) { self.context = context }

        func copy() -> Box {
            guard let fresh = EVP_MD_CTX_new(), EVP_MD_CTX_copy_ex(fresh, context) == 1 else {
                fatalError("OpenSSL could not copy a digest context (out of memory)")
            }
            return Box(fresh)
        }

        deinit { EVP_MD_CTX_free(context) }
    }
}
