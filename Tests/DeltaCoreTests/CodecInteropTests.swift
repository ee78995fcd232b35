import DeltaCore
import Foundation
import Testing

/// Our codecs against the system `gzip`, `bzip2` and `xz`, both ways, on real tarballs.
@Suite struct CodecInteropTests {
    static let tools: [(CompressionFormat, String)] = [(.gzip, "gzip"), (.bzip2, "bzip2"), (.xz, "xz")]

    static func encoder(_ format: CompressionFormat) throws -> any StreamEncoder {
        switch format {
        case .gzip: try GzipEncoder(level: 9)
        case .bzip2: try Bzip2Encoder()
        case .xz: try XZEncoder(preset: 6)
        case .none: PassthroughCodec()
        }
    }

    /// The uncompressed six 1.17.0 tar, decoded by the system gzip.
    static func plainTar() throws -> [UInt8] {
        let result = try Tools.run("gzip", ["-dc", TestPaths.testdata("six-1.17.0.tar.gz")])
        #expect(result.status == 0)
        return Array(result.stdout)
    }

    @Test func systemToolsDecodeOurOutput() throws {
        let tar = try Self.plainTar()
        for (format, tool) in Self.tools {
            let ours = try Self.encoder(format).transform(tar)
            let result = try Tools.run(tool, ["-dc"], input: Data(ours))
            #expect(result.status == 0, "\(tool) -dc failed: \(String(decoding: result.stderr, as: UTF8.self))")
            #expect(Array(result.stdout) == tar, "\(tool) decoded our \(format) differently")
        }
    }

    @Test func weDecodeSystemToolOutputAtSeveralLevels() throws {
        let tar = try Self.plainTar()
        for (format, tool) in Self.tools {
            for level in ["-1", "-6", "-9"] {
                let result = try Tools.run(tool, ["-c", level], input: Data(tar))
                #expect(result.status == 0)
                #expect(try format.makeDecoder().transform(Array(result.stdout)) == tar, "\(tool) \(level)")
            }
        }
        // xz's multi-threaded, multi-block output and concatenated streams.
        let blocks = try Tools.run("xz", ["-c", "-T2", "--block-size=40000"], input: Data(tar))
        #expect(try CompressionFormat.xz.makeDecoder().transform(Array(blocks.stdout)) == tar)
        let twice = Array(blocks.stdout) + Array(blocks.stdout)
        #expect(try CompressionFormat.xz.makeDecoder().transform(twice) == tar + tar)
    }

    @Test func realTestdataTarballsDecodeToWhatTheSystemToolsSay() throws {
        for (name, tool) in [
            ("six-1.16.0.tar.gz", "gzip"), ("gnu-efi_3.0.15.orig.tar.bz2", "bzip2"), ("asm_9.3.orig.tar.xz", "xz"),
        ] {
            let path = TestPaths.testdata(name)
            let expected = try Tools.run(tool, ["-dc", path]).stdout
            let inspection = try FileInspector.inspect(path: path, algorithms: [.sha256])
            #expect(inspection.uncompressed.size == UInt64(expected.count), "\(name)")
            #expect(
                inspection.uncompressed[.sha256] == (try DigestContext.digest(.sha256, of: Array(expected))), "\(name)")
        }
    }

    @Test(.enabled(if: TestPaths.corpus != nil && Tools.available("pigz")))
    func pigzMultiMemberOutputDecodes() throws {
        let tar = try Self.plainTar()
        // pigz --independent with small blocks still writes one member; `cat a.gz b.gz` is the
        // real multi-member case, and pigz output is a separate producer worth covering.
        let result = try Tools.run("pigz", ["-c", "-b", "32"], input: Data(tar))
        #expect(try CompressionFormat.gzip.makeDecoder().transform(Array(result.stdout)) == tar)
    }
}
