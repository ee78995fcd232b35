import ArgumentParser
import DeltaCore

/// `mkpatch manifest FILE... [--hashes LIST]`: Manifest `DIST` lines for distfiles.
struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Print Gentoo Manifest DIST lines for distfiles (size and digests of the files as they are).",
        discussion: """
            Example:
              mkpatch manifest distfiles/six-1.17.0.tar.gz >> Manifest
              DIST six-1.17.0.tar.gz 34031 BLAKE2B 31a6… SHA512 fcfa…
            """
    )

    @Argument(help: "The distfiles.")
    var files: [String]

    @Option(help: "Comma-separated hashes to list (BLAKE2B, SHA512, SHA256, MD5).")
    var hashes: String = "BLAKE2B,SHA512"

    func run() throws {
        var algorithms = [DigestAlgorithm]()
        for name in hashes.split(separator: ",") {
            guard let algorithm = DigestAlgorithm(gentooName: ReportText.trimmingSpaces(name)) else {
                throw ValidationError("unknown hash '\(name)' (known: BLAKE2B, SHA512, SHA256, MD5)")
            }
            algorithms.append(algorithm)
        }
        for file in files {
            // The bytes as they are: a Manifest never looks inside the compression.
            let name = Paths.name(of: file)
            try Console.writeResult(
                ManifestEntry(name: name, digests: try MultiDigest.digests(ofFile: file, algorithms: algorithms)).line)
        }
    }
}
