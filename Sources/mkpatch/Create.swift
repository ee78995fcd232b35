import ArgumentParser
import DeltaCore

#if canImport(FoundationEssentials)
// FoundationEssentials only (its JSON coders): full Foundation would link ICU and add about
// 11 MB to every run's resident memory, `mkpatch apply`'s included.
import FoundationEssentials
#else
import Foundation
#endif

/// `mkpatch create OLD NEW [-o DIR] [--list PATCHLIST] [--url-base URL] [--hashes LIST] [--reconstruction fast|small]`
struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a patch between two distfiles, prove it, publish it, and list it (GLEP 25).",
        discussion: """
            Decompresses both distfiles, diffs their contents, finds the recipe that rebuilds the \
            new distfile bit for bit and stores it in the patch with the new file's compressed size \
            and digests. Before publishing anything it applies the patch and recompresses, and \
            checks that the new distfile comes back byte for byte. The patch is written to DIR as \
            <old-stem>-<new-version><ending>.patch (six-1.16.0-1.17.0.tar.gz.patch, after GLEP 25's \
            kdelibs-3.1.4-3.1.5 style, keeping the archive ending); with --list its \
            line is added to the patch list, replacing any stale line for the same pair, and the \
            list is rewritten atomically, sorted, comments kept.

            When no recipe rebuilds the new distfile exactly, the patch and line are still written \
            and the exit status is 0, with a warning: clients verify the uncompressed content and \
            record an alternate digest (GLEP 25 "Compressed MD5sums").

            Example:
              mkpatch create distfiles/six-1.16.0.tar.gz distfiles/six-1.17.0.tar.gz \\
                  -o patches --list patches/patches --url-base https://mirror.example/patches
            """
    )

    @Argument(help: "The old distfile (the base clients already have).")
    var old: String

    @Argument(help: "The new distfile.")
    var new: String

    @Option(name: .shortAndLong, help: "The directory to write the patch to.")
    var output = "."

    @Option(help: "A GLEP 25 patch list to add the patch's line to (created if missing).")
    var list: String?

    @Option(help: "Name the patch in the list by URL: this prefix, a slash, the patch's name.")
    var urlBase: String?

    @Option(help: "Comma-separated hashes for the list line (default MD5,BLAKE2B,SHA512).", transform: HashList.parse)
    var hashes: [DigestAlgorithm] = [.md5, .blake2b, .sha512]

    @Option(help: "Threads for the differ (1 or 2).")
    var threads = 2

    @OptionGroup var reconstruction: ReconstructionOption

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        try FileSystem.createDirectory(output, intermediates: true)
        let creation = try PatchCreator.create(
            oldPath: old, newPath: new, outputDirectory: output,
            options: PatchCreationOptions(
                hashes: hashes, urlBase: urlBase, diff: DiffOptions(threads: threads),
                reconstruction: reconstruction.goal))
        let listChanged = try list.map { try PatchCreator.record(creation.entry, inList: $0) }
        if let reason = creation.notReproducibleReason {
            Console.writeDiagnostic(
                """
                mkpatch: warning: \(new) cannot be rebuilt bit for bit (\(reason)); the patch is published, \
                and clients will verify its content and record an alternate digest
                """)
        }
        let line = try creation.entry.line()
        if json {
            let report = CreateReport(
                patch: creation.patchPath, size: creation.patchSize, newSize: creation.newFile.size,
                reproducible: creation.recipe != nil, line: line, listChanged: listChanged)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try Console.writeResult(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            let percent =
                creation.newFile.size == 0 ? 0 : Double(creation.patchSize) * 100 / Double(creation.newFile.size)
            try Console.writeResult(
                "\(creation.patchPath): \(creation.patchSize) bytes, \(ReportText.fixed(percent, decimals: 2))% of \(new)"
            )
            try Console.writeResult("reproducible: \(creation.recipe != nil ? "yes, bit for bit (checked)" : "no")")
            if let list {
                try Console.writeResult("\(list): \(listChanged == true ? "updated" : "already up to date")")
            }
            try Console.writeResult(line)
        }
    }
}

/// The JSON shape of `mkpatch create --json`.
struct CreateReport: Encodable {
    var patch: String
    var size: UInt64
    var newSize: UInt64
    var reproducible: Bool
    var line: String
    var listChanged: Bool?

    enum CodingKeys: String, CodingKey {
        case patch, size, reproducible, line
        case newSize = "new_size"
        case listChanged = "list_changed"
    }
}
