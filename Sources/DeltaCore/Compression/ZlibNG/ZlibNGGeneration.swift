/// The zlib-ng releases ``ZlibNGDeflateEncoder`` reproduces, as the encoder generation a
/// recipe records (deflate producer 5). Generations differ only where the releases' output
/// does; everything else is shared.
///
/// - 1: zlib-ng 2.2.5 and 2.3.3 (PyPI's `zlib-ng` 1.0.0 and 1.1.0): the portable
///   multiplicative hash at levels 1 to 8.
/// - 2: zlib-ng 2.1.5 (PyPI's `zlib-ng` 0.3.0 to 0.5.1) on an x86-64 processor with SSE4.2:
///   2.1 picks a CRC32-C hash of the same 4 bytes there (`insert_string_sse42`); 2.2 dropped
///   it for the portable hash. Level 9's rolling hash and everything else are as in 2.3.3.
///
/// Checked on x86-64 only. 2.1 on a processor without SSE4.2 uses the portable hash (so
/// generation 1 would apply, not checked), and on 64-bit ARM with the CRC extension a CRC32
/// (not CRC32-C) hash that no generation reproduces. zlib-ng 2.0 (PyPI's 0.1.0 and 0.2.0)
/// differs at every level and is not reproduced.
public enum ZlibNGGeneration: Int, CaseIterable, Sendable {
    case zlibNG2_2 = 1
    case zlibNG2_1SSE42 = 2

    /// The string recipes record as the library version (``CodecLibrary/zlibNG(generation:)``).
    public var compatibilityVersion: String {
        switch self {
        case .zlibNG2_2: "zlib-ng-2.3.3/1"
        case .zlibNG2_1SSE42: "zlib-ng-2.1.5-sse4.2/2"
        }
    }

    /// The hash levels 1 to 8 insert strings with.
    var hash: ZlibNGMatchFinder.Hash {
        switch self {
        case .zlibNG2_2: .multiplicative
        case .zlibNG2_1SSE42: .crc32c
        }
    }
}
