/// One hash of a ``HashedPart``: a digest of a known algorithm, or a hash this version does
/// not know, kept as written so that rewriting a line loses nothing.
public enum HashPair: Hashable, Sendable {
    /// A hash DeltaCore can compute and verify.
    case known(Digest)
    /// A hash name DeltaCore does not know (say `WHIRLPOOL`), with its value as written.
    case unknown(name: String, value: String)
}

/// One part of a GLEP 25 line: hashes, an optional file name and a size.
///
/// GLEP 25 writes a part as `MD5 <md5> <name> <size>`, like a digest file. The extension
/// read and written here allows several hash pairs before the name, as Manifests do:
/// `BLAKE2B <hex> SHA512 <hex> MD5 <md5> <name> <size>`. Parts describing uncompressed
/// content spell each known hash with a `U` prefix (`UMD5`, `UBLAKE2B`); ``hashes`` holds
/// the plain algorithms and ``isUncompressed`` says which spelling the line used.
///
/// Hashes are kept in one canonical order (see ``init(name:size:isUncompressed:hashes:)``),
/// so that writing and re-reading a part gives back an equal value.
public struct HashedPart: Hashable, Sendable {
    /// The file (or URL) the part describes; nil only where the format makes it optional
    /// (the new name of an alternate-digest entry).
    public var name: String?
    /// The size in bytes (of the uncompressed content when ``isUncompressed``).
    public var size: UInt64
    /// Whether the hashes and size are of the file's uncompressed content.
    public var isUncompressed: Bool
    /// The hashes, in canonical order: the known ones strongest first except MD5, then the
    /// unknown ones as written, then MD5 last, right before the name, where a GLEP 25 reader
    /// expects `MD5 <md5> <name> <size>`.
    public private(set) var hashes: [HashPair]

    /// Creates a part; `hashes` are put in canonical order.
    public init(name: String?, size: UInt64, isUncompressed: Bool = false, hashes: [HashPair]) {
        self.name = name
        self.size = size
        self.isUncompressed = isUncompressed
        self.hashes = Self.canonicalOrder(hashes)
    }

    /// Creates a part from a size and digests (a ``DigestSet``, as an inspection yields).
    public init(name: String?, digests: DigestSet, isUncompressed: Bool = false) {
        self.init(
            name: name, size: digests.size, isUncompressed: isUncompressed,
            hashes: digests.digests.values.map { .known($0) })
    }

    /// The size and the known digests, ready for ``DigestSet/matches(_:)``.
    public var digests: DigestSet {
        DigestSet(size: size, digests: hashes.compactMap { if case let .known(digest) = $0 { digest } else { nil } })
    }

    /// Whether the part carries a known hash other than MD5.
    public var hasStrongHash: Bool {
        hashes.contains { if case let .known(digest) = $0 { digest.algorithm != .md5 } else { false } }
    }

    /// The tokens of this part, as written on a line.
    public var tokens: [String] {
        var tokens = [String]()
        for hash in hashes {
            switch hash {
            case let .known(digest):
                tokens.append((isUncompressed ? "U" : "") + digest.algorithm.rawValue)
                tokens.append(digest.hex)
            case let .unknown(name, value):
                tokens.append(name)
                tokens.append(value)
            }
        }
        if let name { tokens.append(name) }
        tokens.append(String(size))
        return tokens
    }

    private static func canonicalOrder(_ hashes: [HashPair]) -> [HashPair] {
        var strong = [Digest](), md5 = [Digest](), unknown = [HashPair]()
        for hash in hashes {
            switch hash {
            case let .known(digest) where digest.algorithm == .md5: md5.append(digest)
            case let .known(digest): strong.append(digest)
            case .unknown: unknown.append(hash)
            }
        }
        strong.sort { $0.algorithm > $1.algorithm }
        return strong.map { .known($0) } + unknown + md5.map { .known($0) }
    }
}

/// Reads parts from the whitespace-separated tokens of one line.
struct PartTokenReader {
    let tokens: [Substring]
    private(set) var position = 0

    init(line: Substring) {
        tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
    }

    var isAtEnd: Bool { position >= tokens.count }
    var remaining: Int { tokens.count - position }

    /// Reads `HASH value [HASH value …] [name] size`.
    /// - Parameters:
    ///   - part: what the part describes, for messages ("patch", "base file", …).
    ///   - uncompressed: whether known hashes must carry the `U` prefix.
    ///   - nameIsOptional: whether the name may be left out (then only a size follows the hashes,
    ///     which must be the last token of the line).
    mutating func readPart(_ part: String, uncompressed: Bool, nameIsOptional: Bool = false) throws(MetadataError)
        -> HashedPart
    {
        var hashes = [HashPair]()
        var seen = Set<String>()
        while position + 1 < tokens.count, let pair = try hashPair(at: position, part: part, uncompressed: uncompressed)
        {
            let key = tokens[position].uppercased()
            guard seen.insert(key).inserted else { throw .duplicateHash(String(tokens[position]), part: part) }
            hashes.append(pair)
            position += 2
        }
        guard !hashes.isEmpty else {
            if isAtEnd { throw .missing("hash", part: part) }
            throw .expectedHashName(found: String(tokens[position]), part: part)
        }
        guard hashes.contains(where: { if case .known = $0 { true } else { false } }) else {
            throw .noKnownHash(part: part)
        }
        var name: String?
        if !(nameIsOptional && remaining <= 1) {
            guard !isAtEnd else { throw .missing("name", part: part) }
            name = String(tokens[position])
            position += 1
        }
        guard !isAtEnd else { throw .missing("size", part: part) }
        let sizeToken = tokens[position]
        guard let size = Self.decimal(sizeToken) else { throw .sizeNotANumber(String(sizeToken), part: part) }
        position += 1
        return HashedPart(name: name, size: size, isUncompressed: uncompressed, hashes: hashes)
    }

    /// Throws unless every token was read.
    func expectEnd() throws(MetadataError) {
        if !isAtEnd { throw .trailingTokens(tokens[position...].joined(separator: " ")) }
    }

    /// The hash pair at `index`, or nil when the token there is not a hash name (so it is the
    /// part's name). A known name (`MD5`, `UBLAKE2B`) is always a hash, and its value must be
    /// valid; an unknown one counts only when followed by at least 32 hex digits, which no
    /// size can be (a 64-bit size has at most 20 digits), so names and hashes never blur.
    private func hashPair(at index: Int, part: String, uncompressed: Bool) throws(MetadataError) -> HashPair? {
        let name = tokens[index], value = tokens[index + 1]
        let upper = name.uppercased()
        let plainName = upper.hasPrefix("U") ? String(upper.dropFirst()) : upper
        if let algorithm = DigestAlgorithm(rawValue: upper) ?? DigestAlgorithm(rawValue: plainName) {
            let isU = DigestAlgorithm(rawValue: upper) == nil
            guard isU == uncompressed else {
                throw .wrongHashKind(String(name), part: part, expectedUncompressed: uncompressed)
            }
            do {
                return .known(try Digest(algorithm: algorithm, hex: value))
            } catch {
                throw .badDigest(error, part: part)
            }
        }
        guard Self.looksLikeHashName(name), value.utf8.count >= 32, value.utf8.allSatisfy(Self.isHexDigit) else {
            return nil
        }
        return .unknown(name: String(name), value: String(value))
    }

    static func decimal(_ token: Substring) -> UInt64? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return UInt64(token)
    }

    private static func looksLikeHashName(_ token: Substring) -> Bool {
        guard let first = token.utf8.first, first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") else { return false }
        return token.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }
}
