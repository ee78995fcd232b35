import DeltaCore

/// The fuzz targets' bodies, shared by the libFuzzer executables in `Fuzz/` and by the
/// normal test suite, which replays every committed input under `Tests/DeltaCoreTests/Fuzz/`.
public enum FuzzTargets {
    /// Feeds arbitrary bytes to every decompressor in arbitrary chunk sizes. Any outcome but a
    /// crash, a hang or an unbounded allocation is fine: errors are expected and typed.
    /// The first byte picks the format and the chunk size; the rest is the stream.
    /// - Returns: the bytes decoded before the stream ended or failed.
    @discardableResult
    public static func decoders(_ input: UnsafeRawBufferPointer) -> Int {
        guard let selector = input.first else { return 0 }
        let formats: [CompressionFormat] = [.gzip, .bzip2, .xz, .none]
        let format = formats[Int(selector & 3)]
        let chunk = 1 + Int(selector >> 2) * 97
        let stream = UnsafeRawBufferPointer(rebasing: input.dropFirst())
        guard let decoder = try? format.makeDecoder() else { return 0 }
        var produced = 0
        let sink: ChunkSink = { produced += $0.count }
        do {
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + chunk)
                try decoder.process(UnsafeRawBufferPointer(rebasing: stream[offset..<end]), into: sink)
                offset = end
            }
            try decoder.finish(into: sink)
        } catch {
            _ = String(describing: error)  // every error must describe itself without trapping
        }
        return produced
    }
}
