#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one EINTR policy of the I/O layer: a call that a signal interrupted before it did
/// anything (-1 with `EINTR`) is made again, so no caller ever sees `EINTR`.
///
/// Every call in `IO/` goes through this except `close`, which Linux completes even when it
/// reports `EINTR` (a retry could close a descriptor another thread just opened).
/// - Returns: the call's result; on -1, `errno` holds the (non-`EINTR`) failure.
@inline(__always)
func retryingInterrupted<Result: BinaryInteger>(_ call: () -> Result) -> Result {
    while true {
        let result = call()
        if result != -1 || errno != EINTR { return result }
    }
}

/// Makes `call` (retried on `EINTR`) and throws on -1, naming `operation` and `path`.
/// - Returns: the call's non-negative result.
@inline(__always)
func systemCall<Result: BinaryInteger>(
    _ operation: FileSystemError.Operation, path: String, _ call: () -> Result
) throws(FileSystemError) -> Result {
    let result = retryingInterrupted(call)
    guard result != -1 else { throw FileSystemError(operation, path: path, errno: .current) }
    return result
}
