import Foundation
import Testing

@Suite struct RecompressCommandTests {
    private func inspect(_ path: String, _ extra: [String] = []) throws -> [String: Any] {
        let result = try Binaries.run("mkpatch", ["inspect", path, "--json"] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    private func decompress(_ path: String, with tool: String, to output: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(tool) -dc '\(path)' > '\(output)'"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func inspectRecipeRebuildsEveryCommittedFileExactly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recompress-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, tool) in [
            ("six-1.17.0.tar.gz", "gzip"), ("gnu-efi_3.0.15.orig.tar.bz2", "bzip2"), ("asm_9.3.orig.tar.xz", "xz"),
        ] {
            let path = Binaries.testdata(name)
            let report = try inspect(path)
            #expect(report["reproducible"] as? Bool == true, "\(name)")
            let recipe = try #require(report["recipe"] as? [String: Any], "\(name)")
            #expect(recipe["format"] as? String == tool)
            let recipePath = directory.appendingPathComponent("\(name).recipe.json").path
            try JSONSerialization.data(withJSONObject: recipe).write(to: URL(fileURLWithPath: recipePath))
            let tar = directory.appendingPathComponent("\(name).tar").path
            try decompress(path, with: tool, to: tar)
            let rebuilt = directory.appendingPathComponent(name).path
            let result = try Binaries.run("mkpatch", ["recompress", tar, "--recipe", recipePath, "-o", rebuilt])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: rebuilt)) == Data(contentsOf: URL(fileURLWithPath: path)),
                "\(name)")
        }
    }

    @Test func noRecipeFlagAndUncompressedFilesReportNull() throws {
        let skipped = try inspect(Binaries.testdata("six-1.17.0.tar.gz"), ["--no-recipe"])
        #expect(skipped["recipe"] is NSNull)
        #expect(skipped["reproducible"] as? Bool == false)
        let plain = try inspect(Binaries.testdata("ORIGINS.md"))
        #expect(plain["recipe"] is NSNull)
        #expect(plain["reproducible"] as? Bool == false)
    }

    @Test func aRebuildThatDoesNotMatchFailsAndWritesNothing() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recompress-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var recipe = try #require(try inspect(Binaries.testdata("six-1.17.0.tar.gz"))["recipe"] as? [String: Any])
        var gzip = try #require(recipe["gzip"] as? [String: Any])
        gzip["level"] = 5
        recipe["gzip"] = gzip
        let recipePath = directory.appendingPathComponent("recipe.json").path
        try JSONSerialization.data(withJSONObject: recipe).write(to: URL(fileURLWithPath: recipePath))
        let tar = directory.appendingPathComponent("six.tar").path
        try decompress(Binaries.testdata("six-1.17.0.tar.gz"), with: "gzip", to: tar)
        let output = directory.appendingPathComponent("out.tar.gz").path
        let result = try Binaries.run("mkpatch", ["recompress", tar, "--recipe", recipePath, "-o", output])
        #expect(result.status != 0)
        #expect(result.stderr.contains("does not match"))
        #expect(!FileManager.default.fileExists(atPath: output))

        let garbage = directory.appendingPathComponent("garbage.json").path
        try Data("{\"format\": 3}".utf8).write(to: URL(fileURLWithPath: garbage))
        let bad = try Binaries.run("mkpatch", ["recompress", tar, "--recipe", garbage, "-o", output])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("garbage.json"))
    }
}
