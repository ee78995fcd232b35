import Foundation
import Testing

@Suite struct InspectCommandTests {
    @Test func jsonMatchesCoreutilsForEveryFormat() throws {
        for (name, decompressor) in [
            ("six-1.17.0.tar.gz", "gzip"), ("gnu-efi_3.0.15.orig.tar.bz2", "bzip2"),
            ("asm_9.3.orig.tar.xz", "xz"),
        ] {
            let path = Binaries.testdata(name)
            let result = try Binaries.run("mkpatch", ["inspect", path, "--json", "--no-recipe"])
            #expect(result.status == 0, "\(result.stderr)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(object["format"] as? String == decompressor)
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
            #expect(object["size"] as? Int == size)
            let digests = try #require(object["digests"] as? [String: String])
            let content = try #require(object["uncompressed"] as? [String: Any])
            let contentDigests = try #require(content["digests"] as? [String: String])
            for (key, tool) in [
                ("MD5", "md5sum"), ("SHA256", "sha256sum"), ("SHA512", "sha512sum"), ("BLAKE2B", "b2sum"),
            ] {
                let fileDigest = try shell("\(tool) < '\(path)'")
                let contentDigest = try shell("\(decompressor) -dc '\(path)' | \(tool)")
                #expect(digests[key] == fileDigest, "\(name) \(key)")
                #expect(contentDigests[key] == contentDigest, "\(name) uncompressed \(key)")
            }
            let contentSize = try shell("\(decompressor) -dc '\(path)' | wc -c")
            #expect(content["size"] as? Int == Int(contentSize))
        }
    }

    @Test func corruptInputFailsWithTheFileNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: Binaries.testdata("six-1.17.0.tar.gz")))
        bytes = bytes.prefix(bytes.count / 2)
        let truncated = directory.appendingPathComponent("truncated.tar.gz").path
        try bytes.write(to: URL(fileURLWithPath: truncated))
        let result = try Binaries.run("mkpatch", ["inspect", truncated, "--json"])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("truncated.tar.gz"))
        #expect(result.stderr.contains("truncated"))

        let missing = try Binaries.run("mkpatch", ["inspect", directory.appendingPathComponent("nope").path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("nope"))
    }

    /// A gzip file no recipe reproduces says why in the JSON too, not only in the text form
    /// (`testdata/producers/padded-deflate.py`: a stream over twice its content, which deflate
    /// reconstruction refuses by its size bound); a reproducible file has no `reason`.
    @Test func aFileWithoutARecipeSaysWhyInJSON() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let padded = directory.appendingPathComponent("padded.tar.gz").path
        let producer = Binaries.testdata("producers/padded-deflate.py")
        let source = Binaries.testdata("six-1.16.0.tar.gz")
        let made = try ReconstructionCommandTests.shell("python3 '\(producer)' < '\(source)' > '\(padded)'")
        try #require(made == 0, "the producer failed")
        for (path, reproducible) in [(padded, false), (Binaries.testdata("six-1.17.0.tar.gz"), true)] {
            let result = try Binaries.run("mkpatch", ["inspect", path, "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(object["reproducible"] as? Bool == reproducible, "\(path)")
            let reason = object["reason"] as? String
            #expect((reason != nil) == !reproducible, "\(path): reason \(reason ?? "absent")")
            if !reproducible { #expect(reason?.contains("twice the size") == true, "\(reason ?? "")") }
        }
    }

    private func shell(_ command: String) throws -> String { try Shell.firstWord(command) }
}
