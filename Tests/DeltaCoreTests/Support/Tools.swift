import Foundation

/// Runs system tools (gzip, xz, bsdiff, …) for interop tests.
enum Tools {
    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: Data
    }

    /// Whether `name` is on the PATH.
    static func available(_ name: String) -> Bool {
        (try? run("/bin/sh", ["-c", "command -v \(name)"]).status) == 0
    }

    /// Runs `executable` with `arguments`, feeding `input` on stdin; waits and collects output.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], input: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        // Read both pipes concurrently with writing stdin so that no pipe fills and blocks.
        let group = DispatchGroup()
        nonisolated(unsafe) var out = Data(), err = Data()
        DispatchQueue.global().async(group: group) { out = stdout.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { err = stderr.fileHandleForReading.readDataToEndOfFile() }
        if let input {
            stdin.fileHandleForWriting.write(input)
            try stdin.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        group.wait()
        return Result(status: process.terminationStatus, stdout: out, stderr: err)
    }
}
