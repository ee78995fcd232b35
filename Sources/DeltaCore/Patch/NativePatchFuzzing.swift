/// The entry point fuzz targets and their replay tests share, so that both exercise the same code.
public enum NativePatchFuzzing {
    /// A fixed base for fuzzed patches: text with repeats, and a small tar-like header.
    public static let base: [UInt8] = Array("deltafetch fuzz base: the quick brown fox jumps over the lazy dog. ".utf8)
        + [UInt8](repeating: 0, count: 200) + Array("ustar\u{0}00 0000644 ".utf8) + (0..<256).map { UInt8($0) }

    /// Applies `data` as a native patch to ``base`` and discards the output.
    /// - Returns: whether it applied (most fuzzed inputs are refused with an error, as they should be).
    @discardableResult
    public static func applyToFixedBase(_ data: [UInt8]) -> Bool {
        var produced: UInt64 = 0
        do {
            try NativePatchApplier.apply(base: InMemorySource(base), patch: InMemorySource(data)) { produced += UInt64($0.count) }
            return true
        } catch {
            return false
        }
    }
}
