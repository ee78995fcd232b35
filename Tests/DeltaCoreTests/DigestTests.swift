import DeltaCore
import Foundation
import Testing

@Suite struct DigestTests {
    /// Published test vectors for the empty input and "abc".
    @Test func knownVectors() throws {
        let vectors: [(DigestAlgorithm, String, String)] = [
            (.md5, "", "d41d8cd98f00b204e9800998ecf8427e"),
            (.md5, "abc", "900150983cd24fb0d6963f7d28e17f72"),
            (.sha256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                .sha512, "abc",
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
            ),
            (
                .blake2b, "abc",
                "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
            ),
        ]
        for (algorithm, input, hex) in vectors {
            #expect(try DigestContext.digest(algorithm, of: Array(input.utf8)).hex == hex, "\(algorithm) of '\(input)'")
        }
    }

    @Test func chunkedEqualsWholeAndCopiesAreIndependent() throws {
        var random = SeededGenerator(seed: 3)
        let bytes = random.compressibleBytes(count: 100_000)
        for algorithm in DigestAlgorithm.allCases {
            var chunked = try DigestContext(algorithm)
            var offset = 0
            while offset < bytes.count {
                let length = Int.random(in: 1...5000, using: &random)
                chunked.update(bytes[offset..<min(bytes.count, offset + length)])
                offset += length
            }
            #expect(chunked.finalize() == (try DigestContext.digest(algorithm, of: bytes)))

            var first = try DigestContext(algorithm)
            first.update(bytes.prefix(10))
            var second = first
            second.update(bytes.dropFirst(10))
            #expect(first.finalize() == (try DigestContext.digest(algorithm, of: bytes.prefix(10))))
            #expect(second.finalize() == (try DigestContext.digest(algorithm, of: bytes)))
        }
    }

    @Test func backgroundDigestEqualsInlineDigest() throws {
        for seed in UInt64(10)...20 {
            var random = SeededGenerator(seed: seed)
            let bytes = random.compressibleBytes(count: Int.random(in: 0...300_000, using: &random))
            let slotSize = Int.random(in: 1...70_000, using: &random)
            let background = try BackgroundDigest(
                DigestAlgorithm.allCases, slotSize: slotSize, slotCount: Int.random(in: 2...5, using: &random))
            var inline = try MultiDigest()
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + Int.random(in: 0...90_000, using: &random))
                bytes[offset..<end].withUnsafeBytes { background.update($0) }
                inline.update(bytes[offset..<end])
                offset = end
            }
            #expect(background.finalize() == inline.finalize(), "seed \(seed), slot size \(slotSize)")
            #expect(background.finalize().size == UInt64(bytes.count))
        }
    }

    @Test func matchesCoreutils() throws {
        let path = TestPaths.testdata("gnu-efi_3.0.15.orig.tar.bz2")
        let inspection = try FileInspector.inspect(path: path)
        for (algorithm, tool) in [
            (DigestAlgorithm.md5, "md5sum"), (.sha256, "sha256sum"), (.sha512, "sha512sum"), (.blake2b, "b2sum"),
        ] {
            let output = String(decoding: try Tools.run(tool, [path]).stdout, as: UTF8.self)
            #expect(inspection.compressed[algorithm]?.hex == String(output.prefix(algorithm.byteCount * 2)))
        }
    }

    @Test func hexParsingRejectsBadInput() throws {
        let good = try Digest(algorithm: .md5, hex: "D41D8CD98F00B204E9800998ECF8427E")
        #expect(good.hex == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(throws: DigestError.wrongLength(.md5, expected: 32, got: 31)) {
            try Digest(algorithm: .md5, hex: "d41d8cd98f00b204e9800998ecf8427")
        }
        #expect(throws: DigestError.notHex(.md5, "z41d8cd98f00b204e9800998ecf8427e")) {
            try Digest(algorithm: .md5, hex: "z41d8cd98f00b204e9800998ecf8427e")
        }
        #expect(DigestAlgorithm(gentooName: "blake2b") == .blake2b)
        #expect(DigestAlgorithm(gentooName: "WHIRLPOOL") == nil)
    }

    @Test func digestSetsMatchOnlyOnSharedAgreement() throws {
        let md5 = try DigestContext.digest(.md5, of: [1, 2, 3])
        let sha = try DigestContext.digest(.sha512, of: [1, 2, 3])
        let otherSha = try DigestContext.digest(.sha512, of: [1, 2, 4])
        #expect(DigestSet(size: 3, digests: [md5, sha]).matches(DigestSet(size: 3, digests: [sha])))
        #expect(!DigestSet(size: 3, digests: [md5, sha]).matches(DigestSet(size: 3, digests: [otherSha])))
        #expect(!DigestSet(size: 3, digests: [md5]).matches(DigestSet(size: 4, digests: [md5])))
        #expect(!DigestSet(size: 3, digests: [md5]).matches(DigestSet(size: 3, digests: [sha])), "nothing shared")
    }
}
