import Foundation

/// A real nginx on 127.0.0.1, serving a directory, run by a test and stopped by it.
///
/// Everything (config, pid, logs, temp dirs) lives in a temporary directory; nginx runs in the
/// foreground without a master process, so killing the `Process` stops it. The access log has
/// one `METHOD URI STATUS "RANGE" BYTES` line per request, so tests can assert what was fetched.
final class NginxServer: @unchecked Sendable {
    static let binary = "/usr/sbin/nginx"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    let root: URL
    let directory: URL
    let port: Int
    private let process: Process

    /// One line of the access log.
    struct Request: Equatable {
        var method: String
        var uri: String
        var status: Int
        var range: String
        var bytes: Int
    }

    /// Starts nginx serving `root`.
    init(root: URL) throws {
        self.root = root
        directory = try TestPaths.temporaryDirectory()
        for sub in ["tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi", "logs"] {
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        var lastError: Error = POSIXError(.EADDRINUSE)
        for _ in 0..<3 {
            let port = try freeLoopbackPort()
            let dir = directory.path
            let config = """
                daemon off;
                master_process off;
                worker_processes 1;
                pid \(dir)/nginx.pid;
                error_log \(dir)/error.log warn;
                events { worker_connections 64; }
                http {
                    default_type application/octet-stream;
                    log_format transfer '$request_method $uri $status "$http_range" $body_bytes_sent';
                    access_log \(dir)/access.log transfer;
                    client_body_temp_path \(dir)/tmp/body;
                    proxy_temp_path \(dir)/tmp/proxy;
                    fastcgi_temp_path \(dir)/tmp/fastcgi;
                    uwsgi_temp_path \(dir)/tmp/uwsgi;
                    scgi_temp_path \(dir)/tmp/scgi;
                    server {
                        listen 127.0.0.1:\(port);
                        root \(root.path);
                        location / { }
                    }
                }
                """
            try config.write(to: directory.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["-p", dir, "-c", "\(dir)/nginx.conf", "-e", "\(dir)/error.log"]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline && process.isRunning && !isListening(port: port) { usleep(20_000) }
            // Something else may hold the port (a test's own server, bound since we chose it):
            // nginx then logs the failed bind and keeps retrying, so check its log too.
            usleep(50_000)
            let log = (try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
            if process.isRunning && isListening(port: port) && !log.contains("bind()") {
                self.port = port
                self.process = process
                return
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
            try? FileManager.default.removeItem(at: directory.appendingPathComponent("error.log"))
            lastError = NSError(
                domain: "nginx", code: 1,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        (try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8))
                        ?? "nginx did not start"
                ])
        }
        throw lastError
    }

    deinit { stop() }

    /// `http://127.0.0.1:PORT` followed by `path`.
    func url(_ path: String = "") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The requests served so far.
    func requests() -> [Request] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("access.log"), encoding: .utf8) else {
            return []
        }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count >= 5, let status = Int(parts[2]), let bytes = Int(parts[parts.count - 1]) else {
                return nil
            }
            let range = parts[3..<(parts.count - 1)].joined(separator: " ").trimmingCharacters(
                in: CharacterSet(charactersIn: "\""))
            return Request(
                method: String(parts[0]), uri: String(parts[1]), status: status, range: range == "-" ? "" : range,
                bytes: bytes)
        }
    }

    /// Stops nginx and removes its directory. SIGKILL, because a single-process nginx keeps
    /// the signal mask it inherits, and a test runner's threads may block SIGTERM.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
