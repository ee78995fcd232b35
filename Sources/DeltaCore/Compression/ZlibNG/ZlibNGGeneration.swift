/// The zlib-ng releases ``ZlibNGDeflateEncoder`` reproduces, as the encoder generation a
/// recipe records (deflate producer 5). Generations differ only where the releases' output
/// does; everything else is shared.
///
/// - 1: zlib-ng 2.3.3 (PyPI's `zlib-ng` 1.1.0), and 2.2.5 (1.0.0) but where a match just
///   reaches the end of the input (``stopsAtMatchReachingInputEnd``): the portable
///   multiplicative hash at levels 1 to 8.
/// - 2: zlib-ng 2.1.5 (PyPI's `zlib-ng` 0.3.0 to 0.5.1) on an x86-64 processor with SSE4.2:
///   2.1 picks a CRC32-C hash of the same 4 bytes there (`insert_string_sse42`); 2.2 dropped
///   it for the portable hash. Level 9's rolling hash and everything else are as in 2.3.3.
///
/// - 3: zlib-ng 2.0.7 (PyPI's `zlib-ng` 0.2.0; 2.0.6, PyPI's 0.1.0, at levels 2 to 9) on
///   x86-64 with SSE4.2: 2.1's CRC32-C hash, and 2.0's own rules: its strategies take 3-byte
///   matches (2.1 wants 4) and `longest_match` starts from 1 (2.1: 2), level 3 is
///   `deflate_fast` (chain 32) and level 4 `deflate_medium`
///   with other parameters, level 9 has neither the rolling hash nor `longest_match_slow`,
///   and `deflate_medium` always looks one match ahead.
///
/// Checked on x86-64 only. 2.1 on a processor without SSE4.2 uses the portable hash (so
/// generation 1 would apply, not checked), and on 64-bit ARM with the CRC extension a CRC32
/// (not CRC32-C) hash that no generation reproduces. 2.0.6's level 1 (an 8 KiB window) is
/// not reproduced.
public enum ZlibNGGeneration: Int, CaseIterable, Sendable {
    case zlibNG22 = 1
    case zlibNG21SSE42 = 2
    case zlibNG20SSE42 = 3

    /// A compression loop of zlib-ng's.
    enum Strategy { case quick, fast, medium, slow }

    /// The string recipes record as the library version (``CodecLibrary/zlibNG(generation:)``).
    public var compatibilityVersion: String {
        switch self {
        case .zlibNG22: "zlib-ng-2.3.3/1"
        case .zlibNG21SSE42: "zlib-ng-2.1.5-sse4.2/2"
        case .zlibNG20SSE42: "zlib-ng-2.0.7-sse4.2/3"
        }
    }

    /// Whether this generation is 2.0's.
    private var isRelease20: Bool { self == .zlibNG20SSE42 }

    /// The compression loop a level runs.
    func strategy(level: Int) -> Strategy {
        switch level {
        case 1: .quick
        case 2: .fast
        case 3: isRelease20 ? .fast : .medium
        case 4...6: .medium
        default: .slow
        }
    }

    /// The configuration table's row for a level: good, lazy, nice, chain.
    func configuration(level: Int) -> (good: Int, lazy: Int, nice: Int, chain: Int) {
        switch (level, isRelease20) {
        case (1, _): (0, 0, 0, 0)
        case (2, _): (4, 4, 8, 4)
        case (3, false): (4, 6, 16, 6)
        case (3, true): (4, 6, 32, 32)
        case (4, false): (4, 12, 32, 24)
        case (4, true): (4, 4, 16, 16)
        case (5, _): (8, 16, 32, 32)
        case (6, _): (8, 16, 128, 128)
        case (7, _): (8, 32, 128, 256)
        case (8, _): (32, 128, 258, 1024)
        default: (32, 258, 258, 4096)
        }
    }

    /// The shortest match the strategies take: 2.1's `WANT_MIN_MATCH` (4), 2.0's `MIN_MATCH`.
    var minimumMatch: Int { isRelease20 ? 3 : 4 }

    /// The length `longest_match` must beat when there is no previous match (`prev_length`
    /// 0): 2.1's `STD_MIN_MATCH - 1`, 2.0's 1 (a 2-byte candidate then counts as found, which
    /// changes where the early exit of levels below 5 stops the chain walk).
    var matchSearchFloor: Int { isRelease20 ? 1 : 2 }

    /// Whether `longest_match` stops at the first match that reaches the end of the input
    /// (2.3.3, as checked), or only at one that runs past it, keeping the walk going when a
    /// match just reaches it (2.0 to 2.2: `len > lookahead`). Only streams whose last match
    /// could reach several ways show it (2.2.5 and 2.3.3 differ there on 4-symbol input).
    var stopsAtMatchReachingInputEnd: Bool { self == .zlibNG22 }

    /// `prev_length` as `lm_init` sets it: 2.0's `MIN_MATCH - 1` (the strategies but
    /// `deflate_slow` never change it, until a window slide zeroes it), 2.1's 0.
    var initialPreviousLength: Int { isRelease20 ? 2 : 0 }

    /// Whether chains over 1024 (level 9) use the rolling hash and `longest_match_slow`.
    var hasRollingHash: Bool { !isRelease20 }

    /// Whether `deflate_medium` skips its look-ahead below level 5 (2.1's `early_exit`).
    var mediumSkipsLookAheadBelowLevel5: Bool { !isRelease20 }

    /// The hash levels 1 to 8 insert strings with.
    var hash: ZlibNGMatchFinder.Hash {
        switch self {
        case .zlibNG22: .multiplicative
        case .zlibNG21SSE42, .zlibNG20SSE42: .crc32c
        }
    }
}
