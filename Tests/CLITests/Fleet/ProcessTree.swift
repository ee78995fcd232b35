import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The processes below a process, read from `/proc` (Linux).
enum ProcessTree {
    /// Every process whose chain of parents reaches `ancestor` (not `ancestor` itself).
    static func descendants(of ancestor: pid_t) -> Set<pid_t> {
        var children = [pid_t: [pid_t]]()
        for (pid, parent) in parents() { children[parent, default: []].append(pid) }
        var found = Set<pid_t>(), pending = [ancestor]
        while let next = pending.popLast() {
            for child in children[next] ?? [] where found.insert(child).inserted { pending.append(child) }
        }
        return found
    }

    /// Each live process and its parent, from `/proc/PID/stat`: the parent is the second field
    /// after the command name, which is in parentheses and may itself hold spaces and `)`.
    private static func parents() -> [(pid: pid_t, parent: pid_t)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return names.compactMap { name in
            guard let pid = pid_t(name),
                let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, let parent = pid_t(fields[1]) else { return nil }
            return (pid, parent)
        }
    }
}
