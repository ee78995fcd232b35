import DeltaCore
import Foundation
import FuzzTargets
import Testing

/// Every valid gzip file rebuilds bit for bit (issue 13): several members, each with its own
/// header and its own exact recipe or deflate reconstruction (member layout 2), odd headers,
/// trailing zeros; the replay streams through a bounded window; hostile member lists are
/// refused with offsets.
@Suite struct GzipMemberReconstructionTests {
    static let six40k = Array(RecipeFixtures.sixTar.prefix(40_000))

    static func vector(_ name: String) throws -> [UInt8] {
        try DeflateReconstructionTests.vector(name)
    }

    /// Detects `file`'s recipe, checks it lists `members` members, rebuilds the file from its
    /// content (also through the recipe's binary and JSON forms) and returns the recipe.
    @discardableResult
    static func expectRoundTrip(
        _ file: [UInt8], members: Int, _ note: Comment, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> RecompressionRecipe {
        let content = try GzipDecoder().transform(file)
        let detection = try RecipeFixtures.detect(file)
        let recipe = try #require(
            detection.recipe, "\(note): \(detection.reason ?? "")", sourceLocation: sourceLocation)
        guard case let .listed(list)? = try recipe.memberLayout() else {
            Issue.record("\(note): no member list", sourceLocation: sourceLocation)
            return recipe
        }
        #expect(list.members.count == members, note, sourceLocation: sourceLocation)
        #expect(try RecipeFixtures.rebuild(content, with: recipe) == file, note, sourceLocation: sourceLocation)
        let decoded = try RecompressionRecipe(serialized: recipe.serialized())
        #expect(decoded == recipe, note, sourceLocation: sourceLocation)
        let json = try JSONDecoder().decode(RecompressionRecipe.self, from: JSONEncoder().encode(recipe))
        #expect(try RecipeFixtures.rebuild(content, with: json) == file, note, sourceLocation: sourceLocation)
        return recipe
    }

    /// `cat` of the committed outputs of libdeflate -12, zlib-ng, busybox (GNU gzip's deflate,
    /// exact), 7-Zip and `pigz -R`: each member gets its own recipe, reconstruction or exact.
    @Test func concatenatedProducerOutputsRoundTrip() throws {
        let names = ["libdeflate-12", "zlib-ng-9", "busybox-9", "7zip-5", "pigz-6-R"]
        let file = try names.flatMap { try Self.vector($0) }
        let recipe = try Self.expectRoundTrip(file, members: 5, "cat of \(names)")
        #expect(recipe.usesDeflateReconstruction)
        #expect(recipe.library == .deflateReconstruction)
        guard case let .listed(list)? = try recipe.memberLayout() else { return }
        #expect(list.members.map(\.contentSize) == Array(repeating: 40_000, count: 5))
        #expect(list.members[2].recipe.usesDeflateReconstruction == false, "busybox's member is exact")
        #expect(list.members[0].recipe.usesDeflateReconstruction)
        let single = try names.map { name in
            try #require(try RecipeFixtures.detect(try Self.vector(name)).recipe).deflateReconstructionBytes ?? 0
        }
        #expect(recipe.deflateReconstructionBytes == single.reduce(0, +), "the members' data, no more")
    }

    /// Members from one exact producer repeat its settings (payload form 1) with their own
    /// headers, names and all; zero padding after the last member is kept.
    @Test func exactMembersWithTheirOwnHeadersAndPadding() throws {
        var file: [UInt8] = []
        for (index, size) in [30_000, 0, 12_345, 1].enumerated() {
            let header = GzipHeader(
                modificationTime: UInt32(1_700_000_000 + index), operatingSystem: 3,
                name: Array("part\(index).tar".utf8))
            file += try GzipMemberEncoder(header: header, level: 9).transform(Array(Self.six40k.prefix(size)))
        }
        file += [UInt8](repeating: 0, count: 1_000)
        let recipe = try Self.expectRoundTrip(file, members: 4, "zlib -9 members with names and padding")
        #expect(!recipe.usesDeflateReconstruction)
        #expect(recipe.trailingZeroBytes == 1_000)
        // Each repeated member costs its header and a few bytes, not a whole recipe.
        let layout = try #require(recipe.extensionPayload(.memberLayout))
        #expect(layout.count < 200, "\(layout.count) bytes")
    }

    /// FEXTRA, FCOMMENT, FHCRC and FTEXT on a reconstructed member and on an exact one.
    @Test func oddHeadersRoundTrip() throws {
        let odd = GzipHeader(
            modificationTime: 7, operatingSystem: 11, name: Array("odd.tar".utf8), comment: Array("a comment".utf8),
            extra: Array("BC\u{2}\u{0}xy".utf8), headerCRC: true, isText: true, extraFlags: 0)
        let sevenZip = try Self.vector("7zip-5")
        let deflate = try DeflateReconstructionTests.deflateData(of: sevenZip)
        let reheaded = odd.serialized() + deflate + Array(sevenZip.suffix(8))
        let exact = try GzipMemberEncoder(header: odd, level: 6).transform(Array(Self.six40k.prefix(20_000)))
        try Self.expectRoundTrip(reheaded + exact, members: 2, "odd headers, reconstructed then exact")
        // One odd member alone is a plain single-member recipe, header and all.
        let detection = try RecipeFixtures.detect(reheaded)
        let recipe = try #require(detection.recipe)
        #expect(recipe.gzip?.header == odd)
        #expect(try RecipeFixtures.rebuild(Self.six40k, with: recipe) == reheaded)
    }

    /// Random contents split into random members, each made by a random producer (zlib at a
    /// random level, GNU gzip, Go, or zlib with random flushes that only reconstruction
    /// rebuilds), with random zero padding; seeds printed.
    @Test(.enabled(if: Tools.available("python3")))
    func randomMemberSplitsAndProducersRoundTrip() throws {
        let base = UInt64(Date().timeIntervalSince1970) &* 7
        for round in 0..<6 {
            let seed = base &+ UInt64(round)
            var generator = SeededGenerator(seed: seed)
            let count = Int.random(in: 2...5, using: &generator)
            var file: [UInt8] = []
            var kinds: [String] = []
            for _ in 0..<count {
                let content = generator.compressibleBytes(count: Int.random(in: 0...30_000, using: &generator))
                let level = Int.random(in: 1...9, using: &generator)
                switch Int.random(in: 0...3, using: &generator) {
                case 0:
                    kinds.append("zlib \(level)")
                    file += try GzipMemberEncoder(header: GzipHeader(), level: level).transform(content)
                case 1:
                    kinds.append("GNU \(level)")
                    file += try GzipMemberEncoder(header: GzipHeader(), deflater: GNUDeflateEncoder(level: level))
                        .transform(content)
                case 2:
                    kinds.append("Go \(level)")
                    file += try GzipMemberEncoder(header: GzipHeader(), deflater: GoFlateEncoder(level: level))
                        .transform(content)
                default:
                    kinds.append("zlib \(level) flushed")
                    file += try Self.flushedMember(content, level: level, using: &generator)
                }
            }
            file += [UInt8](repeating: 0, count: Int.random(in: 0...2, using: &generator) * 512)
            try Self.expectRoundTrip(file, members: count, "seed \(seed): \(kinds)")
        }
    }

    /// A member whose stream Python's zlib wrote at `level` with random flushes between
    /// random pieces (``DeflateReconstructionTests/zlibScript``): no exact candidate makes it.
    static func flushedMember(
        _ content: [UInt8], level: Int, using generator: inout SeededGenerator
    ) throws -> [UInt8] {
        let seed = UInt64.random(in: 0...UInt64(UInt32.max), using: &generator)
        let deflate = try RecipeFixtures.peer(
            "python3", ["-c", DeflateReconstructionTests.zlibScript, String(seed), String(level), "8", "0", "15"],
            input: content)
        return GzipHeader().serialized() + deflate + GzipMemberEncoderTrailer.trailer(for: content)
    }

    // MARK: Streaming replay

    /// The replay streams: content fed in pieces of every size from 1 byte up gives the same
    /// stream as the whole content at once, over content larger than the replay's buffer
    /// (stored blocks and matches across its slides).
    @Test func replayStreamsInAnyPiecesThroughItsWindow() throws {
        var generator = SeededGenerator(seed: 0x5717_ea11)
        var content = generator.compressibleBytes(count: 400_000)
        content += (0..<150_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        content += generator.compressibleBytes(count: 150_000)
        let deflate = try DeflateReconstructionTests.deflateData(of: try GzipEncoder(level: 3).transform(content))
        let payload = try DeflateReconstructionTests.analysed(deflate, content: content)
        for round in 0..<2 {
            let encoder = DeflateReconstructionEncoder(payload: payload)
            var output: [UInt8] = []
            let sink: ChunkSink = { output.append(contentsOf: $0) }
            var start = 0
            while start < content.count {
                let piece =
                    round == 0
                    ? Int.random(in: 1...300, using: &generator) : Int.random(in: 1...200_000, using: &generator)
                let end = min(content.count, start + piece)
                try content[start..<end].withUnsafeBytes { try encoder.process($0, into: sink) }
                start = end
            }
            try encoder.finish(into: sink)
            #expect(output == deflate, "round \(round)")
        }
    }

    /// Content shorter or longer than the payload was made for is refused, naming the
    /// payload's content size.
    @Test func replayRefusesContentOfAnotherSize() throws {
        let (payload, content) = try DeflateReconstructionTests.payload(for: "libdeflate-6")
        let shorter = DeflateReconstructionEncoder(payload: payload)
        try content.dropLast().withUnsafeBytes { try shorter.process($0, into: { _ in }) }
        #expect(throws: RecipeError.self) { try shorter.finish(into: { _ in }) }
        let longer = DeflateReconstructionEncoder(payload: payload)
        #expect(throws: RecipeError.self) {
            try (content + [0]).withUnsafeBytes { try longer.process($0, into: { _ in }) }
        }
        do {
            try shorter.finish(into: { _ in })
        } catch let RecipeError.malformed(offset, detail) {
            #expect(offset == 1, "\(detail)")
        }
    }

    // MARK: Hostile member lists

    static func layout(_ bytes: [UInt8]) throws(RecipeError) -> MemberLayout {
        try MemberLayout(payload: bytes)
    }

    static func expectMalformed(_ bytes: [UInt8], at offset: Int, _ note: Comment) {
        do {
            _ = try layout(bytes)
            Issue.record("\(note): accepted")
        } catch let .malformed(found, detail) {
            #expect(found == offset, "\(note): \(detail)")
        } catch {
            Issue.record("\(note): \(error)")
        }
    }

    @Test func hostileMemberListsAreRefusedWithOffsets() throws {
        let member = try #require(
            try RecipeFixtures.detect(try GzipEncoder(level: 6).transform(Array(Self.six40k.prefix(100)))).recipe)
        var plain = member
        plain.target = nil
        let recipe = plain.serialized()
        var out = RecipeByteWriterForTests()
        func list(_ count: UInt64, _ members: [[UInt8]]) -> [UInt8] {
            out.bytes = [2]
            out.varint(count)
            return out.bytes + members.flatMap { $0 }
        }
        func entry(size: UInt64, form: UInt8, _ data: [UInt8]) -> [UInt8] {
            out.bytes = []
            out.varint(size)
            out.bytes.append(form)
            out.varint(UInt64(data.count))
            return out.bytes + data
        }
        let good = entry(size: 100, form: 0, recipe)
        guard case let .listed(members) = try Self.layout(list(1, [good])) else {
            Issue.record("a one-member list did not parse as member layout 2")
            return
        }
        #expect(members.members.count == 1 && members.contentSize == 100)
        Self.expectMalformed(list(0, []), at: 1, "no members")
        Self.expectMalformed(list(1 << 40, [good]), at: 1, "a count the payload cannot hold")
        Self.expectMalformed(list(2, [good]), at: 2 + good.count, "truncated after the first member")
        Self.expectMalformed(list(1, [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0]]), at: 2, "content size 2^48")
        Self.expectMalformed(list(1, [entry(size: 1, form: 2, [])]), at: 3, "form 2")
        Self.expectMalformed(list(1, [entry(size: 1, form: 1, GzipHeader().serialized())]), at: 3, "nothing to repeat")
        Self.expectMalformed(
            list(2, [good, entry(size: 1, form: 1, [0x1f, 0x8b, 8, 0])]), at: 2 + good.count + 2,
            "a truncated header to repeat with")
        var nested = plain
        nested.setExtension(.memberLayout, payload: MemberLayout.uniform(memberSize: 10).payload)
        Self.expectMalformed(list(1, [entry(size: 1, form: 0, nested.serialized())]), at: 4, "a nested layout")
        var padded = plain
        padded.trailingZeroBytes = 3
        Self.expectMalformed(list(1, [entry(size: 1, form: 0, padded.serialized())]), at: 4, "a padded member")
        var broken = recipe
        broken[4] = 9
        Self.expectMalformed(list(1, [entry(size: 1, form: 0, broken)]), at: 4 + 4, "a member recipe's own offset")
    }

    /// A member list whose sizes do not fit the content is refused at rebuild, never written wrong.
    @Test func memberSizesMustFitTheContent() throws {
        let file =
            try GzipEncoder(level: 6).transform(Array(Self.six40k.prefix(500)))
            + GzipEncoder(level: 6).transform(Array(Self.six40k.prefix(700)))
        let recipe = try #require(try RecipeFixtures.detect(file).recipe)
        let content = try GzipDecoder().transform(file)
        #expect(throws: RecipeError.self) { try RecipeFixtures.rebuild(content + [1], with: recipe) }
        #expect(throws: RecipeError.self) { try RecipeFixtures.rebuild(Array(content.dropLast()), with: recipe) }
    }

    /// The FuzzRecipes seed for a member list is a valid recipe of the concatenated vectors
    /// (zlib-ng -6, reconstructed when the seed was written, before zlib-ng was emulated; then
    /// busybox, exact). `DELTAFETCH_WRITE_SEEDS=1` writes it anew.
    @Test func fuzzSeedParsesAsAMemberList() throws {
        let url = TestPaths.repositoryRoot.appendingPathComponent(
            "Tests/DeltaCoreTests/Fuzz/FuzzRecipes/seed-recipe-gzip-members")
        if ProcessInfo.processInfo.environment["DELTAFETCH_WRITE_SEEDS"] == "1" {
            let file = try Self.vector("zlib-ng-6") + Self.vector("busybox-9")
            let recipe = try #require(try RecipeFixtures.detect(file).recipe)
            try Data(recipe.serialized()).write(to: url)
        }
        let bytes = try Data(contentsOf: url)
        #expect(bytes.withUnsafeBytes { FuzzTargets.recipes($0) } >= 1)
        let recipe = try RecompressionRecipe(serialized: [UInt8](bytes))
        guard case let .listed(list)? = try recipe.memberLayout() else {
            Issue.record("not a member list"); return
        }
        #expect(list.members.count == 2)
        let file = try Self.vector("zlib-ng-6") + Self.vector("busybox-9")
        #expect(try RecipeFixtures.rebuild(Self.six40k + Self.six40k, with: recipe) == file)
    }
}

/// The gzip trailer of a content, for members built by hand.
enum GzipMemberEncoderTrailer {
    static func trailer(for content: [UInt8]) -> [UInt8] {
        var crc: UInt32 = 0xffff_ffff
        for byte in content {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        crc ^= 0xffff_ffff
        return [crc, UInt32(truncatingIfNeeded: content.count)].flatMap { value in
            (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        }
    }
}
