import DeltaCore
import Foundation

/// A place that serves files: a URL prefix, over http, https or file.
///
/// A file's URL is the prefix, `/`, and the file's path under the mirror: its name when the
/// mirror is flat, or the GLEP 75 path its `layout.conf` asks for. The prefix is the
/// directory that holds the files (and `layout.conf`), e.g. `https://example.org/distfiles`.
public struct Mirror: Hashable, Sendable, CustomStringConvertible {
    /// The prefix, without a trailing slash.
    public let base: URL
    /// The layout if known up front; nil to read the mirror's `layout.conf` before first use.
    public var layout: MirrorLayout?

    /// A mirror from its URL text.
    /// - Parameters:
    ///   - string: `http://…`, `https://…` or `file:///…`; a trailing `/` is ignored.
    ///   - layout: a known layout, or nil to read `layout.conf` from the mirror.
    /// - Throws: ``TransportError/invalidMirror(_:reason:)`` for another scheme, a missing host,
    ///   a query or fragment.
    public init(_ string: String, layout: MirrorLayout? = nil) throws(TransportError) {
        var text = string
        while text.hasSuffix("/") && !text.hasSuffix("://") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw .invalidMirror(string, reason: "not a URL")
        }
        switch scheme {
        case "http", "https":
            guard let host = url.host, !host.isEmpty else { throw .invalidMirror(string, reason: "no host") }
        case "file":
            guard url.host == nil || url.host == "" || url.host == "localhost" else {
                throw .invalidMirror(string, reason: "file URLs must be local (file:///path)")
            }
            guard url.path.hasPrefix("/") else {
                throw .invalidMirror(string, reason: "file URLs need an absolute path")
            }
        default:
            throw .invalidMirror(string, reason: "unsupported scheme '\(scheme)' (use http, https or file)")
        }
        guard url.query == nil, url.fragment == nil else {
            throw .invalidMirror(string, reason: "a mirror prefix cannot have a query or fragment")
        }
        self.base = url
        self.layout = layout
    }

    /// A mirror serving a local directory.
    public init(directory: String, layout: MirrorLayout? = nil) throws(TransportError) {
        try self.init(URL(fileURLWithPath: directory, isDirectory: true).absoluteString, layout: layout)
    }

    /// Whether the mirror is a local directory.
    public var isLocal: Bool { base.scheme?.lowercased() == "file" }

    /// The URL of a path under the mirror (already laid out), each segment percent-encoded.
    public func url(forPath relativePath: String) -> URL {
        let encoded = relativePath.split(separator: "/").map { segment in
            String(segment).addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters) ?? String(segment)
        }.joined(separator: "/")
        // Both parts are valid URL text, so the join is too.
        return URL(string: base.absoluteString + "/" + encoded)!
    }

    /// The URL of `name` in `structure`.
    public func url(for name: String, structure: MirrorStructure) -> URL {
        url(forPath: structure.relativePath(for: name))
    }

    /// The URL of the mirror's `layout.conf`.
    public var layoutURL: URL { url(forPath: "layout.conf") }

    public var description: String { base.absoluteString }

    /// RFC 3986 `pchar` less the characters that some servers read specially.
    private static let segmentCharacters: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(
            CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        set.insert(charactersIn: "-._~!$&'()*+,=:@")
        return set
    }()
}

/// File names as patch lists and Manifests give them.
public enum FileName {
    /// Checks that `name` is one plain path component: not empty, not `.` or `..`, no `/`
    /// and no NUL, so it can neither leave the target directory nor the mirror's tree.
    public static func validate(_ name: String) throws(TransportError) {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.utf8.contains(0) else {
            throw .invalidFileName(name)
        }
    }
}
