import ArgumentParser
import DeltaCore

/// `mkpatch`: the maintainers' and mirrors' tool. Each subcommand lives in its own file.
///
/// Synchronous on purpose: with no Swift task there is no libdispatch worker pool, whose
/// monitor reads `/proc/self/task/…/stat` every second and kills the process (SIGILL) when
/// that `open` fails, as it does when file descriptors run out (found by the fault soak).
/// Parallel work runs on ``BlockingWork``'s own threads.
@main
struct MkPatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mkpatch",
        abstract: "Make, inspect and apply binary patches between source tarball versions.",
        discussion: """
            mkpatch works on the uncompressed contents of tarballs (gzip, bzip2, xz or plain), \
            so patches stay small whatever compressor upstream used. See README.md and docs/.
            """,
        version: DeltaCoreVersion.string,
        subcommands: [
            Inspect.self, Create.self, Verify.self, Rebuild.self, Diff.self, Apply.self, Recompress.self,
            ManifestCommand.self, Batch.self, Index.self, Prune.self,
        ]
    )

    /// Runs the command with `SIGPIPE` ignored: a closed pipe then fails the result's write,
    /// which is reported and exits non-zero, like a full disk.
    static func main() {
        Console.ignoreBrokenPipes()
        main(nil)
    }
}
