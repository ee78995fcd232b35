import DeltaCore
import Foundation

/// Where the tests find their data, and small helpers over it.
enum TestPaths {
    /// The repository root, found from this source file's location.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A file in the committed `testdata/` folder.
    static func testdata(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("testdata").appendingPathComponent(name).path
    }

    /// A fresh empty temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "deltafetch-transport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The names in a directory, sorted (hidden ones included).
    static func entries(of directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }
}

/// The size and digests of some bytes, as a Manifest would list them.
func manifestEntry(of bytes: [UInt8], algorithms: [DigestAlgorithm] = [.blake2b, .sha512]) throws -> DigestSet {
    var digest = try MultiDigest(algorithms)
    digest.update(bytes)
    return digest.finalize()
}

/// The bytes of a file.
func contents(of path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// `count` bytes from a seeded generator (SplitMix64), so failures replay from the seed.
func seededBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    var bytes = [UInt8]()
    bytes.reserveCapacity(count + 8)
    while bytes.count < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        withUnsafeBytes(of: z.littleEndian) { bytes.append(contentsOf: $0) }
    }
    return Array(bytes.prefix(count))
}

/// A free TCP port on 127.0.0.1 (bound and released; the caller binds it right away).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
func isListening(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    } == 0
}

extension TestPaths {
    /// The corpus directory (`$DELTA_CORPUS`, default `~/.cache/delta-corpus`), if it exists.
    static let corpus: String? = {
        let path =
            ProcessInfo.processInfo.environment["DELTA_CORPUS"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/delta-corpus").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()

    /// A corpus file, if the corpus holds it.
    static func corpusFile(_ name: String) -> String? {
        guard let corpus else { return nil }
        let path = corpus + "/" + name
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
