import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Three (or more) ssh "hosts" on this machine for fleet tests: one real `sshd` per host on its
/// own loopback port, with its own host key, admitting only its own user (`deltafleet1`, …, in
/// group `deltafleet`, each with its own home as work directory) by key. A client key, a
/// `known_hosts` pinning each host key, an ssh config and a GNU parallel `--sshloginfile`
/// naming the hosts (`1/fleet1`: one job slot each) are written beside them.
///
/// Needs root (to create the users and to let sshd switch to them). The users and group are
/// made once and kept (`useradd`/`groupadd` only when missing), so that runs at the same time
/// never delete each other's users; everything else lives in `root` and goes with ``stop()``.
final class SSHFleet: @unchecked Sendable {
    /// One host: its sshd process, port and user.
    struct Host {
        var name: String
        var user: String
        var port: Int
        /// Its sshd, once started.
        var sshd: DaemonProcess?
    }

    static let group = "deltafleet"
    static let sshd = "/usr/sbin/sshd"

    /// Why a fleet cannot be made on this machine, or nil when it can.
    static let unavailableReason: String? = {
        if geteuid() != 0 { return "needs root to create the fleet's users (uid \(geteuid()))" }
        let tools = [
            sshd, "/usr/bin/ssh", "/usr/bin/ssh-keygen", "/usr/bin/parallel", "/usr/sbin/useradd", "/usr/sbin/groupadd",
        ]
        let missing = tools.filter { !FileManager.default.isExecutableFile(atPath: $0) }
        return missing.isEmpty
            ? nil : "needs \(missing.joined(separator: ", ")) (apt-get install parallel openssh-server)"
    }()

    let root: URL
    private(set) var hosts: [Host] = []
    var sshDirectory: String { root.appendingPathComponent("ssh").path }
    var sshConfig: String { sshDirectory + "/config" }
    var sshLoginFile: String { sshDirectory + "/sshloginfile" }
    /// The ssh command for GNU parallel (`PARALLEL_SSH`): in the sshloginfile a command with
    /// spaces would land in the job log's host column, which `--resume-failed` then refuses.
    var parallelSSH: String { "ssh -F \(sshConfig)" }

    /// Makes the users, keys and configuration for `count` hosts under `root` and starts their
    /// sshd; returns once every host answers `ssh HOST true`.
    init(root: URL, count: Int = 3) throws {
        self.root = root
        try FileManager.default.createDirectory(
            atPath: sshDirectory + "/authorized_keys", withIntermediateDirectories: true)
        // sshd refuses to start without its privilege separation directory.
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try Self.ensureGroup()
        try Self.run(
            "/usr/bin/ssh-keygen",
            ["-q", "-t", "ed25519", "-N", "", "-C", "fleet-client", "-f", sshDirectory + "/client_key"])
        let clientKey = try String(contentsOfFile: sshDirectory + "/client_key.pub", encoding: .utf8)
        var knownHosts = "", config = "", logins = ""
        for number in 1...count {
            let name = "fleet\(number)", user = "deltafleet\(number)"
            try Self.ensureUser(user)
            try clientKey.write(toFile: "\(sshDirectory)/authorized_keys/\(user)", atomically: true, encoding: .utf8)
            let hostKey = "\(sshDirectory)/\(name)_host_key"
            try Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", hostKey])
            knownHosts += name + " " + (try String(contentsOfFile: hostKey + ".pub", encoding: .utf8))
            let port = try Self.freePort()
            try """
            ListenAddress 127.0.0.1
            Port \(port)
            HostKey \(hostKey)
            PidFile none
            AuthorizedKeysFile \(sshDirectory)/authorized_keys/%u
            AllowUsers \(user)
            StrictModes no
            UsePAM no
            PubkeyAuthentication yes
            AuthenticationMethods publickey
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin no
            AllowTcpForwarding no
            X11Forwarding no
            PrintMotd no
            LogLevel ERROR

            """.write(toFile: "\(sshDirectory)/\(name)_sshd_config", atomically: true, encoding: .utf8)
            config += """
                Host \(name)
                  HostName 127.0.0.1
                  Port \(port)
                  User \(user)
                  HostKeyAlias \(name)

                """
            logins += "1/\(name)\n"
            hosts.append(Host(name: name, user: user, port: port))
        }
        config += """
            Host *
              IdentityFile \(sshDirectory)/client_key
              IdentitiesOnly yes
              UserKnownHostsFile \(sshDirectory)/known_hosts
              StrictHostKeyChecking yes
              BatchMode yes
              ConnectTimeout 10
              LogLevel ERROR

            """
        try knownHosts.write(toFile: sshDirectory + "/known_hosts", atomically: true, encoding: .utf8)
        try config.write(toFile: sshConfig, atomically: true, encoding: .utf8)
        try logins.write(toFile: sshLoginFile, atomically: true, encoding: .utf8)
        // ssh refuses a private key others can read; sshd reads the rest as the hosts' users.
        chmod(sshDirectory + "/client_key", 0o600)
        do {
            for index in hosts.indices { try start(index) }
        } catch {
            stop()
            throw error
        }
    }

    /// Starts (or restarts, after ``kill(_:)``) host `index`'s sshd and waits until it answers.
    func start(_ index: Int) throws {
        let host = hosts[index]
        let log = "\(sshDirectory)/\(host.name)_sshd.log"
        let process = try DaemonProcess(
            path: Self.sshd, arguments: ["-D", "-e", "-f", "\(sshDirectory)/\(host.name)_sshd_config"], log: log)
        hosts[index].sshd = process
        let deadline = Date().addingTimeInterval(20)
        while true {
            if (try? ssh(index, "true"))?.status == 0 { return }
            guard process.isRunning, Date() < deadline else {
                throw FleetError(
                    "\(host.name): sshd did not come up: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            }
            usleep(100_000)
        }
    }

    /// Runs `command` on host `index` over ssh, as its user.
    func ssh(_ index: Int, _ command: String) throws -> (status: Int32, output: String) {
        try Self.capture("/usr/bin/ssh", ["-F", sshConfig, hosts[index].name, command])
    }

    /// Kills host `index` the way a machine dies: every process of its sshd, the sessions and
    /// the jobs under them, stopped first (so that none can finish or fork while the rest are
    /// found) and then killed with SIGKILL.
    /// - Returns: the process ids killed.
    @discardableResult
    func kill(_ index: Int) -> [pid_t] {
        guard let sshd = hosts[index].sshd else { return [] }
        let listener = sshd.pid
        var stopped = Set<pid_t>()
        while true {
            let tree = ProcessTree.descendants(of: listener).union([listener])
            let fresh = tree.subtracting(stopped)
            if fresh.isEmpty { break }
            for pid in fresh { Glibc.kill(pid, SIGSTOP) }
            stopped.formUnion(fresh)
        }
        for pid in stopped { Glibc.kill(pid, SIGKILL) }
        sshd.waitUntilExit()
        return stopped.sorted()
    }

    /// The uid of host `index`'s user.
    func uid(_ index: Int) -> uid_t? { getpwnam(hosts[index].user).map { $0.pointee.pw_uid } }

    /// The fleet's group id.
    static var gid: gid_t? { getgrnam(group).map { $0.pointee.gr_gid } }

    /// Stops every sshd (and what runs under it) and deletes `root`. The users stay.
    func stop() {
        for index in hosts.indices where hosts[index].sshd?.isRunning == true { kill(index) }
        try? FileManager.default.removeItem(at: root)
    }

    private static func ensureGroup() throws {
        if getgrnam(group) == nil {
            let made = try capture("/usr/sbin/groupadd", ["--system", group])
            // Another run may have made it meanwhile.
            guard made.status == 0 || getgrnam(group) != nil else {
                throw FleetError("groupadd \(group): \(made.output)")
            }
        }
    }

    /// A user with a home of its own (its work directory), a shell, and no password; `*`, not
    /// useradd's `!`, since sshd without PAM refuses even key logins to a locked account.
    private static func ensureUser(_ user: String) throws {
        if getpwnam(user) == nil {
            let made = try capture(
                "/usr/sbin/useradd", ["--create-home", "--gid", group, "--shell", "/bin/bash", "--password", "*", user])
            guard made.status == 0 || getpwnam(user) != nil else { throw FleetError("useradd \(user): \(made.output)") }
        }
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now.
    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw FleetError("socket: errno \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw FleetError("bind: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let result = try capture(tool, arguments)
        guard result.status == 0 else {
            throw FleetError("\(tool) \(arguments.joined(separator: " ")): \(result.output)")
        }
    }

    /// Runs `tool` and returns its exit status and everything it printed (stdout then stderr).
    static func capture(_ tool: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (
        status: Int32, output: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A fleet set-up that went wrong, with what the tool said.
struct FleetError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
