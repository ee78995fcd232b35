#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way the command-line tools write to standard output and standard error.
///
/// Two kinds of text, two rules, as coreutils have them:
/// - **Results** (``writeResult(_:)``: Manifest lines, patch lists, `--json`) must arrive
///   whole: a failed write (a full disk, a closed pipe) throws, and the command exits non-zero
///   instead of letting a script believe it succeeded.
/// - **Diagnostics** (``writeDiagnostic(_:)``: progress, warnings) never stop the work: a
///   fetch whose log sits on a full disk still fetches. Failures are dropped.
///
/// Both write straight to the file descriptor with `write(2)`, unbuffered, retrying after
/// `EINTR` and short writes, so nothing is left in a buffer to be lost at exit and nothing
/// traps (Foundation's non-throwing `FileHandle.write` does, on a full disk).
public enum Console {
    /// Writes `text` and a newline to standard output, all of it.
    /// - Throws: ``FileSystemError`` (operation `write`, path `standard output`) with the `errno`.
    public static func writeResult(_ text: String) throws(FileSystemError) {
        try write(text + "\n", to: STDOUT_FILENO, name: "standard output")
    }

    /// Writes `text` and a newline to standard error, dropping any failure.
    public static func writeDiagnostic(_ text: String) {
        writeDiagnostic(raw: text + "\n")
    }

    /// Writes `text` as it is (a redrawn status line, say) to standard error, dropping any failure.
    public static func writeDiagnostic(raw text: String) {
        try? write(text, to: STDERR_FILENO, name: "standard error")
    }

    /// Whether standard error is a terminal (redrawn status lines only make sense there).
    public static var diagnosticsAreInteractive: Bool { isatty(STDERR_FILENO) == 1 }

    /// Makes writes to a closed pipe fail with `EPIPE` instead of killing the process with
    /// `SIGPIPE`: a closed progress pipe must not abandon a fetch, and a closed result pipe
    /// is then reported like any other failed write. Call once, first thing in `main`.
    public static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Writes every byte of `text` to `descriptor`, named `name` in errors. The corresponding
    /// C function is `write`.
    public static func write(_ text: String, to descriptor: Int32, name: String) throws(FileSystemError) {
        var text = text
        let file = FileDescriptor(rawValue: descriptor, path: name)
        try text.withUTF8 { bytes in
            Result { () throws(FileSystemError) in try file.writeAll(UnsafeRawBufferPointer(bytes)) }
        }.get()
    }
}
