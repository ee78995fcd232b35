/// Joining and splitting paths, which stay `String`s throughout DeltaCore.
///
/// One place, so that a directory given with a trailing slash (`--distdir /var/distfiles/`)
/// never yields `//` in paths that reports and messages show.
public enum Paths {
    /// `directory/name`, with one slash between them; `name` alone when `directory` is empty.
    public static func join(_ directory: String, _ name: String) -> String {
        if directory.isEmpty { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// `directory/first/second…`, each joined by ``join(_:_:)``.
    public static func join(_ directory: String, _ first: String, _ rest: String...) -> String {
        rest.reduce(join(directory, first)) { join($0, $1) }
    }

    /// The directory part of `path`: `.` for a bare name, `/` for a name at the root.
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of `path` (the whole path when it has no slash).
    public static func name(of path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// `path` without one trailing slash, unless it is the root.
    public static func trimmingTrailingSlash(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
