#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DeltaCore

/// The file a download writes before it is verified: `.<name>.partial` in the target
/// directory, with a sidecar `.<name>.partial.meta` that says where the bytes came from.
///
/// Unlike ``AtomicFileWriter`` its name is fixed, so that a later run (after a failure, a
/// timeout or `kill -9`) can find it and continue with an HTTP Range request. Only the holder
/// of the target's ``FileLock`` touches it. Nothing here ever writes the final name except
/// ``commit()``, which syncs, renames and syncs the directory.
final class PartialDownload {
    let finalPath: String
    let path: String
    let metadataPath: String
    private var descriptor: Int32
    private let algorithms: [DigestAlgorithm]
    private var digest: MultiDigest
    /// Bytes in the partial file, all of them already hashed.
    private(set) var length: UInt64 = 0

    /// Opens (or creates) the partial file of `name` in `directory`, keeping what it holds.
    init(directory: String, name: String, algorithms: [DigestAlgorithm]) throws(TransportError) {
        finalPath = directory + "/" + name
        path = directory + "/." + name + ".partial"
        metadataPath = path + ".meta"
        self.algorithms = algorithms
        do { digest = try MultiDigest(algorithms) } catch { preconditionFailure("digest setup: \(error)") }
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .local(IOError(.open, path: path, errno: errno)) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .local(IOError(.stat, path: path, errno: errno)) }
        length = UInt64(info.st_size)
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// The sidecar of an earlier run, if it is readable.
    func loadMetadata() -> ResumeMetadata? {
        guard let file = try? ReadableFile(path: metadataPath), let bytes = try? file.prefix(1 << 16) else { return nil }
        return ResumeMetadata(text: String(decoding: bytes, as: UTF8.self))
    }

    /// Records where the bytes come from, atomically, before the body is written.
    func saveMetadata(_ metadata: ResumeMetadata) throws(TransportError) {
        do {
            let writer = try AtomicFileWriter(path: metadataPath)
            try writer.write(Array(metadata.text.utf8))
            try writer.commit()
        } catch {
            throw .local(error)
        }
    }

    /// Empties the file to start over.
    func restart() throws(TransportError) {
        guard ftruncate(descriptor, 0) == 0 else { throw .local(IOError(.write, path: path, errno: errno)) }
        length = 0
        do { digest = try MultiDigest(algorithms) } catch { preconditionFailure("digest setup: \(error)") }
        unlink(metadataPath)
    }

    /// Hashes the bytes already there, so that appended bytes continue the same digests.
    func hashExistingBytes() throws(TransportError) {
        do { digest = try MultiDigest(algorithms) } catch { preconditionFailure("digest setup: \(error)") }
        let have = length
        guard have > 0 else { return }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        var offset: UInt64 = 0
        while offset < have {
            let count = Int(min(UInt64(chunk.count), have - offset))
            let got = pread(descriptor, chunk.baseAddress!, count, off_t(offset))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw .local(got < 0 ? IOError(.read, path: path, errno: errno) : IOError(.read, path: path, detail: "file shrank"))
            }
            digest.update(UnsafeRawBufferPointer(rebasing: chunk[0..<got]))
            offset += UInt64(got)
        }
    }

    /// Appends and hashes bytes. The corresponding C function is `pwrite`.
    func append(_ bytes: UnsafeRawBufferPointer) throws(TransportError) {
        var done = 0
        while done < bytes.count {
            let count = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(length) + off_t(done))
            if count > 0 {
                done += count
            } else if count < 0 && errno != EINTR {
                throw .local(IOError(.write, path: path, errno: errno))
            }
        }
        digest.update(bytes)
        length += UInt64(bytes.count)
    }

    /// Syncs the data and returns the size and digests of everything written.
    func finish() throws(TransportError) -> DigestSet {
        guard fsync(descriptor) == 0 else { throw .local(IOError(.sync, path: path, errno: errno)) }
        return digest.finalize()
    }

    /// Gives the verified file its final name (rename, then sync the directory) and drops the
    /// sidecar.
    func commit() throws(TransportError) {
        guard rename(path, finalPath) == 0 else { throw .local(IOError(.rename, path: finalPath, errno: errno)) }
        unlink(metadataPath)
        let directory = open(String(finalPath[..<finalPath.lastIndex(of: "/")!]), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    /// Deletes what an interrupted download of `name` left in `directory` (its partial file
    /// and sidecar), once the file is in place by other means and nothing will resume it.
    static func removeLeftover(directory: String, name: String) {
        let path = directory + "/." + name + ".partial"
        unlink(path)
        unlink(path + ".meta")
    }

    /// Deletes the partial file and its sidecar and closes it; the object is done after this.
    func discard() {
        unlink(path)
        unlink(metadataPath)
        length = 0
        closeFile()
    }

    /// Closes the file, keeping it for a later resume.
    func closeFile() {
        if descriptor >= 0 { _ = close(descriptor) }
        descriptor = -1
    }
}

/// What a partial file's sidecar records: enough to know whether its bytes may be continued.
struct ResumeMetadata: Equatable {
    /// The URL the bytes came from.
    var url: String
    /// The expected size and digests of the request that started it, as text; a request
    /// for different content does not resume it.
    var expectation: String
    /// The server's `ETag`, if any.
    var etag: String?
    /// The server's `Last-Modified`, if any.
    var lastModified: String?
    /// The full size the server declared, if any.
    var totalSize: UInt64?

    init(url: String, expectation: String, etag: String?, lastModified: String?, totalSize: UInt64?) {
        self.url = url
        self.expectation = expectation
        self.etag = etag
        self.lastModified = lastModified
        self.totalSize = totalSize
    }

    /// `key value` lines; values have no newlines (header values cannot).
    var text: String {
        var lines = ["deltafetch-partial 1", "url \(url)", "expect \(expectation)"]
        if let etag { lines.append("etag \(etag)") }
        if let lastModified { lines.append("last-modified \(lastModified)") }
        if let totalSize { lines.append("size \(totalSize)") }
        return lines.joined(separator: "\n") + "\n"
    }

    init?(text: String) {
        var fields = [String: String]()
        for line in text.split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            fields[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        guard fields["deltafetch-partial"] == "1", let url = fields["url"], let expectation = fields["expect"] else { return nil }
        self.init(url: url, expectation: expectation, etag: fields["etag"], lastModified: fields["last-modified"],
                  totalSize: fields["size"].flatMap { UInt64($0) })
    }

    /// The validator for `If-Range`: a strong ETag, else Last-Modified (RFC 9110 §13.1.5
    /// forbids weak ETags there).
    var ifRangeValidator: String? {
        if let etag, !etag.hasPrefix("W/") { return etag }
        return lastModified
    }

    /// A canonical text for an expectation.
    static func expectation(of expected: DigestSet?) -> String {
        guard let expected else { return "none" }
        let digests = expected.digests.values.sorted { $0.algorithm.rawValue < $1.algorithm.rawValue }
        return (["\(expected.size)"] + digests.map { "\($0.algorithm.rawValue):\($0.hex)" }).joined(separator: " ")
    }
}
