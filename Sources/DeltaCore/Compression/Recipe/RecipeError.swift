/// What can go wrong while reading, applying or checking a recompression recipe.
public enum RecipeError: DeltaCoreError, Equatable {
    /// A serialized recipe is not valid; `offset` is where reading stopped.
    case malformed(offset: Int, detail: String)
    /// The recipe names a format or setting this build cannot reproduce.
    case unsupported(String)
    /// The rebuilt file differs from the recipe's target. `library` and `localLibrary`
    /// differ when a different codec version is the likely cause.
    case mismatch(
        expected: RecipeTarget, actualSize: UInt64, actualSHA256: String, library: CodecLibrary,
        localLibrary: CodecLibrary)

    public var description: String {
        switch self {
        case let .malformed(offset, detail): "malformed recompression recipe at byte \(offset): \(detail)"
        case let .unsupported(detail): "unsupported recompression recipe: \(detail)"
        case let .mismatch(expected, actualSize, actualSHA256, library, localLibrary):
            "recompressed output does not match the recipe's target (expected \(expected.size) bytes, SHA256 "
                + "\(expected.sha256); got \(actualSize) bytes, SHA256 \(actualSHA256))"
                + (library == localLibrary
                    ? ""
                    : "; the recipe was made with \(library.name) \(library.version), "
                        + "this build has \(localLibrary.name) \(localLibrary.version)")
        }
    }
}
