#if canImport(Glibc)
import Glibc
#endif

/// A long-running child (a daemon kept in the foreground, like `sshd -D`) started with
/// `posix_spawn` rather than Foundation's `Process`.
///
/// Under `Process` the fleet test hung: Foundation's one child-monitoring thread sat in a
/// blocking `waitpid` on sshd (which closes the descriptors it inherits as it starts, and
/// then lives on), so no other `Process` of the test was ever seen to end.
final class DaemonProcess: @unchecked Sendable {
    let pid: pid_t
    private var exited = false

    /// Starts `path` with `arguments`, stdin from /dev/null, stdout and stderr appended to `log`.
    /// The corresponding C function is `posix_spawn`.
    init(path: String, arguments: [String], log: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let status = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard status == 0 else { throw FleetError("posix_spawn \(path): errno \(status)") }
        self.pid = pid
    }

    /// Whether it has not ended yet (reaping it if it has). The corresponding C function is
    /// `waitpid` with `WNOHANG`.
    var isRunning: Bool {
        guard !exited else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited = true }
        return !exited
    }

    /// Waits for it to end. The corresponding C function is `waitpid`.
    func waitUntilExit() {
        guard !exited else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        exited = true
    }
}
