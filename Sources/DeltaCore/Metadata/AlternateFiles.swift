/// Where rebuilt files with alternate digests are kept in a distdir.
///
/// GLEP 25 keeps such a file under the distfile's own name, which only works when every user
/// of the distdir reads the alternate-digest database ("shared-database mode"): a plain
/// Portage sharing the distdir would see a checksum failure. So by default they are kept
/// apart, in `DISTDIR/.deltafetch/alternates/`, where only `deltafetch` (through the
/// database) finds them. Either way the database line is the same (the alternate part
/// names the file only when its name differs); lookups try the apart directory first, then
/// the distdir itself, and the digests decide.
public enum AlternateFiles {
    /// The apart directory, relative to the distdir.
    public static let relativeDirectory = ".deltafetch/alternates"

    /// The apart directory of `distdir`.
    public static func directory(distdir: String) -> String {
        Paths.join(distdir, relativeDirectory)
    }

    /// Where a rebuilt file named `name` goes: apart (the default) or, in shared-database
    /// mode, under its own name in the distdir. Relative to the distdir.
    public static func relativePath(of name: String, shared: Bool) -> String {
        shared ? name : Paths.join(relativeDirectory, name)
    }

    /// The places an entry's file may be, relative to the distdir: apart, then in the distdir.
    /// None for a name that is not a plain file name (a list cannot point outside the distdir).
    public static func candidates(for entry: AlternateDigestEntry) -> [String] {
        let name = entry.fileName
        guard isPlainName(name) else { return [] }
        return [Paths.join(relativeDirectory, name), name]
    }

    /// The first candidate of `entry` that exists in `distdir`, relative to it.
    public static func existing(_ entry: AlternateDigestEntry, distdir: String) -> String? {
        candidates(for: entry).first { FileSystem.exists(Paths.join(distdir, $0)) }
    }

    /// Creates the apart directory (and `.deltafetch`) if missing.
    /// - Throws: ``FileSystemError`` naming the directory that cannot be made.
    public static func createDirectory(distdir: String) throws(FileSystemError) {
        var path = distdir
        for component in relativeDirectory.split(separator: "/") {
            path = Paths.join(path, String(component))
            try FileSystem.createDirectory(path)
        }
    }

    /// A name without `/` that is not `.` or `..`.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && name != "." && name != ".."
    }
}
