/// How to rebuild a compressed file byte for byte from its uncompressed content.
///
/// A recipe is found once, when a patch is made (``RecipeDetector``), travels inside the patch
/// (``serialized()``, a few dozen bytes), and is used when the patch is applied
/// (``makeEncoder()`` or ``Recompressor``). It records the codec library and version it was
/// found with: a different version may compress differently, which is why ``target`` lets the
/// output be checked rather than trusted.
public struct RecompressionRecipe: Hashable, Sendable, Codable {
    /// The container format.
    public var format: CompressionFormat
    /// The library (and version) whose output the recipe reproduced.
    public var library: CodecLibrary
    /// The settings for ``CompressionFormat/gzip``.
    public var gzip: GzipRecipe?
    /// The settings for ``CompressionFormat/bzip2``.
    public var bzip2: Bzip2Recipe?
    /// The settings for ``CompressionFormat/xz``.
    public var xz: XZRecipe?
    /// Zero bytes after the compressed stream (tar's block padding); 0 when the file ends in
    /// other bytes (``trailingBytes``).
    public var trailingZeroBytes: UInt64
    /// The size and SHA256 of the file the recipe must rebuild, when known.
    public var target: RecipeTarget?
    /// Parts beyond the base settings (restart points, other deflate producers …), in tag
    /// order; empty for the recipes of binary version 1. See ``RecipeExtension``.
    public var extensions: [RecipeExtension] = []

    /// A recipe with the given parts; exactly the part matching `format` should be set.
    public init(
        format: CompressionFormat, library: CodecLibrary, gzip: GzipRecipe? = nil, bzip2: Bzip2Recipe? = nil,
        xz: XZRecipe? = nil, trailingZeroBytes: UInt64 = 0, target: RecipeTarget? = nil,
        extensions: [RecipeExtension] = []
    ) {
        self.format = format
        self.library = library
        self.gzip = gzip
        self.bzip2 = bzip2
        self.xz = xz
        self.trailingZeroBytes = trailingZeroBytes
        self.target = target
        self.extensions = extensions
    }

    private enum CodingKeys: String, CodingKey {
        case format, library, gzip, bzip2, xz, trailingZeroBytes, target, extensions
    }

    /// Reads the JSON form; `extensions` may be absent (recipes written before version 2).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(CompressionFormat.self, forKey: .format)
        library = try container.decode(CodecLibrary.self, forKey: .library)
        gzip = try container.decodeIfPresent(GzipRecipe.self, forKey: .gzip)
        bzip2 = try container.decodeIfPresent(Bzip2Recipe.self, forKey: .bzip2)
        xz = try container.decodeIfPresent(XZRecipe.self, forKey: .xz)
        trailingZeroBytes = try container.decode(UInt64.self, forKey: .trailingZeroBytes)
        target = try container.decodeIfPresent(RecipeTarget.self, forKey: .target)
        extensions = try container.decodeIfPresent([RecipeExtension].self, forKey: .extensions) ?? []
    }

    /// Writes the JSON form; `extensions` only when there are any.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(library, forKey: .library)
        try container.encodeIfPresent(gzip, forKey: .gzip)
        try container.encodeIfPresent(bzip2, forKey: .bzip2)
        try container.encodeIfPresent(xz, forKey: .xz)
        try container.encode(trailingZeroBytes, forKey: .trailingZeroBytes)
        try container.encodeIfPresent(target, forKey: .target)
        if !extensions.isEmpty { try container.encode(extensions, forKey: .extensions) }
    }
}

/// A codec implementation and its version, as recorded in a recipe.
public struct CodecLibrary: Hashable, Sendable, Codable {
    /// `zlib`, `libbz2`, `liblzma`, or `deltafetch-gnu-deflate` (our GNU gzip compatible deflate).
    public var name: String
    /// The version string the library reports (`zlibVersion()` and the like).
    public var version: String

    /// A library name and version.
    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }
}

/// What a recipe must rebuild: lets a rebuild be verified on its own.
public struct RecipeTarget: Hashable, Sendable, Codable {
    /// The compressed file's size in bytes.
    public var size: UInt64
    /// The compressed file's SHA256, lowercase hex.
    public var sha256: String

    /// A target size and digest.
    public init(size: UInt64, sha256: String) {
        self.size = size
        self.sha256 = sha256
    }
}

/// Which deflate implementation made a gzip member.
public enum DeflateImplementation: String, Hashable, Sendable, Codable {
    /// zlib's `deflate` (Python's gzip and tarfile, most libraries).
    case zlib
    /// GNU gzip 1.x's own deflate (`gzip`, `tar czf`, `make dist`), reproduced by ``GNUDeflateEncoder``.
    case gnuGzip = "gnu-gzip"
    /// Go's `compress/flate` (`compress/gzip`, Go's release tarballs, tools written in Go),
    /// reproduced by ``GoFlateEncoder``. Always with a ``DeflateProducer/goFlate(generation:)``
    /// extension, which is what the binary form records (see ``RecompressionRecipe/serialized()``).
    case goFlate = "go-flate"
    /// Rust's miniz_oxide (`flate2`'s default: maturin's sdists, Rust tools), reproduced by
    /// ``MinizDeflateEncoder``; always with a ``DeflateProducer/minizOxide(generation:)`` extension.
    case minizOxide = "miniz-oxide"
    /// zlib-ng (Python linked against it: Fedora's zlib-ng-compat, PyPI's `zlib-ng`),
    /// reproduced by ``ZlibNGDeflateEncoder``; always with a
    /// ``DeflateProducer/zlibNG(generation:writeSize:)`` extension.
    case zlibNG = "zlib-ng"
    /// libdeflate (`libdeflate-gzip`, and programs that link libdeflate), reproduced by
    /// ``LibdeflateDeflateEncoder``; always with a ``DeflateProducer/libdeflate(generation:)``
    /// extension.
    case libdeflate = "libdeflate"

    /// Whether the deflater is recorded by its deflate-producer extension, the base settings
    /// holding zlib's code (see ``RecompressionRecipe/serialized()``).
    var isProducerRecorded: Bool {
        self == .goFlate || self == .minizOxide || self == .zlibNG || self == .libdeflate
    }
}

/// How a single-member gzip file was made.
public struct GzipRecipe: Hashable, Sendable, Codable {
    /// The member header, field by field (including the XFL byte as found).
    public var header: GzipHeader
    /// The deflate implementation.
    public var deflater: DeflateImplementation
    /// The compression level, 1 to 9 (0 is stored, zlib and Go only).
    public var level: Int
    /// zlib's memLevel (1 to 9); nil for GNU gzip and Go.
    public var memLevel: Int?
    /// zlib's strategy; nil for GNU gzip. For Go, ``DeflateStrategy/huffmanOnly`` (with level 0)
    /// is Go's level -2 (`HuffmanOnly`); nil otherwise.
    public var strategy: DeflateStrategy?

    /// A gzip recipe.
    public init(
        header: GzipHeader, deflater: DeflateImplementation, level: Int, memLevel: Int? = nil,
        strategy: DeflateStrategy? = nil
    ) {
        self.header = header
        self.deflater = deflater
        self.level = level
        self.memLevel = memLevel
        self.strategy = strategy
    }
}

/// How a bzip2 file was made.
public struct Bzip2Recipe: Hashable, Sendable, Codable {
    /// 1 to 9 (hundreds of kB), as the digit after `BZh`.
    public var blockSize: Int
    /// libbz2's work factor (0 for its default).
    public var workFactor: Int

    /// A bzip2 recipe.
    public init(blockSize: Int, workFactor: Int = 0) {
        self.blockSize = blockSize
        self.workFactor = workFactor
    }
}

/// How an xz file was made.
public struct XZRecipe: Hashable, Sendable, Codable {
    /// 0 to 9.
    public var preset: Int
    /// `xz -e`.
    public var extreme: Bool
    /// The stream's integrity check.
    public var check: XZCheck
    /// Nil for one block (single-threaded `xz`); otherwise the uncompressed size of each block.
    public var blockSize: UInt64?
    /// Whether the multi-threaded encoder (`xz -T N`, sizes in block headers) cut the blocks,
    /// rather than single-threaded `xz --block-size`.
    public var threaded: Bool

    /// An xz recipe.
    public init(preset: Int, extreme: Bool, check: XZCheck, blockSize: UInt64? = nil, threaded: Bool? = nil) {
        self.preset = preset
        self.extreme = extreme
        self.check = check
        self.blockSize = blockSize
        self.threaded = threaded ?? (blockSize != nil)
    }
}
