import Foundation
import Testing

/// The producers' builds the tests keep between runs (``ProducerBuilds``): built once, reused,
/// nothing kept from a failed build, and no scratch folder left behind.
@Suite struct ProducerBuildsTests {
    @Test func aBuildIsKeptReusedAndAFailedOneLeavesNothing() throws {
        // A name with no sources: its digest is that of no files, unique to this run's name.
        let name = "test-producer-\(UUID().uuidString.prefix(8))"
        defer {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: ProducerBuilds.root.path)) ?? []
            where entry.hasPrefix(name) {
                try? FileManager.default.removeItem(at: ProducerBuilds.root.appendingPathComponent(entry))
            }
        }
        #expect(ProducerBuilds.program(name) { _ in nil } == nil, "a failed build")
        var builds = 0
        func build(_ directory: URL) -> String? {
            builds += 1
            let program = directory.appendingPathComponent("program").path
            let made = FileManager.default.createFile(
                atPath: program, contents: Data("#!/bin/sh\necho built\n".utf8), attributes: [.posixPermissions: 0o755])
            return made ? program : nil
        }
        let first = try #require(ProducerBuilds.program(name, build: build))
        let second = try #require(ProducerBuilds.program(name, build: build))
        #expect(first == second && builds == 1, "built \(builds) times")
        #expect(FileManager.default.isExecutableFile(atPath: first))
        let left = try FileManager.default.contentsOfDirectory(atPath: ProducerBuilds.root.path)
        #expect(!left.contains { $0.hasPrefix("building-\(name)") }, "scratch folders left: \(left)")
        #expect(left.filter { $0.hasPrefix(name) }.count == 1, "\(left)")
    }
}
