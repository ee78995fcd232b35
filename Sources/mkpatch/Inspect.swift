import ArgumentParser
import DeltaCore
import Foundation

/// `mkpatch inspect FILE [--json]`
struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a file's compression format, and the size and digests of the file and of its content.",
        discussion: """
            The format is detected from the file's magic bytes (gzip, bzip2, xz, or none), never \
            from its name. Digests are MD5, SHA256, SHA512 and BLAKE2B, as Gentoo names them, of \
            the file as it is and of its uncompressed content, computed in one pass.

            Example:
              mkpatch inspect testdata/six-1.17.0.tar.gz --json
            """
    )

    @Argument(help: "The file to inspect.")
    var file: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: "Comma-separated digests to compute (MD5, SHA256, SHA512, BLAKE2B).",
            transform: HashList.parse)
    var hashes: [DigestAlgorithm] = DigestAlgorithm.allCases

    func run() async throws {
        let inspection = try FileInspector.inspect(path: file, algorithms: hashes)
        if json {
            print(try InspectReport(inspection).jsonString())
        } else {
            print("file: \(file)")
            print("format: \(inspection.format.rawValue)")
            printDigests(inspection.compressed, indent: "")
            print("uncompressed:")
            printDigests(inspection.uncompressed, indent: "  ")
        }
    }

    private func printDigests(_ set: DigestSet, indent: String) {
        print("\(indent)size: \(set.size)")
        for algorithm in DigestAlgorithm.allCases {
            if let digest = set[algorithm] { print("\(indent)\(algorithm.rawValue): \(digest.hex)") }
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

    init(_ inspection: FileInspection) {
        format = inspection.format.rawValue
        size = inspection.compressed.size
        digests = Self.hexMap(inspection.compressed)
        uncompressed = Content(size: inspection.uncompressed.size, digests: Self.hexMap(inspection.uncompressed))
    }

    static func hexMap(_ set: DigestSet) -> [String: String] {
        Dictionary(uniqueKeysWithValues: set.digests.map { ($0.key.rawValue, $0.value.hex) })
    }

    func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
