import Foundation

/// Runs shell pipelines for comparisons with coreutils.
enum Shell {
    /// The first word a shell command prints (a digest from `sha256sum`, a count from `wc -c`).
    static func firstWord(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        return String(text.split(separator: " ").first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
