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
        let utf8 = Array(hex.utf8)
        guard utf8.count == algorithm.byteCount * 2 else {
            throw .wrongLength(algorithm, expected: algorithm.byteCount * 2, got: utf8.count)
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(algorithm.byteCount)
        var index = 0
        while index < utf8.count {
            guard let high = Self.nibble(utf8[index]), let low = Self.nibble(utf8[index + 1]) else {
                throw .notHex(algorithm, String(hex))
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.algorithm = algorithm
        self.bytes = bytes
    }

    /// The digest in lowercase hexadecimal.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `ALGORITHM hex`, as a Manifest writes a hash pair.
    public var description: String { "\(algorithm.rawValue) \(hex)" }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
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
