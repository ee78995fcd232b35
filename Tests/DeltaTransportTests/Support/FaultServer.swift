import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A local HTTP server that misbehaves on purpose, one way per path prefix.
///
/// `GET /MODE/NAME` serves the registered file NAME as MODE says:
/// - `serve`: correctly, honouring `Range: bytes=N-` with 206;
/// - `drop`: declares the full length, sends half, closes the connection;
/// - `wrong`: the right length with one byte changed;
/// - `404`, `500`: that status;
/// - `stall`: declares the full length, sends a quarter, then nothing (connection kept open);
/// - `long`: declares and sends 1000 bytes more than the file;
/// - `chunked-long`: chunked encoding (no length), twice the file;
/// - `norange`: ignores Range, always 200 with the whole file;
/// - `flaky`: the first request for a name drops half way, later ones serve with Range;
/// - `slow`: serves with Range, 16 KiB every 40 ms.
/// Every request is recorded (path and Range header) for the test to check.
final class FaultServer: Sendable {
    struct Request: Equatable, Sendable {
        var path: String
        var range: String?
    }

    let port: Int
    private let channel: any Channel
    let files = Mutex([String: [UInt8]]())
    let log = Mutex([Request]())
    let hits = Mutex([String: Int]())

    init() async throws {
        let server = Box()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(FaultHandler(server: server.value!))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        self.channel = channel
        port = channel.localAddress!.port!
        server.value = self
    }

    /// Makes `bytes` available as `name` under every mode.
    func add(_ name: String, _ bytes: [UInt8]) { files.withLock { $0[name] = bytes } }

    /// `http://127.0.0.1:PORT/MODE` — a mirror prefix.
    func mirror(_ mode: String) -> String { "http://127.0.0.1:\(port)/\(mode)" }

    /// The requests received so far.
    var requests: [Request] { log.withLock { $0 } }

    func stop() async {
        try? await channel.close()
    }

    /// Lets the child initialiser reach the server created after it.
    private final class Box: @unchecked Sendable { var value: FaultServer? }
}

private final class FaultHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: FaultServer
    private var head: HTTPRequestHead?

    init(server: FaultServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end: if let head { respond(context: context, head: head) }
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let range = head.headers.first(name: "Range")
        server.log.withLock { $0.append(.init(path: head.uri, range: range)) }
        let parts = head.uri.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, let file = server.files.withLock({ $0[parts[1]] }) else {
            return send(context, status: .notFound, headers: ["Content-Length": "0"], body: [], then: .keepOpen)
        }
        let mode = parts[0]
        let hit = server.hits.withLock { hits in
            hits[head.uri, default: 0] += 1
            return hits[head.uri]!
        }
        let offset = range.flatMap { Self.rangeStart($0) }.flatMap { $0 < file.count ? $0 : nil }
        switch mode {
        case "serve", "slow",
            "flaky" where hit > 1:
            serve(context, file: file, from: offset, slow: mode == "slow")
        case "flaky", "drop":
            send(
                context, status: .ok, headers: ["Content-Length": "\(file.count)"],
                body: Array(file.prefix(file.count / 2)), then: .close)
        case "wrong":
            var bad = file
            bad[bad.count / 2] ^= 0x5a
            send(context, status: .ok, headers: ["Content-Length": "\(bad.count)"], body: bad, then: .keepOpen)
        case "404":
            send(context, status: .notFound, headers: ["Content-Length": "0"], body: [], then: .keepOpen)
        case "500":
            send(context, status: .internalServerError, headers: ["Content-Length": "0"], body: [], then: .keepOpen)
        case "stall":
            send(
                context, status: .ok, headers: ["Content-Length": "\(file.count)"],
                body: Array(file.prefix(file.count / 4)), then: .stall)
        case "long":
            let body = file + [UInt8](repeating: 0x41, count: 1000)
            send(context, status: .ok, headers: ["Content-Length": "\(body.count)"], body: body, then: .keepOpen)
        case "chunked-long":
            send(context, status: .ok, headers: ["Transfer-Encoding": "chunked"], body: file + file, then: .keepOpen)
        case "norange":
            send(context, status: .ok, headers: ["Content-Length": "\(file.count)"], body: file, then: .keepOpen)
        default:
            send(context, status: .notFound, headers: ["Content-Length": "0"], body: [], then: .keepOpen)
        }
    }

    private func serve(_ context: ChannelHandlerContext, file: [UInt8], from offset: Int?, slow: Bool) {
        var headers = HTTPHeaders([("ETag", "\"fault-\(file.count)\"")])
        let status: HTTPResponseStatus
        let body: [UInt8]
        if let offset {
            status = .partialContent
            body = Array(file[offset...])
            headers.add(name: "Content-Range", value: "bytes \(offset)-\(file.count - 1)/\(file.count)")
        } else {
            status = .ok
            body = file
        }
        headers.add(name: "Content-Length", value: "\(body.count)")
        guard slow else { return send(context, status: status, headers: headers, body: body, then: .keepOpen) }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.flush()
        let loop = context.eventLoop.assumeIsolated()
        func sendChunk(from start: Int) {
            guard context.channel.isActive else { return }
            let end = min(start + 16 * 1024, body.count)
            context.writeAndFlush(
                wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body[start..<end])))), promise: nil)
            if end == body.count {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            } else {
                loop.scheduleTask(in: .milliseconds(40)) { sendChunk(from: end) }
            }
        }
        sendChunk(from: 0)
    }

    private enum After { case keepOpen, close, stall }

    private func send(
        _ context: ChannelHandlerContext, status: HTTPResponseStatus, headers: HTTPHeaders, body: [UInt8],
        then after: After
    ) {
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        }
        switch after {
        case .keepOpen:
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case .close:
            // Close only once the bytes are out: a close with writes pending would drop them.
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer())))).assumeIsolated().whenComplete {
                _ in
                context.close(promise: nil)
            }
        case .stall:
            context.flush()
        }
    }

    private static func rangeStart(_ header: String) -> Int? {
        guard header.hasPrefix("bytes="), header.hasSuffix("-") else { return nil }
        return Int(header.dropFirst(6).dropLast())
    }
}
