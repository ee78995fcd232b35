import Foundation
import Testing

/// A .tar.gz written by Go's compress/gzip through `mkpatch create`, `inspect`, `rebuild` and
/// `recompress`, as a maintainer and a client run them (issue 13, item 1).
@Suite struct GoProducerCommandTests {
    static var goAvailable: Bool { (try? Shell.firstWord("command -v go")).map { !$0.isEmpty } ?? false }

    /// `create` from `base` to `target` in `work`, `rebuild`, and the rebuilt file compared
    /// with the target; returns create's JSON report.
    static func createAndRebuild(base: String, target: String, work: URL) throws -> [String: Any] {
        let list = work.appendingPathComponent("patches").path
        let created = try CreateVerifyCommandTests.mkpatch([
            "create", base, target, "-o", work.path, "--list", list, "--json",
        ])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        let patchName = try #require(
            try FileManager.default.contentsOfDirectory(atPath: work.path).first { $0.hasSuffix(".patch") })
        let patch = work.appendingPathComponent(patchName).path
        let rebuilt = work.appendingPathComponent("rebuilt.tar.gz").path
        try CreateVerifyCommandTests.mkpatch(["rebuild", base, patch, "-o", rebuilt])
        #expect(
            FileManager.default.contentsEqual(atPath: rebuilt, andPath: target),
            "the rebuild is bit for bit the Go-made file")
        return report
    }

    @Test func goMadeSixRoundTripsThroughCreateAndRebuild() throws {
        let work = try CreateVerifyCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let target = work.appendingPathComponent("six-1.17.0.tar.gz").path
        try FileManager.default.copyItem(atPath: Binaries.testdata("go-flate/six-1.17.0.tar.go6.gz"), toPath: target)
        let report = try Self.createAndRebuild(base: Binaries.testdata("six-1.16.0.tar.gz"), target: target, work: work)
        #expect(report["reproducible"] as? Bool == true)

        let inspected = try CreateVerifyCommandTests.mkpatch(["inspect", target, "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any])
        #expect(json["reproducible"] as? Bool == true)
        let recipe = try #require(json["recipe"] as? [String: Any])
        #expect((recipe["gzip"] as? [String: Any])?["deflater"] as? String == "go-flate")
        #expect((recipe["library"] as? [String: Any])?["name"] as? String == "deltafetch-go-flate")

        // The recipe as JSON drives `recompress` too.
        let recipePath = work.appendingPathComponent("recipe.json").path
        try JSONSerialization.data(withJSONObject: recipe).write(to: URL(fileURLWithPath: recipePath))
        let content = work.appendingPathComponent("six.tar").path
        _ = try Shell.firstWord("gzip -dc '\(target)' > '\(content)'")
        let again = work.appendingPathComponent("again.tar.gz").path
        try CreateVerifyCommandTests.mkpatch(["recompress", content, "--recipe", recipePath, "-o", again])
        #expect(FileManager.default.contentsEqual(atPath: again, andPath: target))
    }

    /// Django 5.0.7's content gzipped by the go on PATH (level 6, Go's default), patched from
    /// Django 5.0.6 and rebuilt.
    @Test(
        .enabled(
            if: CreateVerifyCommandTests.corpusFile("Django-5.0.7.tar.gz") != nil && goAvailable,
            "needs the corpus and go (Debian golang-go) on PATH"))
    func goMadeDjangoRoundTripsThroughCreateAndRebuild() throws {
        let work = try CreateVerifyCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let source = try #require(CreateVerifyCommandTests.corpusFile("Django-5.0.7.tar.gz"))
        let base = try #require(CreateVerifyCommandTests.corpusFile("Django-5.0.6.tar.gz"))
        let target = work.appendingPathComponent("Django-5.0.7.tar.gz").path
        let program = Binaries.repositoryRoot.appendingPathComponent("testdata/producers/go-gzip").path
        let cache = work.appendingPathComponent("go-cache").path
        _ = try Shell.firstWord(
            "cd '\(program)' && gzip -dc '\(source)' | GOCACHE='\(cache)' GOTOOLCHAIN=local go run . 6 > '\(target)'")
        #expect(
            (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? Int) ?? 0 > 1_000_000,
            "go-gzip wrote the target")
        let report = try Self.createAndRebuild(base: base, target: target, work: work)
        #expect(report["reproducible"] as? Bool == true)
    }
}
