/// Checks a base file's digest on a worker thread while the patch is being applied.
///
/// The applier must not trust a base it has not verified, but it need not wait for the check
/// to start: the result goes to a temporary file that is only renamed into place once both
/// this check and the result's own digest have passed. Reading the base twice at once costs
/// nothing extra when it is in the page cache, and the hash then overlaps the decoding.
final class BaseDigestCheck: Sendable {
    private let check: BlockingWork.Pending<Result<Void, any Error>>

    /// Starts hashing `file` (at `path`) with `algorithm` against `expected`. Its size must
    /// already have been checked (``PatchFileApplier/verifySize(_:against:path:)``).
    init(_ file: ReadableFile, against expected: DigestSet, algorithm: DigestAlgorithm, path: String) {
        // The file is only read here (pread) until result() returns, and closed after.
        let fileBox = UnsafeSendable(file)
        check = BlockingWork.start {
            Result {
                try PatchFileApplier.verifyDigest(fileBox.value, against: expected, algorithm: algorithm, path: path)
            }
        }
    }

    /// Waits for the check; throws what it found wrong (a ``FileError`` naming the base).
    /// Call it on every path before the base file is closed.
    func result() throws {
        try check.wait().get()
    }
}
