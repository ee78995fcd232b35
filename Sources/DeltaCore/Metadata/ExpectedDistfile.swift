/// What a distfile must be: its size when known, and digests of its compressed bytes (from a
/// Manifest `DIST` line, from Portage's `${DIGESTS}`, or as a patch records them).
public struct ExpectedDistfile: Hashable, Sendable {
    /// The size in bytes, when known (Portage's `${DIGESTS}` carries none).
    public var size: UInt64?
    /// The digests, keyed by algorithm.
    public var digests: [DigestAlgorithm: Digest]

    /// An expectation with an optional size.
    public init(size: UInt64?, digests: some Sequence<Digest>) {
        self.size = size
        var map = [DigestAlgorithm: Digest]()
        for digest in digests { map[digest.algorithm] = digest }
        self.digests = map
    }

    /// An expectation with a size (a Manifest entry, a patch's record).
    public init(_ set: DigestSet) {
        self.init(size: set.size, digests: set.digests.values)
    }

    /// Parses Portage's `${DIGESTS}`: `blake2b:<hex> sha512:<hex>`, any case, space-separated;
    /// empty text gives nil.
    /// - Throws: ``SettingsError/malformed(_:)`` naming the word that is not `ALGORITHM:HEX`.
    public static func parse(portageDigests text: String, size: UInt64? = nil) throws(SettingsError)
        -> ExpectedDistfile?
    {
        var list = [Digest]()
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            let parts = word.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let algorithm = DigestAlgorithm(gentooName: parts[0]) else {
                throw .malformed("digest '\(word)' is not ALGORITHM:HEX")
            }
            do {
                list.append(try Digest(algorithm: algorithm, hex: parts[1]))
            } catch {
                throw .malformed("digest '\(word)': \(error)")
            }
        }
        return list.isEmpty ? nil : ExpectedDistfile(size: size, digests: list)
    }

    /// The expectation as a ``DigestSet``, when the size is known.
    public var digestSet: DigestSet? { size.map { DigestSet(size: $0, digests: digests.values) } }

    /// The algorithms to compute to check a file against this.
    public var algorithms: [DigestAlgorithm] { digests.keys.sorted() }

    /// Whether `actual` agrees on the size (when known) and on every algorithm both hold,
    /// sharing at least one.
    public func matches(_ actual: DigestSet) -> Bool {
        if let size, size != actual.size { return false }
        var shared = 0
        for (algorithm, digest) in digests {
            guard let theirs = actual[algorithm] else { continue }
            guard theirs == digest else { return false }
            shared += 1
        }
        return shared > 0
    }
}
