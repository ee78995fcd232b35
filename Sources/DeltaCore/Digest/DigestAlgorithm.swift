/// A hash function, named as Gentoo Manifests and GLEP 25 patch lists spell it.
public enum DigestAlgorithm: String, CaseIterable, Sendable, Codable, Comparable {
    case md5 = "MD5"
    case sha256 = "SHA256"
    case sha512 = "SHA512"
    /// BLAKE2b with a 512-bit output, as Gentoo Manifests use.
    case blake2b = "BLAKE2B"

    /// The length of this algorithm's digest in bytes.
    public var byteCount: Int {
        switch self {
        case .md5: 16
        case .sha256: 32
        case .sha512, .blake2b: 64
        }
    }

    /// Looks up an algorithm by its Gentoo name, ignoring case (`blake2b` as Portage's
    /// `${DIGESTS}` writes it, `BLAKE2B` as Manifests do).
    public init?(gentooName: some StringProtocol) {
        self.init(rawValue: gentooName.uppercased())
    }

    /// Strongest first, as a verifier should prefer them.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.strength < rhs.strength }

    private var strength: Int {
        switch self {
        case .md5: 0
        case .sha256: 1
        case .sha512: 2
        case .blake2b: 3
        }
    }
}

/// The value of one hash function over some bytes.
public struct Digest: Hashable, Sendable, CustomStringConvertible {
    /// The function that produced ``bytes``.
    public let algorithm: DigestAlgorithm
    /// The raw digest.
    public let bytes: [UInt8]

    /// Wraps raw digest bytes. The count must match the algorithm's.
    public init(algorithm: DigestAlgorithm, bytes: [UInt8]) throws(DigestError) {
        guard bytes.count == algorithm.byteCount else {
            throw .wrongLength(algorithm, expected: algorithm.byteCount * 2, got: bytes.count * 2)
        }
        self.algorithm = algorithm
        self.bytes = bytes
    }

    /// Parses a hexadecimal digest (either case), as found in Manifests and patch lists.
    public init(algorithm: DigestAlgorithm, hex: some StringProtocol) throws(DigestError) {
        guard hex.utf8.count == algorithm.byteCount * 2 else {
            throw .wrongLength(algorithm, expected: algorithm.byteCount * 2, got: hex.utf8.count)
        }
        guard let bytes = Hexadecimal.decode(hex) else { throw .notHex(algorithm, String(hex)) }
        self.algorithm = algorithm
        self.bytes = bytes
    }

    /// The digest in lowercase hexadecimal.
    public var hex: String { Hexadecimal.encode(bytes) }

    /// `ALGORITHM hex`, as a Manifest writes a hash pair.
    public var description: String { "\(algorithm.rawValue) \(hex)" }
}

/// What can go wrong with digests.
public enum DigestError: DeltaCoreError, Equatable {
    /// A hex digest of the wrong length for its algorithm.
    case wrongLength(DigestAlgorithm, expected: Int, got: Int)
    /// A digest that is not hexadecimal.
    case notHex(DigestAlgorithm, String)
    /// OpenSSL failed to set up or run a hash (an out-of-memory condition or a broken library).
    case library(DigestAlgorithm, call: String)

    public var description: String {
        switch self {
        case let .wrongLength(algorithm, expected, got):
            "\(algorithm.rawValue) digest has \(got) hex digits, expected \(expected)"
        case let .notHex(algorithm, text):
            "\(algorithm.rawValue) digest '\(text.prefix(140))' is not hexadecimal"
        case let .library(algorithm, call):
            "OpenSSL's \(call) failed for \(algorithm.rawValue)"
        }
    }
}
