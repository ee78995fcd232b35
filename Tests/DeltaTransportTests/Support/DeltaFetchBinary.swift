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
    static func start(_ arguments: [String], logDirectory: URL, tag: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let out = logDirectory.appendingPathComponent("\(tag).out"), err = logDirectory.appendingPathComponent("\(tag).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return process
    }

    /// What a finished process wrote to stderr.
    static func stderr(in logDirectory: URL, tag: String) -> String {
        (try? String(contentsOf: logDirectory.appendingPathComponent("\(tag).err"), encoding: .utf8)) ?? ""
    }
}
