import Foundation

/// The built `deltafetch` binary, run as a separate process (for locks across processes and
/// `kill -9`).
enum DeltaFetchBinary {
    /// The build products folder: the one holding this test bundle, where SwiftPM also puts
    /// the package's executables.
    static let path: String = {
        var url = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("deltafetch").path), url.path != "/" {
            url = url.deletingLastPathComponent()
        }
        return url.appendingPathComponent("deltafetch").path
    }()

    /// Starts `deltafetch ARGUMENTS` with stdout and stderr going to files in `logDirectory`.
    ///
    /// These suites test GLEP 25's fetching (patch whenever the bytes pay), so unless the
    /// caller's environment says otherwise the runs prefer bytes (`DELTAFETCH_PREFER=bytes`):
    /// on a loopback mirror the time-aware default would rightly download every small file
    /// whole. The time-aware choice has tests of its own.
    static func start(
        _ arguments: [String], logDirectory: URL, tag: String, tool: String = "deltafetch",
        environment: [String: String]? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool == "deltafetch" ? path : product(tool))
        process.arguments = arguments
        var environment = environment ?? ProcessInfo.processInfo.environment
        if environment["DELTAFETCH_PREFER"] == nil { environment["DELTAFETCH_PREFER"] = "bytes" }
        // Time-aware plans as if the cores were free, whatever else the test run keeps busy.
        if environment["DELTAFETCH_CPU_SHARE"] == nil { environment["DELTAFETCH_CPU_SHARE"] = "1" }
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let out = logDirectory.appendingPathComponent("\(tag).out"),
            err = logDirectory.appendingPathComponent("\(tag).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return process
    }

    /// The path of another product built beside it (`mkpatch`).
    static func product(_ name: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// What a finished run printed, and its status.
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a built product (`deltafetch` by default) to the end; output goes through files,
    /// so that no pipe can fill up.
    static func run(_ arguments: [String], tool: String = "deltafetch", environment: [String: String]? = nil) throws
        -> Outcome
    {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("deltafetch-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: logs) }
        let process = try start(arguments, logDirectory: logs, tag: "run", tool: tool, environment: environment)
        process.waitUntilExit()
        let stdout = (try? String(contentsOf: logs.appendingPathComponent("run.out"), encoding: .utf8)) ?? ""
        return Outcome(status: process.terminationStatus, stdout: stdout, stderr: stderr(in: logs, tag: "run"))
    }

    /// What a finished process wrote to stderr.
    static func stderr(in logDirectory: URL, tag: String) -> String {
        (try? String(contentsOf: logDirectory.appendingPathComponent("\(tag).err"), encoding: .utf8)) ?? ""
    }
}
