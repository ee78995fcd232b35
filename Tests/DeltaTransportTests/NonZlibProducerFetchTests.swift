import DeltaCore
import DeltaTransport
import Foundation
import Testing

/// `deltafetch fetch` of a .tar.gz no zlib setting makes: written by Go's compress/gzip (the
/// committed testdata/go-flate/six-1.17.0.tar.go6.gz, an emulated producer's recipe), and by
/// 7-Zip with bytes after its gzip member (issue 13's deflate reconstruction and trailing
/// garbage). Each rebuild must be the upstream file bit for bit, not an alternate.
@Suite(.serialized)
struct NonZlibProducerFetchTests {
    static let target = "six-1.17.0.tar.gz"
    /// What the 7-Zip tarball ends with after its gzip member.
    static let trailer = Array("signed: not really\n".utf8)

    /// A mirror of PyPI's six 1.16.0 and, as six 1.17.0, the Go-made file.
    static func goMirror() throws -> PreparedMirror {
        try mirror(upstream: [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata("go-flate/six-1.17.0.tar.go6.gz")))))
    }

    /// A mirror of PyPI's six 1.16.0 and, as six 1.17.0, the committed 7-Zip -mx9 file plus
    /// ``trailer``.
    static func sevenZipMirror() throws -> PreparedMirror {
        let sevenZip = try contents(of: TestPaths.testdata("deflate-reconstruction/six-1.17.0.tar.7zip-9.gz"))
        return try mirror(upstream: sevenZip + trailer)
    }

    /// A mirror whose six 1.17.0 is `upstream`, with the patch from PyPI's six 1.16.0.
    private static func mirror(upstream: [UInt8]) throws -> PreparedMirror {
        let made = try TestPaths.temporaryDirectory().appendingPathComponent(target)
        try Data(upstream).write(to: made)
        return try PreparedMirror.shared([TestPaths.testdata("six-1.16.0.tar.gz"), made.path])
    }

    @Test(arguments: ["Go compress/gzip", "7-Zip + trailing bytes"])
    func aNonZlibTarballIsRebuiltBitForBit(producer: String) throws {
        let world = try FetchWorld(producer.hasPrefix("Go") ? Self.goMirror() : Self.sevenZipMirror())
        let outcome = try world.fetch(Self.target)
        #expect(outcome.status == 0, "\(producer): \(outcome.stderr)")
        let report = try FetchReportJSON(outcome)
        #expect(report.action == "patched", "\(producer)")
        #expect(report.alternateRecorded == false, "\(producer)")
        let upstream = try contents(of: world.mirror.flat.appendingPathComponent(Self.target).path)
        #expect(try contents(of: world.distdirFile(Self.target)) == upstream, "\(producer)")
    }
}
