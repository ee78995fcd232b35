/// A part of a recipe beyond its base settings, carried in version 2 of the recipe's binary
/// form (``RecompressionRecipe/serialized()``).
///
/// Extensions let the recipe grow without breaking old clients: each one is tagged with its
/// ``kind`` and says whether a reader must understand it. A reader skips an optional extension
/// it does not know (a speed hint such as restart points: the rebuild still comes out the
/// same, only slower) and refuses a recipe with a required one it does not know (anything
/// that changes the output bytes), so a client never rebuilds a file it cannot make exactly.
/// A recipe without extensions is written as version 1, readable by every client.
public struct RecipeExtension: Hashable, Sendable {
    /// What the payload is.
    public var kind: RecipeExtensionKind
    /// The payload, in the encoding its kind defines.
    public var payload: [UInt8]

    /// An extension of the given kind.
    public init(kind: RecipeExtensionKind, payload: [UInt8]) {
        self.kind = kind
        self.payload = payload
    }

    /// Whether a reader that does not know this kind must refuse the recipe.
    public var isRequired: Bool { kind.isRequired }
}

/// The tag of a ``RecipeExtension``. Tags are never reused; a new meaning gets a new tag.
public struct RecipeExtensionKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The tag as written in the binary form.
    public var rawValue: UInt64
    /// Whether the extension changes the rebuilt bytes (so an unknown one must be refused).
    public var isRequired: Bool

    /// A kind with the given tag; `isRequired` is read from the binary form for unknown tags.
    public init(rawValue: UInt64, isRequired: Bool) {
        self.rawValue = rawValue
        self.isRequired = isRequired
    }

    /// A known kind by tag; nil for tags this build does not know.
    public init?(rawValue: UInt64) {
        guard let known = Self.known.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = known
    }

    /// Where a rebuild may be cut into segments compressed in parallel and joined bit for bit
    /// (issue "Never slower"). Optional: without it the rebuild is serial, with the same bytes.
    public static let restartPoints = RecipeExtensionKind(rawValue: 1, isRequired: false)
    /// A deflate producer other than zlib's and GNU gzip's plain modes (pigz, `--rsyncable`,
    /// Go, miniz_oxide …) and its parameters. Required.
    public static let deflateProducer = RecipeExtensionKind(rawValue: 2, isRequired: true)
    /// Corrections that make a reference deflate reproduce any deflate stream. Required.
    public static let deflateReconstruction = RecipeExtensionKind(rawValue: 3, isRequired: true)
    /// Several concatenated members or streams (pigz `-i`, pbzip2), each with its own layout. Required.
    public static let memberLayout = RecipeExtensionKind(rawValue: 4, isRequired: true)
    /// Bytes after the last member or stream that are not all zeros (a signature, a stray
    /// newline), written back as they are after the compressed data; the payload is the bytes,
    /// at most ``StreamTrailer/maximumBytes``. Required.
    public static let trailingBytes = RecipeExtensionKind(rawValue: 5, isRequired: true)

    /// The kinds this build understands.
    public static let known: [RecipeExtensionKind] = [
        .restartPoints, .deflateProducer, .deflateReconstruction, .memberLayout, .trailingBytes,
    ]

    public var description: String {
        switch rawValue {
        case 1: "restart-points"
        case 2: "deflate-producer"
        case 3: "deflate-reconstruction"
        case 4: "member-layout"
        case 5: "trailing-bytes"
        default: "extension \(rawValue)"
        }
    }
}

extension RecompressionRecipe {
    /// The payload of the extension of `kind`, if the recipe carries one.
    public func extensionPayload(_ kind: RecipeExtensionKind) -> [UInt8]? {
        extensions.first { $0.kind.rawValue == kind.rawValue }?.payload
    }

    /// Sets (or with nil, removes) the extension of `kind`, keeping the others in tag order.
    public mutating func setExtension(_ kind: RecipeExtensionKind, payload: [UInt8]?) {
        extensions.removeAll { $0.kind.rawValue == kind.rawValue }
        if let payload { extensions.append(RecipeExtension(kind: kind, payload: payload)) }
        extensions.sort { $0.kind.rawValue < $1.kind.rawValue }
    }
}

extension RecipeExtension: Codable {
    private enum CodingKeys: String, CodingKey { case tag, required, payload }

    /// JSON form: `{"tag": 1, "required": false, "payload": "<hex>"}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let tag = try container.decode(UInt64.self, forKey: .tag)
        let required = try container.decode(Bool.self, forKey: .required)
        let hex = try container.decode(String.self, forKey: .payload)
        guard let bytes = Hexadecimal.decode(hex) else {
            throw DecodingError.dataCorruptedError(
                forKey: .payload, in: container, debugDescription: "payload is not hexadecimal")
        }
        kind = RecipeExtensionKind(rawValue: tag) ?? RecipeExtensionKind(rawValue: tag, isRequired: required)
        payload = bytes
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind.rawValue, forKey: .tag)
        try container.encode(kind.isRequired, forKey: .required)
        try container.encode(Hexadecimal.encode(payload), forKey: .payload)
    }
}
