/// Several hashes over the same bytes in one pass.
public struct MultiDigest: Sendable {
    private var contexts: [DigestContext]
    private(set) public var byteCount: UInt64 = 0

    /// Starts one context per algorithm (duplicates are ignored).
    public init(_ algorithms: some Sequence<DigestAlgorithm> = DigestAlgorithm.allCases) throws(DigestError) {
        var seen = Set<DigestAlgorithm>()
        var contexts = [DigestContext]()
        for algorithm in algorithms where seen.insert(algorithm).inserted {
            contexts.append(try DigestContext(algorithm))
        }
        self.contexts = contexts
    }

    /// Feeds bytes to every hash.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        byteCount += UInt64(bytes.count)
        for index in contexts.indices { contexts[index].update(bytes) }
    }

    /// Feeds bytes from any contiguous collection.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        bytes.withContiguousBytes { update($0) }
    }

    /// The size and digests of everything fed so far.
    public func finalize() -> DigestSet {
        DigestSet(size: byteCount, digests: contexts.map { $0.finalize() })
    }
}

/// A size and the digests of the same bytes, keyed by algorithm.
public struct DigestSet: Hashable, Sendable {
    /// The number of bytes hashed.
    public var size: UInt64
    /// The digests, keyed by algorithm.
    public var digests: [DigestAlgorithm: Digest]

    /// Builds a set from a size and a list of digests (a later duplicate replaces an earlier one).
    public init(size: UInt64, digests: some Sequence<Digest>) {
        self.size = size
        var map = [DigestAlgorithm: Digest]()
        for digest in digests { map[digest.algorithm] = digest }
        self.digests = map
    }

    /// The digest for `algorithm`, if computed.
    public subscript(algorithm: DigestAlgorithm) -> Digest? { digests[algorithm] }

    /// Whether `other` agrees on the size and on every algorithm both sets hold, and they share
    /// at least one algorithm (so that agreement means something).
    public func matches(_ other: DigestSet) -> Bool {
        guard size == other.size else { return false }
        var shared = 0
        for (algorithm, digest) in digests {
            guard let theirs = other.digests[algorithm] else { continue }
            guard theirs == digest else { return false }
            shared += 1
        }
        return shared > 0
    }
}
