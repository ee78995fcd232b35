/// Which payload version a deflate reconstruction is written as, and the flags version 3 adds.
///
/// A payload is always written as the *oldest* version that can express it: modes 0-1 without
/// flags are version 1, modes 2-5 without flags version 2, so those payloads stay byte for byte
/// what they were before version 3. Version 3 adds a `flags` varint right after the predictor
/// mode (``DeflateReconstruction/Flags``) and the modes that exist only in version 3.
extension DeflateReconstruction {
    /// Version 3's `flags` varint, after the predictor mode. Bits not listed here are refused.
    struct Flags: OptionSet, Equatable {
        let rawValue: UInt64

        /// Every dynamic block's header is coded *before* its tokens, without them
        /// (``HeadersFirstHeaderModel``): the replay writes the header, then each token as it is
        /// decoded, so a dynamic block of any length replays in bounded memory, and a predictor
        /// may use the block's code lengths.
        static let headersFirst = Flags(rawValue: 1)

        /// Version 4: the body is cut into independently coded segments, listed in a segment
        /// table after the flags (``DeflateReconstruction/Segment``), so they replay in parallel.
        static let segmented = Flags(rawValue: 2)

        /// Version 6: mode 6 with a nice length follows 7-Zip's fast bytes
        /// (``MatchPredictor/Settings/cutsAtNiceMatches``): where its walk forward from a
        /// window's first position meets a match of at least the nice length, it takes it, and
        /// no token crosses that position.
        static let niceMatchCuts = Flags(rawValue: 4)

        /// Version 7: mode 6 codes each dynamic block's content length before its header, and
        /// the header against the one 7-Zip would build for the parse of the block's first
        /// positions under the previous header's lengths
        /// (``MatchPredictor/Settings/predictsHeaders``, ``OptimalParsePredictor/predictedFrequencies(start:end:previous:)``,
        /// ``SevenZipHeaderPredictor``).
        static let predictedHeaders = Flags(rawValue: 8)

        /// Version 7: mode 6 parses a dynamic block under the previous dynamic header's code
        /// lengths, as 7-Zip's single pass (-mx5, -mx6) does, and codes the header after the
        /// tokens, predicted from them by ``SevenZipHeaderPredictor``
        /// (``MatchPredictor/Settings/pricesFromPreviousBlock``); without ``headersFirst``.
        static let previousBlockPrices = Flags(rawValue: 16)

        /// Version 8: mode 6's windows end where no candidate crosses, as 7-Zip's forward
        /// parse's do, and all their choices are used
        /// (``MatchPredictor/Settings/endsWindowsWhereMatchesEnd``), instead of 4,096
        /// positions of which the first 3,072 are used.
        static let windowsEndWhereMatchesEnd = Flags(rawValue: 32)

        /// The flags this build reads; a payload with any other bit is refused.
        static let known: Flags = [
            .headersFirst, .segmented, .niceMatchCuts, .predictedHeaders, .previousBlockPrices,
            .windowsEndWhereMatchesEnd,
        ]

        /// The first payload version with every flag set here (1 when none is).
        var minimumPayloadVersion: UInt8 {
            var version: UInt8 = 1
            if contains(.headersFirst) { version = max(version, 3) }
            if contains(.segmented) { version = max(version, 4) }
            if contains(.niceMatchCuts) { version = max(version, 6) }
            if contains(.predictedHeaders) || contains(.previousBlockPrices) { version = max(version, 7) }
            if contains(.windowsEndWhereMatchesEnd) { version = max(version, 8) }
            return version
        }
    }

    /// The oldest payload version that expresses a payload with these predictor `settings`
    /// and `flags`.
    static func version(for settings: MatchPredictor.Settings, flags: Flags) -> UInt8 {
        max(settings.minimumPayloadVersion, flags.minimumPayloadVersion)
    }
}

extension MatchPredictor.Settings {
    /// Mode 6's nice length (``OptimalParsePredictor``), carried in the lazy limit, which the
    /// mode has no other use for: 0 (versions 4 and 5) is 258, no cut; 3-257 (version 5) end
    /// the trees' comparisons, and so their descents, at that many equal bytes.
    var optimalParseNiceLength: Int { lazyLimit == 0 ? 258 : lazyLimit }

    /// The first payload version with these settings: the mode's, 5 for mode 6 with a nice
    /// length (a version-4 build would replay it without the cut, and write other bytes), 6
    /// with the fast-bytes rule too, 7 when headers are predicted, 8 when windows end where
    /// matches end.
    var minimumPayloadVersion: UInt8 {
        let modeVersion: UInt8 = mode == .optimalParse && lazyLimit != 0 ? 5 : mode.minimumPayloadVersion
        return max(modeVersion, requiredFlags.minimumPayloadVersion)
    }

    /// These settings for a stream that needs `flags`: without ``pricesFromPreviousBlock``
    /// when the stream needs ``DeflateReconstruction/Flags/headersFirst`` (a dynamic block too
    /// long for the replay to hold its tokens until its header).
    func fitting(_ flags: DeflateReconstruction.Flags) -> Self {
        var fitted = self
        if flags.contains(.headersFirst) { fitted.pricesFromPreviousBlock = false }
        return fitted
    }

    /// Whether a payload of `version` may carry these settings: the version has the mode,
    /// mode 6's lazy limit is 0 or, from version 5, a nice length of 3-257, the fast-bytes
    /// rule (version 6) comes only with such a nice length, and predicted headers (version 7)
    /// and windows ending where matches end (version 8) only in mode 6.
    func isValid(inPayloadVersion version: UInt8) -> Bool {
        guard minimumPayloadVersion <= version else { return false }
        if predictsHeaders && mode != .optimalParse { return false }
        if pricesFromPreviousBlock && (mode != .optimalParse || predictsHeaders) { return false }
        if endsWindowsWhereMatchesEnd && mode != .optimalParse { return false }
        if cutsAtNiceMatches { return mode == .optimalParse && (3...257).contains(lazyLimit) }
        return mode != .optimalParse || lazyLimit == 0 || (3...257).contains(lazyLimit)
    }

    /// The flags a payload with these settings must set: the mode's,
    /// ``DeflateReconstruction/Flags/niceMatchCuts`` for ``cutsAtNiceMatches`` and
    /// ``DeflateReconstruction/Flags/predictedHeaders`` for ``predictsHeaders``,
    /// ``DeflateReconstruction/Flags/windowsEndWhereMatchesEnd`` for ``endsWindowsWhereMatchesEnd``; with
    /// ``pricesFromPreviousBlock`` its flag instead of the mode's ``DeflateReconstruction/Flags/headersFirst``.
    var requiredFlags: DeflateReconstruction.Flags {
        var flags = pricesFromPreviousBlock ? [.previousBlockPrices] : mode.requiredFlags
        if cutsAtNiceMatches { flags.insert(.niceMatchCuts) }
        if predictsHeaders { flags.insert(.predictedHeaders) }
        if endsWindowsWhereMatchesEnd { flags.insert(.windowsEndWhereMatchesEnd) }
        return flags
    }
}

extension MatchPredictor.Settings.Mode {
    /// The first payload version that has this mode (a mode added later extends this switch).
    /// Mode 6 is version 4's: its match finder changed on 2026-12-02 (a binary tree instead of a
    /// hash chain), so a build that replays version-3 mode 6 with the old finder refuses the new
    /// payloads rather than writing other bytes, and this build refuses version-3 mode 6.
    var minimumPayloadVersion: UInt8 {
        switch self {
        case .longest, .newestOfFour: 1
        case .isalLevel0, .isalLevel1, .isalLevel2, .isalLevel3: 2
        case .zlibNGQuick, .zlibNGQuickCRC32C, .zlibNGQuick20: 3
        case .optimalParse, .zlibNGMedium, .zlibNGMediumCRC32C, .zlibNGMedium20: 4
        }
    }

    /// The flags a payload in this mode must set (a predictor that reads the block's code
    /// lengths needs ``DeflateReconstruction/Flags/headersFirst``).
    var requiredFlags: DeflateReconstruction.Flags {
        switch self {
        case .longest, .newestOfFour, .isalLevel0, .isalLevel1, .isalLevel2, .isalLevel3, .zlibNGQuick,
            .zlibNGQuickCRC32C, .zlibNGQuick20, .zlibNGMedium, .zlibNGMediumCRC32C, .zlibNGMedium20:
            []
        case .optimalParse: .headersFirst
        }
    }

    /// Whether a payload in this mode may be ``DeflateReconstruction/Flags/segmented``: the
    /// predictor can start fresh at a segment's start, warmed over the window before it
    /// (``MatchPredictor/warm(upTo:)``; mode 6's binary trees since 2026-12-02). The zlib-ng
    /// medium modes (their window follows the exact encoder's `fill_window` from the content's
    /// start) have no warm-up yet, and ISA-L level 3's map started empty cost 5 kB a segment
    /// (Django 5.1 tar: 129,804 bytes segmented against 57,747): they keep one segment, and
    /// their replay is serial.
    var supportsSegments: Bool {
        switch self {
        case .longest, .newestOfFour, .isalLevel0, .isalLevel1, .isalLevel2, .zlibNGQuick,
            .zlibNGQuickCRC32C, .zlibNGQuick20, .optimalParse:
            true
        case .isalLevel3, .zlibNGMedium, .zlibNGMediumCRC32C, .zlibNGMedium20: false
        }
    }
}
