/// What can go wrong planning, listing or running a batch of patches.
public enum BatchError: DeltaCoreError, Equatable {
    /// A work-list line that is not `INDEX<TAB>OLD<TAB>NEW`.
    case malformedWorkList(path: String, line: Int, problem: String)
    /// `--run-job N` names a job the work list does not have.
    case noSuchJob(index: Int, path: String)
    /// A path that cannot be written to a work list (tabs and newlines separate fields).
    case unlistablePath(String)

    public var description: String {
        switch self {
        case let .malformedWorkList(path, line, problem): "\(path):\(line): \(problem)"
        case let .noSuchJob(index, path): "\(path): there is no job \(index)"
        case let .unlistablePath(path): "\(path): a path with a tab or a newline cannot go into a work list"
        }
    }
}
