extension RecompressionRecipe {
    /// The recipe a file named `fileName` most likely used when nothing better is known (the
    /// last patch of a chain carries no recipe): GNU `gzip -9` with an empty header for
    /// `.gz`/`.tgz` (what `make dist` writes), `bzip2 -9` for `.bz2`/`.tbz2`, `xz -6` with a
    /// CRC64 check for `.xz`/`.txz`. Nil for other names (a `.tar` needs no recipe).
    ///
    /// A file rebuilt this way rarely matches the upstream bytes; its content is what was
    /// verified, and the caller decides what a different compressed digest means.
    public static func conventional(forFileName fileName: String) -> RecompressionRecipe? {
        let name = fileName.lowercased()
        func endsWith(_ suffixes: String...) -> Bool { suffixes.contains { name.hasSuffix($0) } }
        if endsWith(".gz", ".tgz") {
            return RecompressionRecipe(
                format: .gzip, library: .gnuDeflate,
                gzip: GzipRecipe(header: GzipHeader(), deflater: .gnuGzip, level: 9))
        }
        if endsWith(".bz2", ".tbz2", ".tbz") {
            return RecompressionRecipe(format: .bzip2, library: .libbz2, bzip2: Bzip2Recipe(blockSize: 9))
        }
        if endsWith(".xz", ".txz") {
            return RecompressionRecipe(
                format: .xz, library: .liblzma, xz: XZRecipe(preset: 6, extreme: false, check: .crc64))
        }
        return nil
    }
}
