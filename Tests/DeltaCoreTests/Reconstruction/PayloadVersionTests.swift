@testable import DeltaCore
import Foundation
import Testing

/// Payload version 3 (a `flags` varint after the predictor mode): a payload is written as the
/// oldest version that expresses it, so payloads without flags in modes 0-5 keep their version
/// 1 or 2 bytes; the reader refuses unknown versions, flags and modes, each at its offset.
@Suite struct PayloadVersionTests {
    typealias Mode = MatchPredictor.Settings.Mode
    typealias Flags = DeflateReconstruction.Flags

    @Test func versionIsTheOldestThatExpressesThePayload() {
        for mode in Mode.allCases {
            // Modes 0-1 came with version 1, ISA-L's 2-5 with version 2, 7-9 with version 3;
            // mode 6 (redefined on 2026-12-02) and zlib-ng's medium modes 10-12 are version 4's.
            let plain: UInt8 =
                mode.rawValue <= 1 ? 1 : mode.rawValue <= 5 ? 2 : mode == .optimalParse || mode.rawValue >= 10 ? 4 : 3
            let settings = MatchPredictor.Settings(chainLimit: 16, lazyLimit: 0, mode: mode)
            #expect(DeflateReconstruction.version(for: settings, flags: []) == plain, "\(mode)")
            #expect(DeflateReconstruction.version(for: settings, flags: .headersFirst) == max(plain, 3), "\(mode)")
            #expect(mode.minimumPayloadVersion <= DeflateReconstruction.payloadVersion, "\(mode)")
        }
        #expect(Mode(rawValue: 6)?.minimumPayloadVersion == 4, "mode 6 is version 4 only")
        // Mode 6 with a nice length (in the lazy limit) is version 5's; other modes' lazy
        // limits change nothing.
        let nice = MatchPredictor.Settings(chainLimit: 80, lazyLimit: 128, mode: .optimalParse)
        #expect(DeflateReconstruction.version(for: nice, flags: .headersFirst) == 5)
        // With 7-Zip's fast-bytes rule too, version 6's (its flag).
        var cutting = nice
        cutting.cutsAtNiceMatches = true
        #expect(cutting.requiredFlags == [.headersFirst, .niceMatchCuts])
        #expect(DeflateReconstruction.version(for: cutting, flags: cutting.requiredFlags) == 6)
        #expect(cutting.minimumPayloadVersion == 6)
        let lazy = MatchPredictor.Settings(chainLimit: 128, lazyLimit: 32)
        #expect(DeflateReconstruction.version(for: lazy, flags: []) == 1)
        #expect(DeflateReconstruction.Flags().minimumPayloadVersion == 1)
        #expect(DeflateReconstruction.Flags.headersFirst.minimumPayloadVersion == 3)
        #expect(Mode(rawValue: 7) == nil || Mode(rawValue: 7)!.minimumPayloadVersion == 3, "mode 7 is version 3 only")
    }

    /// A payload's header fields, to rewrite one and put the body back.
    struct Header {
        var version: UInt8
        /// Content size, stream size, block count, token count, chain, lazy, mode.
        var fields: [UInt64]
        var flags: UInt64?
        var body: [UInt8]

        init(_ payload: [UInt8]) throws {
            var reader = RecipeByteReader(bytes: payload)
            version = try reader.byte()
            fields = try (0..<7).map { _ in try reader.varint() }
            flags = version >= 3 ? try reader.varint() : nil
            body = Array(payload[reader.offset...])
        }

        /// The payload bytes, and the offsets of the mode and flags varints.
        func written() -> (bytes: [UInt8], modeOffset: Int, flagsOffset: Int) {
            var writer = RecipeByteWriterForTests(bytes: [version])
            for field in fields.dropLast() { writer.varint(field) }
            let modeOffset = writer.bytes.count
            writer.varint(fields[6])
            let flagsOffset = writer.bytes.count
            if let flags { writer.varint(flags) }
            return (writer.bytes + body, modeOffset, flagsOffset)
        }
    }

    /// ``expectMalformed(_:_:at:_:sourceLocation:)`` for `header`'s payload, at its flags.
    static func expectRefusedAtFlags(
        _ header: Header, _ content: [UInt8], _ note: Comment, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let (bytes, _, flagsOffset) = header.written()
        expectMalformed(bytes, content, at: flagsOffset, note, sourceLocation: sourceLocation)
    }

    static func expectMalformed(
        _ payload: [UInt8], _ content: [UInt8], at offset: Int, _ note: Comment, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try DeflateReconstructionTests.replay(payload, content)
            Issue.record("\(note): accepted", sourceLocation: sourceLocation)
        } catch let RecipeError.malformed(found, detail) {
            #expect(found == offset, "\(note): \(detail)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(note): \(error)", sourceLocation: sourceLocation)
        }
    }

    /// The committed vectors keep their versions: zlib-like modes 1, ISA-L modes 2.
    @Test func payloadsWithoutFlagsKeepTheirVersion() throws {
        for (name, version) in [("libdeflate-6", 1), ("pigz-6-R", 1), ("isal-1", 2), ("isal-3", 2)] {
            let (payload, content) = try DeflateReconstructionTests.payload(for: name)
            #expect(payload.first == UInt8(version), "\(name)")
            let header = try Header(payload)
            #expect(header.flags == nil)
            #expect(try DeflateReconstructionTests.replay(payload, content).count > 0, "\(name)")
        }
    }

    @Test func versionThreeHeadersAreReadAndBadOnesRefusedAtTheirOffsets() throws {
        let (payload, content) = try DeflateReconstructionTests.payload(for: "libdeflate-6")
        let expected = try DeflateReconstructionTests.replay(payload, content)
        var header = try Header(payload)
        let mode = header.fields[6]
        header.version = 3
        header.flags = 0
        // Not what the writer makes (it writes version 1), but the same stream.
        #expect(try DeflateReconstructionTests.replay(header.written().bytes, content) == expected)

        for bit in 1..<64 {
            header.flags = 1 << UInt64(bit)
            let (bytes, _, flagsOffset) = header.written()
            Self.expectMalformed(bytes, content, at: flagsOffset, "flag bit \(bit)")
        }
        header.flags = 0
        for reserved: UInt64 in [6, 7, 8, 1 << 40] where Mode(rawValue: Int(reserved)) == nil {
            header.fields[6] = reserved
            let (bytes, modeOffset, _) = header.written()
            Self.expectMalformed(bytes, content, at: modeOffset, "mode \(reserved) in version 3")
        }
        header.fields[6] = mode
        for version: UInt8 in [DeflateReconstruction.payloadVersion + 1, 255] {
            header.version = version
            Self.expectMalformed(header.written().bytes, content, at: 0, "version \(version)")
        }
        header.version = 3
        let (bytes, _, flagsOffset) = header.written()
        Self.expectMalformed(Array(bytes.prefix(flagsOffset)), content, at: flagsOffset, "cut before the flags")
    }

    /// Every mode is refused in the versions before its own (version 2's in 1, version 3's in
    /// 1 and 2, mode 6 in 1 to 3), at the mode's offset.
    @Test func modesAreRefusedInVersionsBeforeTheirs() throws {
        let (payload, content) = try DeflateReconstructionTests.payload(for: "isal-1")
        var header = try Header(payload)
        for mode in Mode.allCases {
            for version in 1..<mode.minimumPayloadVersion {
                header.version = version
                header.fields[6] = UInt64(mode.rawValue)
                header.flags = version >= 3 ? mode.requiredFlags.rawValue : nil
                let (bytes, modeOffset, _) = header.written()
                Self.expectMalformed(bytes, content, at: modeOffset, "mode \(mode) in version \(version)")
            }
        }
    }

    /// A real mode-6 payload without a nice length (version 4) replays; the same payload
    /// stamped version 3 (what the old optimal parse read) is refused with a typed error at
    /// the mode, not replayed.
    @Test func versionThreeModeSixPayloadIsRefused() throws {
        let file = try DeflateReconstructionTests.vector("7zip-9")
        let content = try GzipDecoder().transform(file)
        let deflate = try DeflateReconstructionTests.deflateData(of: file)
        let withoutNiceLength = MatchPredictor.Settings(chainLimit: 128, lazyLimit: 0, mode: .optimalParse)
        let payload = try OptimalParseReconstructionTests.analysed(deflate, content: content, settings: withoutNiceLength)
        #expect(payload.first == 4)
        #expect(try DeflateReconstructionTests.replayed(payload, content: content) == deflate)
        var header = try Header(payload)
        #expect(header.fields[6] == 6 && header.flags == DeflateReconstruction.Flags.headersFirst.rawValue)
        header.version = 3
        let (bytes, modeOffset, _) = header.written()
        Self.expectMalformed(bytes, content, at: modeOffset, "mode 6 in version 3")
    }

    /// A real mode-6 payload with a nice length (without the fast-bytes rule) is version 5
    /// and replays. Stamped version 4 (a version-4 build would replay it without the cut, and
    /// write other bytes) it is refused at the mode, as are nice lengths outside 3-257 (1, 2,
    /// 258: 258 is written 0) in version 5.
    @Test func niceLengthIsVersionFiveOnly() throws {
        let file = try DeflateReconstructionTests.vector("7zip-9")
        let content = try GzipDecoder().transform(file)
        let deflate = try DeflateReconstructionTests.deflateData(of: file)
        for var settings in OptimalParsePredictor.candidateSettings where settings.lazyLimit != 0 {
            settings.cutsAtNiceMatches = false
            settings.predictsHeaders = false
            settings.pricesFromPreviousBlock = false
            settings.endsWindowsWhereMatchesEnd = false
            let payload = try OptimalParseReconstructionTests.analysed(deflate, content: content, settings: settings)
            #expect(payload.first == 5, "\(settings)")
            #expect(try DeflateReconstructionTests.replayed(payload, content: content) == deflate, "\(settings)")
            var header = try Header(payload)
            #expect(header.fields[5] == UInt64(settings.lazyLimit) && header.fields[6] == 6)
            header.version = 4
            let (bytes, modeOffset, _) = header.written()
            Self.expectMalformed(bytes, content, at: modeOffset, "nice length \(settings.lazyLimit) in version 4")
            header.version = 5
            for refused: UInt64 in [1, 2, 258] {
                header.fields[5] = refused
                let (bytes, modeOffset, _) = header.written()
                Self.expectMalformed(bytes, content, at: modeOffset, "nice length \(refused) in version 5")
            }
        }
    }

    /// A real mode-6 payload with 7-Zip's fast-bytes rule (the analysis's nice-length
    /// candidates) is version 6, sets the flag and replays. Stamped version 5 (a version-5
    /// build would parse without the rule, and write other bytes) it is refused at the flags;
    /// so is the flag with no nice length (lazy limit 0), and in a mode other than 6.
    @Test func niceMatchCutsAreVersionSixOnly() throws {
        for var settings in OptimalParsePredictor.candidateSettings where settings.lazyLimit != 0 {
            #expect(settings.cutsAtNiceMatches, "\(settings)")
            settings.predictsHeaders = false
            settings.pricesFromPreviousBlock = false
            settings.endsWindowsWhereMatchesEnd = false
            let (made, flags, content) = try Self.realPayload(
                "7zip-5", settings, version: 6, flags: [.niceMatchCuts, .headersFirst])
            var header = made
            header.version = 5
            Self.expectRefusedAtFlags(header, content, "cuts in version 5")
            header.version = 6
            header.fields[5] = 0
            Self.expectRefusedAtFlags(header, content, "cuts, no nice length")
            header.fields[5] = UInt64(settings.lazyLimit)
            header.fields[6] = UInt64(MatchPredictor.Settings.Mode.longest.rawValue)
            Self.expectRefusedAtFlags(header, content, "cuts in mode 0")
            header.fields[6] = UInt64(MatchPredictor.Settings.Mode.optimalParse.rawValue)
            header.flags = flags.rawValue | 64
            Self.expectRefusedAtFlags(header, content, "flag bit 6")
        }
    }

    /// Analyses the committed vector `name` with `settings` and checks that the payload is
    /// `version`, reads back as `settings`, replays to the stream and sets `flags`; returns its
    /// header (to stamp), its flags and the vector's content.
    static func realPayload(
        _ name: String, _ settings: MatchPredictor.Settings, version: UInt8, flags expected: DeflateReconstruction.Flags
    ) throws -> (header: Header, flags: DeflateReconstruction.Flags, content: [UInt8]) {
        let file = try DeflateReconstructionTests.vector(name)
        let content = try GzipDecoder().transform(file)
        let deflate = try DeflateReconstructionTests.deflateData(of: file)
        let payload = try OptimalParseReconstructionTests.analysed(deflate, content: content, settings: settings)
        #expect(payload.first == version, "\(settings)")
        #expect(try DeflateReconstruction.Sizes(payload).settings == settings)
        #expect(try DeflateReconstructionTests.replayed(payload, content: content) == deflate, "\(settings)")
        let header = try Header(payload)
        let flags = DeflateReconstruction.Flags(rawValue: try #require(header.flags))
        #expect(flags.isSuperset(of: expected), "\(settings): flags \(flags.rawValue)")
        return (header, flags, content)
    }

    /// A real mode-6 payload parsed under the previous block's lengths (the analysis's
    /// candidate for 7-Zip's -mx5 and -mx6) is version 7, sets the flag without headers first
    /// and replays. Stamped version 6 it is refused at the flags; so is the flag with headers
    /// first, with predicted headers, and in mode 0. A stream with a block too long to hold
    /// (here over a lowered limit of 100 tokens) needs headers first: the same settings then
    /// give a version-6 payload without the flag, which replays under that limit.
    @Test func previousBlockPricesAreVersionSevenOnly() throws {
        var settings = OptimalParsePredictor.candidateSettings[0]
        #expect(settings.pricesFromPreviousBlock && !settings.predictsHeaders)
        settings.endsWindowsWhereMatchesEnd = false
        let (made, flags, content) = try Self.realPayload("7zip-5", settings, version: 7, flags: .previousBlockPrices)
        var header = made
        #expect(!flags.contains(.headersFirst))
        header.version = 6
        Self.expectRefusedAtFlags(header, content, "version 6")
        header.version = 7
        for (extra, what) in [(1, "headers first"), (8, "predicted headers")] {
            header.flags = flags.rawValue | UInt64(extra)
            Self.expectRefusedAtFlags(header, content, "\(what)")
        }
        header.flags = flags.rawValue
        header.fields[5] = 0
        header.fields[6] = UInt64(MatchPredictor.Settings.Mode.longest.rawValue)
        header.flags = DeflateReconstruction.Flags.previousBlockPrices.rawValue
        Self.expectRefusedAtFlags(header, content, "mode 0")

        let deflate = try DeflateReconstructionTests.deflateData(of: try DeflateReconstructionTests.vector("7zip-5"))
        let lowered = 100
        let held = try deflate.withUnsafeBytes { stream in
            try content.withUnsafeBytes {
                try DeflateReconstruction.analyse(
                    deflate: stream, content: $0, maximumHeldTokens: lowered, settings: settings)
            }
        }
        let sizes = try DeflateReconstruction.Sizes(held)
        #expect(held.first == 6 && sizes.flags.contains(.headersFirst) && !sizes.flags.contains(.previousBlockPrices))
        #expect(try HeadersFirstTests.replayed(held, content, limit: lowered) == deflate)
    }

    /// A real mode-6 payload with predicted headers (the analysis's candidates for 7-Zip's
    /// -mx7 to -mx9, libdeflate and zopfli) is version 7, sets the flag and replays. Stamped
    /// version 6 (a version-6 build would read the content length after the header, and
    /// write other bytes) it is refused at the flags; so is the flag in mode 0, and an unknown
    /// bit beside it.
    @Test func predictedHeadersAreVersionSevenOnly() throws {
        let predicting = OptimalParsePredictor.candidateSettings.filter(\.predictsHeaders)
        #expect(predicting.count == 3)
        // The replay has this much content from a block's start before it starts the block.
        #expect(OptimalParsePredictor.predictedHeaderReadAhead <= DeflateReplay.blockLookahead)
        for var settings in predicting {
            settings.endsWindowsWhereMatchesEnd = false
            let (made, flags, content) = try Self.realPayload(
                "7zip-9", settings, version: 7, flags: [.predictedHeaders, .headersFirst])
            Self.expectFlagRefusals(
                made, flags: flags, inModeZero: [.headersFirst, .predictedHeaders], settings: settings, content: content)
        }
    }

    /// The analysis's candidates for 7-Zip (those with the fast-bytes rule) end their windows
    /// where matches end: their real payloads are version 8, set the flag and replay. Stamped
    /// version 7 (a version-7 build would parse in overlapping windows, and write other bytes)
    /// they are refused at the flags; so is the flag in mode 0, and an unknown bit beside it.
    /// The same settings without the flag still make version 7 payloads that replay (above).
    @Test func windowsEndingWhereMatchesEndAreVersionEightOnly() throws {
        let ending = OptimalParsePredictor.candidateSettings.filter(\.endsWindowsWhereMatchesEnd)
        #expect(ending.count == 3 && ending.allSatisfy(\.cutsAtNiceMatches))
        for settings in ending {
            let (made, flags, content) = try Self.realPayload(
                "7zip-9", settings, version: 8, flags: .windowsEndWhereMatchesEnd)
            Self.expectFlagRefusals(
                made, flags: flags, inModeZero: .windowsEndWhereMatchesEnd, settings: settings, content: content)
        }
    }

    /// The refusals at the flags' offset of a real payload `made` whose newest flag came with
    /// its version: stamped the version before, with `inModeZero` in mode 0, and with an
    /// unknown bit (6) beside its `flags`.
    static func expectFlagRefusals(
        _ made: Header, flags: DeflateReconstruction.Flags, inModeZero: DeflateReconstruction.Flags,
        settings: MatchPredictor.Settings, content: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var header = made
        header.version = made.version - 1
        expectRefusedAtFlags(header, content, "version \(header.version)", sourceLocation: sourceLocation)
        header.version = made.version
        header.fields[5] = 0
        header.fields[6] = UInt64(MatchPredictor.Settings.Mode.longest.rawValue)
        header.flags = inModeZero.rawValue
        expectRefusedAtFlags(header, content, "mode 0", sourceLocation: sourceLocation)
        header.fields[5] = UInt64(settings.lazyLimit)
        header.fields[6] = UInt64(MatchPredictor.Settings.Mode.optimalParse.rawValue)
        header.flags = flags.rawValue | 64
        expectRefusedAtFlags(header, content, "flag bit 6", sourceLocation: sourceLocation)
    }
}
