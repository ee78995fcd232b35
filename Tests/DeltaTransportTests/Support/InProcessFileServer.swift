import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A static file server on 127.0.0.1 inside the test process, standing in for nginx where it
/// is not installed, so that the end-to-end fetch suites run on a fresh machine too.
///
/// Serves files under `root` as nginx's `location / { }` does for what the fetcher asks:
/// `GET` and `HEAD`, `Range: bytes=N-` and `bytes=N-M` with 206 (416 past the end), 404 for
/// anything missing or outside the root. Every request is logged in nginx's access-log shape
/// (``NginxServer/Request``) so the same assertions hold.
final class InProcessFileServer: Sendable {
    let root: URL
    let port: Int
    private let channel: any Channel
    private let log = Mutex([NginxServer.Request]())

    /// Starts serving `root`.
    init(root: URL) throws {
        self.root = root
        let box = Box()
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(StaticFileHandler(server: box.value!))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        self.channel = channel
        port = channel.localAddress!.port!
        box.value = self
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    func url(_ path: String = "") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The requests served so far.
    func requests() -> [NginxServer.Request] { log.withLock { $0 } }

    func record(_ request: NginxServer.Request) { log.withLock { $0.append(request) } }

    func stop() { try? channel.close().wait() }

    /// The file a request path names, if it is a regular file inside the root.
    func file(for uri: String) -> URL? {
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        guard let decoded = path.removingPercentEncoding, !decoded.split(separator: "/").contains("..") else {
            return nil
        }
        let url = root.appendingPathComponent(String(decoded.drop(while: { $0 == "/" })))
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return nil
        }
        return url
    }

    private final class Box: @unchecked Sendable { var value: InProcessFileServer? }
}

private final class StaticFileHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: InProcessFileServer
    private var head: HTTPRequestHead?

    init(server: InProcessFileServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end: if let head { respond(context: context, head: head) }
        }
    }

    private func respond(context: ChannelHandlerContext, head request: HTTPRequestHead) {
        let rangeHeader = request.headers.first(name: "range") ?? ""
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        guard request.method == .GET || request.method == .HEAD,
            let file = server.file(for: request.uri), let bytes = try? [UInt8](Data(contentsOf: file))
        else {
            send(context: context, status: .notFound, headers: [:], body: [], method: request.method)
            server.record(
                NginxServer.Request(
                    method: request.method.rawValue, uri: path, status: 404, range: rangeHeader, bytes: 0))
            return
        }
        var status = HTTPResponseStatus.ok
        var body = bytes[...]
        var headers: HTTPHeaders = ["Accept-Ranges": "bytes"]
        if let range = Self.range(rangeHeader, size: bytes.count) {
            guard let range = range else {
                headers.add(name: "Content-Range", value: "bytes */\(bytes.count)")
                send(context: context, status: .rangeNotSatisfiable, headers: headers, body: [], method: request.method)
                server.record(
                    NginxServer.Request(
                        method: request.method.rawValue, uri: path, status: 416, range: rangeHeader, bytes: 0))
                return
            }
            status = .partialContent
            body = bytes[range]
            headers.add(
                name: "Content-Range", value: "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(bytes.count)")
        }
        send(context: context, status: status, headers: headers, body: Array(body), method: request.method)
        server.record(
            NginxServer.Request(
                method: request.method.rawValue, uri: path, status: Int(status.code), range: rangeHeader,
                bytes: request.method == .HEAD ? 0 : body.count))
    }

    /// nil: no (usable) Range header, serve whole; `.some(nil)`: unsatisfiable; else the bytes asked for.
    private static func range(_ header: String, size: Int) -> Range<Int>?? {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst("bytes=".count).split(
            separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard spec.count == 2, let start = Int(spec[0]) else { return nil }
        guard start < size else { return .some(nil) }
        let end = spec[1].isEmpty ? size - 1 : min(Int(spec[1]) ?? size - 1, size - 1)
        guard end >= start else { return .some(nil) }
        return .some(start..<(end + 1))
    }

    private func send(
        context: ChannelHandlerContext, status: HTTPResponseStatus, headers: HTTPHeaders, body: [UInt8],
        method: HTTPMethod
    ) {
        var headers = headers
        headers.add(name: "Content-Length", value: "\(body.count)")
        headers.add(name: "Content-Type", value: "application/octet-stream")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if method != .HEAD && !body.isEmpty {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// A loopback HTTP server serving a mirror directory: the real nginx where it is installed,
/// else ``InProcessFileServer``, so that `swift test` on a fresh machine still runs the
/// end-to-end fetch suites. Suites about nginx itself use ``NginxServer`` directly.
final class MirrorServer: Sendable {
    private enum Backend: Sendable {
        case nginx(NginxServer)
        case inProcess(InProcessFileServer)
    }

    private let backend: Backend

    /// Starts serving `root`; `inProcess` forces the stand-in even where nginx is installed.
    init(root: URL, inProcess: Bool = false) throws {
        backend =
            NginxServer.available && !inProcess
            ? .nginx(try NginxServer(root: root)) : .inProcess(try InProcessFileServer(root: root))
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    func url(_ path: String = "") -> String {
        switch backend {
        case .nginx(let server): server.url(path)
        case .inProcess(let server): server.url(path)
        }
    }

    /// The requests served so far.
    func requests() -> [NginxServer.Request] {
        switch backend {
        case .nginx(let server): server.requests()
        case .inProcess(let server): server.requests()
        }
    }

    func stop() {
        switch backend {
        case .nginx(let server): server.stop()
        case .inProcess(let server): server.stop()
        }
    }
}
