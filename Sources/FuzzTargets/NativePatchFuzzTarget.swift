import DeltaCore

extension FuzzTargets {
    /// The base every fuzzed native patch applies to (the committed seeds were made against it).
    public static let nativePatchBase = fuzzBase(count: 4096)

    /// Applies arbitrary bytes as a native patch to ``nativePatchBase``: header parsing, the
    /// four streams' decoders, the command bounds and the tar tracking all see hostile input.
    /// - Returns: the bytes applied before the patch ended or failed.
    @discardableResult
    public static func nativePatch(_ input: UnsafeRawBufferPointer) -> Int {
        var produced = 0
        do {
            try NativePatchApplier.apply(base: InMemorySource(nativePatchBase), patch: InMemorySource(Array(input))) {
                chunk in
                produced += chunk.count
                if produced > outputLimit { throw OutputLimitReached() }
            }
        } catch {
            _ = String(describing: error)  // every error must describe itself without trapping
        }
        return produced
    }
}
