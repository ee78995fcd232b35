/// What can go wrong while making a patch.
public enum DiffError: DeltaCoreError, Equatable {
    /// An input is larger than the differ can index.
    case inputTooLarge(size: UInt64, limit: UInt64)

    public var description: String {
        switch self {
        case let .inputTooLarge(size, limit):
            "input of \(size) bytes is larger than the differ's limit of \(limit) bytes"
        }
    }
}
