import ArgumentParser
import DeltaCore

/// `mkpatch diff OLD NEW -o PATCH`
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a native patch that turns OLD into NEW.",
        discussion: """
            OLD and NEW are diffed by their uncompressed content: a gzip, bzip2 or xz input \
            (detected by its magic bytes) is decompressed first, so `mkpatch diff a.tar.gz \
            b.tar.xz` works; --no-decompress diffs the files' bytes exactly as they are. The \
            patch records the sizes, SHA-256 and BLAKE2b digests of both contents, and `mkpatch \
            apply` refuses any other base. The patch is written atomically: on any error no file \
            is left at PATCH.

            Example:
              mkpatch diff Django-5.0.6.tar Django-5.0.7.tar -o Django-5.0.6-5.0.7.dfpatch
            """
    )

    @Argument(help: "The old (base) file.")
    var old: String

    @Argument(help: "The new (target) file.")
    var new: String

    @Option(name: .shortAndLong, help: "Where to write the patch.")
    var output: String

    @Flag(help: "Diff the files' bytes as they are, even when they are compressed.")
    var noDecompress = false

    @Option(help: "Threads to use (1 or 2).")
    var threads = 2

    @Flag(help: "LZMA2 extreme mode: slower, sometimes a little smaller.")
    var extreme = false

    func run() throws {
        let summary = try FileDiffer.diff(
            oldPath: old, newPath: new, outputPath: output, decompressInputs: !noDecompress,
            options: DiffOptions(threads: threads, extreme: extreme))
        try Console.writeResult(
            "\(output): \(summary.patchSize) bytes (\(summary.old.size) -> \(summary.new.size) bytes)")
    }
}
