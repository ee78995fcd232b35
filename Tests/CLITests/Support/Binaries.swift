import Foundation

/// Runs the built `mkpatch` and `deltafetch` binaries as a user would.
enum Binaries {
    /// The build products folder: the one holding this test bundle, where SwiftPM also puts
    /// the package's executables.
    static let productsDirectory: URL = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var url = exe.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("mkpatch").path),
            url.path != "/"
        {
            url = url.deletingLastPathComponent()
        }
        return url
    }()

    /// The repository root, found from this source file's location.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A file in `testdata/`.
    static func testdata(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("testdata").appendingPathComponent(name).path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tool` (`mkpatch` or `deltafetch`) with `arguments` and collects what it printed.
    ///
    /// Unless the environment says otherwise, runs prefer bytes (`DELTAFETCH_PREFER=bytes`,
    /// GLEP 25's rule): these tests are about chains and patches, and on six-sized files the
    /// time-aware default rightly downloads whole. The time-aware choice has tests of its own.
    static func run(_ tool: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent(tool)
        process.arguments = arguments
        var environment = environment ?? ProcessInfo.processInfo.environment
        if environment["DELTAFETCH_PREFER"] == nil { environment["DELTAFETCH_PREFER"] = "bytes" }
        // Time-aware plans as if the cores were free, whatever else the test run keeps busy.
        if environment["DELTAFETCH_CPU_SHARE"] == nil { environment["DELTAFETCH_CPU_SHARE"] = "1" }
        process.environment = environment
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var out = Data(), err = Data()
        DispatchQueue.global().async(group: group) { out = stdout.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { err = stderr.fileHandleForReading.readDataToEndOfFile() }
        process.waitUntilExit()
        group.wait()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }
}
