internal import COpenSSL

/// A running hash of one algorithm, over OpenSSL's libcrypto: its one-algorithm interfaces
/// for MD5, SHA-256 and SHA-512 (the same assembly as EVP's, SHA extensions included, without
/// the provider machinery whose first use costs about 1.8 MB of resident memory, which
/// `mkpatch apply`'s 16 MiB budget cannot spare), EVP for BLAKE2b.
///
/// A value type: copying it and feeding the copies different bytes gives independent
/// results (copy-on-write over the OpenSSL context, as swift-crypto does).
public struct DigestContext: Sendable {
    /// The algorithm this context computes.
    public let algorithm: DigestAlgorithm
    private var box: Box

    /// Starts a hash. The corresponding C functions are `MD5_Init`, `SHA256_Init`,
    /// `SHA512_Init`, or `EVP_MD_CTX_new` and `EVP_DigestInit_ex` (BLAKE2b).
    public init(_ algorithm: DigestAlgorithm) throws(DigestError) {
        self.algorithm = algorithm
        box = try Box(algorithm)
    }

    /// Feeds bytes. The corresponding C functions are the `_Update` of the algorithm, or
    /// `EVP_DigestUpdate`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        if !isKnownUniquelyReferenced(&box) { box = box.copy() }
        box.update(bytes)
    }

    /// Feeds bytes from any contiguous collection.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        bytes.withContiguousBytes { update($0) }
    }

    /// The digest of everything fed so far. The context stays usable for more input.
    /// The corresponding C functions are the `_Final` of the algorithm or
    /// `EVP_DigestFinal_ex`, run on a copy.
    public func finalize() -> Digest {
        let out = box.copy().finish()
        precondition(out.count == algorithm.byteCount, "digest of the wrong length")
        // The length was just checked against the algorithm, so this cannot throw.
        return try! Digest(algorithm: algorithm, bytes: out)
    }

    /// The digest of `bytes` in one call.
    public static func digest(_ algorithm: DigestAlgorithm, of bytes: some Collection<UInt8>) throws(DigestError)
        -> Digest
    {
        var context = try DigestContext(algorithm)
        context.update(bytes)
        return context.finalize()
    }

    /// Owns the OpenSSL state. Only ever mutated when uniquely referenced.
    ///
    /// `@unchecked Sendable`: a shared box is never mutated (a writer copies it first, as
    /// copy-on-write value types do), and reading one OpenSSL state from several threads
    /// at once is safe.
    private final class Box: @unchecked Sendable {
        enum State {
            case md5(UnsafeMutablePointer<MD5_CTX>)
            case sha256(UnsafeMutablePointer<SHA256_CTX>)
            case sha512(UnsafeMutablePointer<SHA512_CTX>)
            case evp(OpaquePointer)
        }
        let state: State

        init(_ state: State) { self.state = state }

        convenience init(_ algorithm: DigestAlgorithm) throws(DigestError) {
            switch algorithm {
            case .md5:
                let context = UnsafeMutablePointer<MD5_CTX>.allocate(capacity: 1)
                guard MD5_Init(context) == 1 else {
                    context.deallocate()
                    throw .library(algorithm, call: "MD5_Init")
                }
                self.init(.md5(context))
            case .sha256:
                let context = UnsafeMutablePointer<SHA256_CTX>.allocate(capacity: 1)
                guard SHA256_Init(context) == 1 else {
                    context.deallocate()
                    throw .library(algorithm, call: "SHA256_Init")
                }
                self.init(.sha256(context))
            case .sha512:
                let context = UnsafeMutablePointer<SHA512_CTX>.allocate(capacity: 1)
                guard SHA512_Init(context) == 1 else {
                    context.deallocate()
                    throw .library(algorithm, call: "SHA512_Init")
                }
                self.init(.sha512(context))
            case .blake2b:
                guard let context = EVP_MD_CTX_new() else { throw .library(algorithm, call: "EVP_MD_CTX_new") }
                guard EVP_DigestInit_ex(context, EVP_blake2b512(), nil) == 1 else {
                    EVP_MD_CTX_free(context)
                    throw .library(algorithm, call: "EVP_DigestInit_ex")
                }
                self.init(.evp(context))
            }
        }

        /// Feeds bytes; the calls fail only on a context that was never initialised, which
        /// init prevents.
        func update(_ bytes: UnsafeRawBufferPointer) {
            let status: Int32
            switch state {
            case .md5(let context): status = MD5_Update(context, bytes.baseAddress, bytes.count)
            case .sha256(let context): status = SHA256_Update(context, bytes.baseAddress, bytes.count)
            case .sha512(let context): status = SHA512_Update(context, bytes.baseAddress, bytes.count)
            case .evp(let context): status = EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
            }
            precondition(status == 1, "digest update failed on an initialised context")
        }

        /// The digest; the state is spent after (call it on a copy).
        func finish() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            let status: Int32
            switch state {
            case .md5(let context):
                (status, length) = (MD5_Final(&out, context), UInt32(MD5_DIGEST_LENGTH))
            case .sha256(let context):
                (status, length) = (SHA256_Final(&out, context), UInt32(SHA256_DIGEST_LENGTH))
            case .sha512(let context):
                (status, length) = (SHA512_Final(&out, context), UInt32(SHA512_DIGEST_LENGTH))
            case .evp(let context):
                status = EVP_DigestFinal_ex(context, &out, &length)
            }
            precondition(status == 1, "digest finalisation failed")
            return Array(out.prefix(Int(length)))
        }

        func copy() -> Box {
            switch state {
            case .md5(let context):
                let fresh = UnsafeMutablePointer<MD5_CTX>.allocate(capacity: 1)
                fresh.initialize(to: context.pointee)
                return Box(.md5(fresh))
            case .sha256(let context):
                let fresh = UnsafeMutablePointer<SHA256_CTX>.allocate(capacity: 1)
                fresh.initialize(to: context.pointee)
                return Box(.sha256(fresh))
            case .sha512(let context):
                let fresh = UnsafeMutablePointer<SHA512_CTX>.allocate(capacity: 1)
                fresh.initialize(to: context.pointee)
                return Box(.sha512(fresh))
            case .evp(let context):
                guard let fresh = EVP_MD_CTX_new(), EVP_MD_CTX_copy_ex(fresh, context) == 1 else {
                    fatalError("OpenSSL could not copy a digest context (out of memory)")
                }
                return Box(.evp(fresh))
            }
        }

        deinit {
            switch state {
            case .md5(let context): context.deallocate()
            case .sha256(let context): context.deallocate()
            case .sha512(let context): context.deallocate()
            case .evp(let context): EVP_MD_CTX_free(context)
            }
        }
    }
}
