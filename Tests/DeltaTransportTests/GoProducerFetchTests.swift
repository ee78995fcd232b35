import DeltaCore
import DeltaTransport
import Foundation
import Testing

/// `deltafetch fetch` of a .tar.gz written by Go's compress/gzip (the committed
/// testdata/go-flate/six-1.17.0.tar.go6.gz under its distfile name): the patch's Go recipe is
/// replayed and the rebuild is the upstream file bit for bit, not an alternate.
@Suite(.serialized)
struct GoProducerFetchTests {
    static let target = "six-1.17.0.tar.gz"

    static func goMirror() throws -> PreparedMirror {
        let directory = try TestPaths.temporaryDirectory()
        let goMade = directory.appendingPathComponent(target).path
        try FileManager.default.copyItem(atPath: TestPaths.testdata("go-flate/six-1.17.0.tar.go6.gz"), toPath: goMade)
        return try PreparedMirror.shared([TestPaths.testdata("six-1.16.0.tar.gz"), goMade])
    }

    @Test func aGoMadeTarballIsRebuiltBitForBit() throws {
        let mirror = try Self.goMirror()
        let world = try FetchWorld(mirror)
        let outcome = try world.fetch(Self.target)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let report = try FetchReportJSON(outcome)
        #expect(report.action == "patched")
        #expect(report.alternateRecorded == false)
        #expect(
            try contents(of: world.distdirFile(Self.target))
                == contents(of: TestPaths.testdata("go-flate/six-1.17.0.tar.go6.gz")))
    }
}
