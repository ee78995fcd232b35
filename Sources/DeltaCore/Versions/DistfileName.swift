/// A distfile's name taken apart: package, version and archive suffix
/// (`gnu-efi_3.0.15.orig.tar.bz2` → `gnu-efi`, `3.0.15`, `.orig.tar.bz2`).
public struct DistfileName: Hashable, Sendable {
    /// The whole file name.
    public var fileName: String
    /// The package part, as written (`Django`, `gnu-efi`).
    public var package: String
    /// The version as written (`5.0.6`, `1.0rc1`).
    public var versionText: String
    /// The version, parsed leniently for ordering.
    public var version: GentooVersion
    /// Everything after the version (`.tar.gz`, `.orig.tar.bz2`).
    public var suffix: String

    /// Archive endings recognised, longest first so `.tar.gz` wins over `.gz`.
    static let archiveEndings = [
        ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar.lz", ".tar.lzma", ".tgz", ".tbz2",
        ".tbz", ".txz", ".tar", ".zip", ".gz", ".bz2", ".xz",
    ]

    /// Splits `fileName`; nil when no version can be found in it.
    ///
    /// The version starts after the first `-` or `_` that is followed by something that parses
    /// as a version up to the archive ending (Debian's `.orig` is part of the ending).
    public init?(_ fileName: String) {
        guard let ending = Self.archiveEndings.first(where: { fileName.hasSuffix($0) && fileName.count > $0.count })
        else {
            return nil
        }
        var stem = String(fileName.dropLast(ending.count))
        var suffix = ending
        if stem.hasSuffix(".orig") {
            stem = String(stem.dropLast(5))
            suffix = ".orig" + suffix
        }
        var index = stem.startIndex
        while index < stem.endIndex {
            let c = stem[index]
            let next = stem.index(after: index)
            if c == "-" || c == "_", next < stem.endIndex, stem[next].isASCII, stem[next].isNumber,
                index > stem.startIndex
            {
                let text = String(stem[next...])
                if let version = GentooVersion(upstream: text) {
                    self.fileName = fileName
                    self.package = String(stem[..<index])
                    self.versionText = text
                    self.version = version
                    self.suffix = suffix
                    return
                }
            }
            index = next
        }
        return nil
    }

    /// Files of the same package and the same kind of archive: what may be diffed together.
    public var seriesKey: String { package.lowercased() + "\u{0}" + suffix }
}
