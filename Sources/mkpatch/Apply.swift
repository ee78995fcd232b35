import ArgumentParser
import DeltaCore

/// `mkpatch apply OLD PATCH -o NEW`
struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply PATCH to OLD and write the result.",
        discussion: """
            PATCH may be a native patch, or one wrapped whole in gzip, bzip2 or xz (as GLEP 25's \
            .patch.bz2 files are). OLD may be the compressed tarball whose content the patch was \
            made from. The base's digest is checked before applying and the result's after; the \
            output is written atomically, so on any error no file is left at NEW.

            Example:
              mkpatch apply Django-5.0.6.tar Django-5.0.6-5.0.7.dfpatch -o Django-5.0.7.tar
            """
    )

    @Argument(help: "The old (base) file.")
    var old: String

    @Argument(help: "The patch.")
    var patch: String

    @Option(name: .shortAndLong, help: "Where to write the new file.")
    var output: String

    func run() throws {
        let application = try PatchFileApplier.apply(basePath: old, patchPath: patch, outputPath: output)
        try Console.writeResult("\(output): \(application.result.size) bytes, verified")
    }
}
