import ArgumentParser
import DeltaCore

#if canImport(FoundationEssentials)
// FoundationEssentials only (its JSON coders): full Foundation would link ICU and add about
// 11 MB to every run's resident memory, `mkpatch apply`'s included.
import FoundationEssentials
#else
import Foundation
#endif

/// `mkpatch inspect FILE [--json]`
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a file's compression format, and the size and digests of the file and of its content.",
        discussion: """
            The format is detected from the file's magic bytes (gzip, bzip2, xz, or none), never \
            from its name. Digests are MD5, SHA256, SHA512 and BLAKE2B, as Gentoo names them, of \
            the file as it is and of its uncompressed content, computed in one pass.

            For a compressed file it also searches for the recompression recipe: the codec \
            settings (zlib or GNU gzip level, bzip2 block size, xz preset and block layout) that \
            rebuild the file byte for byte from its content. `reproducible` is true only when the \
            recipe was checked to do so; --no-recipe skips the search.

            Example:
              mkpatch inspect testdata/six-1.17.0.tar.gz --json
            """
    )

    @Argument(help: "The file to inspect.")
    var file: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(
        help: "Comma-separated digests to compute (MD5, SHA256, SHA512, BLAKE2B).",
        transform: HashList.parse)
    var hashes: [DigestAlgorithm] = DigestAlgorithm.allCases

    @Flag(help: "Skip the search for a recompression recipe (faster; `recipe` is null).")
    var noRecipe = false

    @OptionGroup var reconstruction: ReconstructionOption

    func run() throws {
        // The recipe search reads and decompresses the file on its own; run it on a worker
        // thread beside the digests so that both cores work.
        let path = file, goal = reconstruction.goal
        let search =
            noRecipe
            ? nil : BlockingWork.start { Result { try RecipeDetector.detect(path: path, reconstruction: goal) } }
        let inspection = try FileInspector.inspect(path: path, algorithms: hashes)
        let detection = inspection.format == .none ? nil : try search?.wait().get()
        if json {
            try Console.writeResult(try InspectReport(inspection, detection: detection).jsonString())
        } else {
            try Console.writeResult("file: \(file)")
            try Console.writeResult("format: \(inspection.format.rawValue)")
            try printDigests(inspection.compressed, indent: "")
            try Console.writeResult("uncompressed:")
            try printDigests(inspection.uncompressed, indent: "  ")
            if let detection {
                try Console.writeResult("reproducible: \(detection.reproducible)")
                if let bytes = detection.recipe?.extensionPayload(.deflateReconstruction)?.count {
                    try Console.writeResult(
                        "recipe kind: deflate-reconstruction (\(bytes) bytes of reconstruction data)")
                }
                if let recipe = detection.recipe {
                    try Console.writeResult(
                        "recipe: \(String(decoding: try InspectReport.encoder.encode(recipe), as: UTF8.self))")
                } else if let reason = detection.reason {
                    try Console.writeResult("recipe: none (\(reason))")
                }
            }
        }
    }

    private func printDigests(_ set: DigestSet, indent: String) throws {
        try Console.writeResult("\(indent)size: \(set.size)")
        for algorithm in DigestAlgorithm.allCases {
            if let digest = set[algorithm] { try Console.writeResult("\(indent)\(algorithm.rawValue): \(digest.hex)") }
        }
    }
}

/// The JSON shape of `mkpatch inspect --json`.
struct InspectReport: Encodable {
    struct Content: Encodable {
        var size: UInt64
        var digests: [String: String]
    }

    var format: String
    var size: UInt64
    var digests: [String: String]
    var uncompressed: Content
    /// The recompression recipe, checked to rebuild the file exactly; null when none was found
    /// (or the search was skipped).
    var recipe: RecompressionRecipe?
    /// True only when `recipe` was checked to reproduce the file byte for byte.
    var reproducible: Bool
    /// The size of the recipe's deflate reconstruction data, when it needs some (no exact
    /// recipe reproduced the file, or one of its members); such recipes are also reported as
    /// kind `deflate-reconstruction`. A file of several gzip members that all have exact
    /// recipes is kind `gzip-members` with 0 bytes. Both keys are absent for the other
    /// exact recipes.
    var reconstructionBytes: Int?
    var recipeKind: String?
    /// Why no recipe reproduces the file (the candidates tried, why reconstruction was
    /// refused); present only when the search ran and found none.
    var reason: String?

    init(_ inspection: FileInspection, detection: RecipeDetection? = nil) {
        format = inspection.format.rawValue
        size = inspection.compressed.size
        digests = Self.hexMap(inspection.compressed)
        uncompressed = Content(size: inspection.uncompressed.size, digests: Self.hexMap(inspection.uncompressed))
        recipe = detection?.recipe
        reproducible = detection?.reproducible ?? false
        reason = detection?.recipe == nil ? detection?.reason : nil
        reconstructionBytes = recipe?.deflateReconstructionBytes
        recipeKind = reconstructionBytes == nil ? nil : "deflate-reconstruction"
        if reconstructionBytes == nil, case .listed? = try? recipe?.memberLayout() {
            reconstructionBytes = 0
            recipeKind = "gzip-members"
        }
    }

    enum CodingKeys: String, CodingKey {
        case format, size, digests, uncompressed, recipe, reproducible, reason
        case recipeKind = "recipe_kind"
        case reconstructionBytes = "reconstruction_bytes"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(size, forKey: .size)
        try container.encode(digests, forKey: .digests)
        try container.encode(uncompressed, forKey: .uncompressed)
        // Always present: null rather than absent when there is no recipe.
        try container.encode(recipe, forKey: .recipe)
        try container.encode(reproducible, forKey: .reproducible)
        if let reconstructionBytes, let recipeKind {
            try container.encode(recipeKind, forKey: .recipeKind)
            try container.encode(reconstructionBytes, forKey: .reconstructionBytes)
        }
        try container.encodeIfPresent(reason, forKey: .reason)
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    static func hexMap(_ set: DigestSet) -> [String: String] {
        Dictionary(uniqueKeysWithValues: set.digests.map { ($0.key.rawValue, $0.value.hex) })
    }

    func jsonString() throws -> String {
        String(decoding: try Self.encoder.encode(self), as: UTF8.self)
    }
}
