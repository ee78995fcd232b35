/// Why a deflate stream could not be taken apart for reconstruction.
public enum DeflateParseError: Error, Equatable, CustomStringConvertible {
    /// The stream is not valid deflate (or not the given content) at `bitOffset`.
    case invalid(bitOffset: Int, detail: String)
    /// The stream is valid but beyond what reconstruction records (a limit, or bytes after
    /// the final block).
    case unsupported(String)

    public var description: String {
        switch self {
        case let .invalid(bitOffset, detail): "invalid deflate stream at bit \(bitOffset): \(detail)"
        case let .unsupported(detail): "deflate stream not reconstructible: \(detail)"
        }
    }
}
