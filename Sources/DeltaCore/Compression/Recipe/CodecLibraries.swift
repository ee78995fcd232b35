internal import CBZip2
internal import CLZMA
internal import CZlib

extension CodecLibrary {
    /// The zlib this process is linked with (`zlibVersion()`).
    public static var zlib: CodecLibrary { CodecLibrary(name: "zlib", version: String(cString: zlibVersion())) }
    /// The libbz2 this process is linked with (`BZ2_bzlibVersion()`).
    public static var libbz2: CodecLibrary {
        CodecLibrary(name: "libbz2", version: String(cString: BZ2_bzlibVersion()))
    }
    /// The liblzma this process is linked with (`lzma_version_string()`).
    public static var liblzma: CodecLibrary {
        CodecLibrary(name: "liblzma", version: String(cString: lzma_version_string()))
    }
    /// Our GNU gzip compatible deflate; the version names the gzip release it reproduces and
    /// changes whenever its output could.
    public static var gnuDeflate: CodecLibrary {
        CodecLibrary(name: "deltafetch-gnu-deflate", version: GNUDeflateEncoder.compatibilityVersion)
    }
    /// Our Go `compress/flate` compatible deflate; the version names the Go releases whose
    /// output it reproduces and changes whenever its output could.
    public static var goFlate: CodecLibrary {
        CodecLibrary(name: "deltafetch-go-flate", version: GoFlateEncoder.compatibilityVersion)
    }
    /// Our miniz_oxide compatible deflate; the version names the miniz_oxide releases whose
    /// output it reproduces and changes whenever its output could.
    public static var minizOxide: CodecLibrary {
        CodecLibrary(name: "deltafetch-miniz-oxide", version: MinizDeflateEncoder.compatibilityVersion)
    }

    /// Our zlib-ng compatible deflate at its newest generation; the version names the zlib-ng
    /// releases whose output it reproduces and changes whenever its output could.
    public static var zlibNG: CodecLibrary { zlibNG(generation: .zlibNG22) }

    /// Our zlib-ng compatible deflate at an encoder generation.
    public static func zlibNG(generation: ZlibNGGeneration) -> CodecLibrary {
        CodecLibrary(name: "deltafetch-zlib-ng", version: generation.compatibilityVersion)
    }

    /// Our libdeflate compatible deflate; the version names the libdeflate releases whose
    /// output it reproduces and changes whenever its output could.
    public static var libdeflate: CodecLibrary {
        CodecLibrary(name: "deltafetch-libdeflate", version: LibdeflateDeflateEncoder.compatibilityVersion)
    }

    /// The library this build would use for `recipe`.
    static func local(for recipe: RecompressionRecipe) -> CodecLibrary {
        switch recipe.format {
        case .gzip where recipe.usesDeflateReconstruction: .deflateReconstruction
        case .gzip:
            switch recipe.gzip?.deflater {
            case .gnuGzip?: .gnuDeflate
            case .goFlate?: .goFlate
            case .minizOxide?: .minizOxide
            case .zlibNG?:
                if case let .zlibNG(number, _)? = try? recipe.deflateProducer(),
                    let generation = ZlibNGGeneration(rawValue: number)
                {
                    .zlibNG(generation: generation)
                } else {
                    .zlibNG
                }
            case .libdeflate?: .libdeflate
            case .zlib?, nil: .zlib
            }
        case .bzip2: .libbz2
        case .xz: .liblzma
        case .none: CodecLibrary(name: "none", version: "")
        }
    }
}

extension RecompressionRecipe {
    /// The library this build uses to follow the recipe; differs from ``library`` when the
    /// recipe was found with another version.
    public var localLibrary: CodecLibrary { CodecLibrary.local(for: self) }

    /// The required extension kinds ``makeEncoder()`` follows; a recipe with any other
    /// required extension is refused rather than rebuilt wrong.
    static let encoderExtensionKinds: Set<RecipeExtensionKind> = [
        .deflateProducer, .deflateReconstruction, .memberLayout, .trailingBytes,
    ]

    /// An encoder that follows the recipe: feed it the uncompressed content, and it produces
    /// the compressed file (its trailer, zero padding or other bytes, included). `threads` is for liblzma's
    /// multi-threaded encoder (`xz -T` recipes), whose output does not depend on it.
    /// - Throws: ``RecipeError/unsupported(_:)`` when the recipe lacks its format's settings
    ///   or needs an extension this build does not follow,
    ///   or ``CompressionError/invalidSettings(_:detail:)``.
    public func makeEncoder(threads: Int = Recompressor.defaultJobs) throws -> any StreamEncoder {
        if let unknown = extensions.first(where: { $0.isRequired && !Self.encoderExtensionKinds.contains($0.kind) }) {
            throw RecipeError.unsupported("the recipe needs \(unknown.kind), which this build cannot follow")
        }
        let producer = try deflateProducer()
        let encoder: any StreamEncoder
        switch format {
        case .gzip:
            guard let gzip else { throw RecipeError.unsupported("gzip recipe without gzip settings") }
            encoder = try memberEncoder {
                GzipMemberEncoder(
                    header: gzip.header,
                    deflater: try extensionPayload(.deflateReconstruction).map {
                        DeflateReconstructionEncoder(payload: $0)
                    }
                        ?? gzip.makeDeflater(producer: producer))
            }
        case .bzip2:
            guard let bzip2 else { throw RecipeError.unsupported("bzip2 recipe without bzip2 settings") }
            encoder = try memberEncoder { try Bzip2Encoder(blockSize: bzip2.blockSize, workFactor: bzip2.workFactor) }
        case .xz:
            guard let xz else { throw RecipeError.unsupported("xz recipe without xz settings") }
            if let blockSize = xz.blockSize, xz.threaded {
                encoder = try XZEncoder(
                    preset: xz.preset, extreme: xz.extreme, check: xz.check, blockSize: blockSize,
                    threads: max(1, threads))
            } else {
                encoder = try XZEncoder(
                    preset: xz.preset, extreme: xz.extreme, check: xz.check, flushingEvery: xz.blockSize)
            }
        case .none:
            throw RecipeError.unsupported("an uncompressed file needs no recipe")
        }
        return trailer.isEmpty ? encoder : TrailerAppendingEncoder(encoder, trailer: trailer)
    }

    /// One member from `makeMember`, or several back to back as the recipe's member layout says.
    private func memberEncoder(_ makeMember: @escaping () throws -> any StreamEncoder) throws -> any StreamEncoder {
        switch try memberLayout() {
        case nil: try makeMember()
        case let .uniform(memberSize)?:
            MemberSplitEncoder(format: format, memberSize: memberSize, makeMember: makeMember)
        case let .listed(list)? where format == .gzip:
            GzipMemberListEncoder(list)
        case .listed?:
            throw RecipeError.unsupported("listed members in a \(format) recipe")
        }
    }
}

extension GzipRecipe {
    /// The level as Go numbers it: -2 for HuffmanOnly (level 0 with the Huffman-only strategy).
    var goLevel: Int { strategy == .huffmanOnly && level == 0 ? -2 : level }

    /// The raw deflate encoder for these settings, made by `producer` when there is one.
    /// - Throws: ``RecipeError/unsupported(_:)`` when the producer does not go with the
    ///   deflater, or ``CompressionError/invalidSettings(_:detail:)``.
    func makeDeflater(producer: DeflateProducer?) throws -> any StreamEncoder {
        switch (deflater, producer) {
        case (.zlib, nil):
            return try GzipEncoder(rawLevel: level, memLevel: memLevel ?? 8, strategy: strategy ?? .default)
        case (.gnuGzip, nil):
            return try GNUDeflateEncoder(level: level)
        case (.gnuGzip, .gnuRsyncable?):
            return try GNUDeflateEncoder(level: level, rsyncable: true)
        case (.gnuGzip, .gnuUnzeroedEnd?):
            return try GNUDeflateEncoder(level: level, variant: .unzeroedEnd)
        case let (.zlib, .pigz(blockSize, independent)?) where (memLevel ?? 8) == 8:
            return try PigzDeflateEncoder(
                level: level, strategy: strategy ?? .default, blockSize: blockSize, independent: independent)
        case (.goFlate, nil), (.goFlate, .goFlate?):
            return try GoFlateEncoder(level: goLevel)
        case (.minizOxide, nil), (.minizOxide, .minizOxide?):
            return try MinizDeflateEncoder(level: level)
        case (.zlibNG, nil):
            return try ZlibNGDeflateEncoder(level: level)
        case let (.zlibNG, .zlibNG(generation, writeSize)?):
            return try ZlibNGDeflateEncoder(level: level, writeSize: writeSize, generation: generation)
        case (.libdeflate, nil), (.libdeflate, .libdeflate?):
            return try LibdeflateDeflateEncoder(level: level)
        case let (_, producer?):
            throw RecipeError.unsupported("\(producer) with the \(deflater.rawValue) deflater")
        }
    }
}
