import Foundation
import Testing

/// What the tools do when standard output or standard error cannot be written (issue
/// "Never a crash, never a silent loss"): a result that cannot be written is an error with a
/// non-zero exit; progress that cannot be written never stops the work; a closed pipe kills
/// nothing.
@Suite struct OutputFailureTests {
    /// Runs a tool with one of its streams sent to `/dev/full`.
    static func runWithFullDevice(_ tool: String, _ arguments: [String], stream: Int32) throws -> (
        status: Int32, reason: Process.TerminationReason, stdout: String, stderr: String
    ) {
        let process = Process()
        process.executableURL = Binaries.productsDirectory.appendingPathComponent(tool)
        process.arguments = arguments
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let capture = Pipe()
        if stream == 1 {
            process.standardOutput = full
            process.standardError = capture
        } else {
            process.standardOutput = capture
            process.standardError = full
        }
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = capture.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let captured = String(decoding: text, as: UTF8.self)
        return (
            process.terminationStatus, process.terminationReason, stream == 1 ? "" : captured,
            stream == 1 ? captured : ""
        )
    }

    /// Runs a tool whose standard output is a pipe nobody reads: its read end is closed first.
    static func runWithClosedPipe(_ tool: String, _ arguments: [String]) throws -> (
        status: Int32, reason: Process.TerminationReason, stderr: String
    ) {
        let process = Process()
        process.executableURL = Binaries.productsDirectory.appendingPathComponent(tool)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        try output.fileHandleForReading.close()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try output.fileHandleForWriting.close()
        let text = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason, String(decoding: text, as: UTF8.self))
    }

    static let resultCommands: [(String, [String])] = [
        ("mkpatch", ["manifest", Binaries.testdata("six-1.17.0.tar.gz")]),
        ("mkpatch", ["inspect", Binaries.testdata("six-1.17.0.tar.gz"), "--json"]),
        ("mkpatch", ["inspect", Binaries.testdata("six-1.17.0.tar.gz")]),
    ]

    @Test(arguments: resultCommands.indices)
    func aResultWrittenToAFullDiskFailsLoudly(index: Int) throws {
        let (tool, arguments) = Self.resultCommands[index]
        let run = try Self.runWithFullDevice(tool, arguments, stream: 1)
        #expect(run.reason == .exit, "\(tool) \(arguments): killed by a signal")
        #expect(run.status != 0, "\(tool) \(arguments) exited 0 with its output lost")
        #expect(run.stderr.contains("No space left on device"), "\(run.stderr)")
    }

    @Test(arguments: resultCommands.indices)
    func aResultWrittenToAClosedPipeFailsWithoutASignal(index: Int) throws {
        let (tool, arguments) = Self.resultCommands[index]
        let run = try Self.runWithClosedPipe(tool, arguments)
        #expect(run.reason == .exit, "\(tool) \(arguments): killed by a signal")
        #expect(run.status != 0)
        #expect(run.stderr.contains("Broken pipe"), "\(run.stderr)")
    }

    @Test func planJSONToAFullDiskFails() throws {
        let fixture = try PlanFixture()
        defer { fixture.remove() }
        let run = try Self.runWithFullDevice(
            "deltafetch",
            [
                "plan", "six-1.17.0.tar.gz", "--distdir", fixture.distdir, "--patches", fixture.patches,
                "--manifest", fixture.manifest, "--json",
            ], stream: 1)
        #expect(run.reason == .exit)
        #expect(run.status != 0)
        #expect(run.stderr.contains("No space left on device"), "\(run.stderr)")
    }

    /// Portage's log on a full disk must not cost the user the distfile.
    @Test func aFetchWhoseProgressCannotBeWrittenStillFetches() throws {
        let mirror = try SixMirror()
        defer { mirror.remove() }
        let run = try Self.runWithFullDevice(
            "deltafetch", mirror.fetchArguments + ["--json", "--prefer", "bytes"], stream: 2)
        #expect(run.reason == .exit, "killed by a signal")
        #expect(run.status == 0)
        #expect(run.stdout.contains("\"action\":\"patched\""), "\(run.stdout)")
        let rebuilt = try Data(contentsOf: URL(fileURLWithPath: mirror.distdir + "/" + SixMirror.target))
        #expect(rebuilt == (try Data(contentsOf: URL(fileURLWithPath: Binaries.testdata(SixMirror.target)))))
    }

    /// The fetch's JSON result is the caller's only record of what happened: losing it is a
    /// local failure (exit 7 for a full disk), even though the file itself is in place.
    @Test func aFetchWhoseJSONCannotBeWrittenExitsWithTheDiskFullStatus() throws {
        let mirror = try SixMirror()
        defer { mirror.remove() }
        let run = try Self.runWithFullDevice(
            "deltafetch", mirror.fetchArguments + ["--json", "--prefer", "bytes"], stream: 1)
        #expect(run.reason == .exit)
        #expect(run.status == 7, "\(run.stderr)")
        #expect(run.stderr.contains("write error"), "\(run.stderr)")
    }
}
