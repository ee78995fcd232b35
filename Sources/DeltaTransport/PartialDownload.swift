import DeltaCore

/// The file a download writes before it is verified: `.<name>.partial` in the target
/// directory, with a sidecar `.<name>.partial.meta` that says where the bytes came from.
///
/// Unlike ``AtomicFileWriter`` its name is fixed, so that a later run (after a failure, a
/// timeout or `kill -9`) can find it and continue with an HTTP Range request. Only the holder
/// of the target's ``ExclusiveFileLock`` touches it. Nothing here ever writes the final name except
/// ``commit()``, which syncs, renames and syncs the directory.
final class PartialDownload {
    let finalPath: String
    let path: String
    let metadataPath: String
    private var descriptor: FileDescriptor?
    private let algorithms: [DigestAlgorithm]
    private var digest: MultiDigest
    /// Bytes in the partial file, all of them already hashed.
    private(set) var length: UInt64 = 0

    /// Opens (or creates) the partial file of `name` in `directory`, keeping what it holds.
    init(directory: String, name: String, algorithms: [DigestAlgorithm]) throws(TransportError) {
        finalPath = Paths.join(directory, name)
        path = Self.partialPath(directory: directory, name: name)
        metadataPath = path + ".meta"
        self.algorithms = algorithms
        do { digest = try MultiDigest(algorithms) } catch { preconditionFailure("digest setup: \(error)") }
        do {
            let file = try FileDescriptor.open(path, .readWrite, options: .create)
            descriptor = file
            length = try file.status().size
        } catch {
            throw .local(error)
        }
    }

    deinit { descriptor?.closeIgnoringErrors() }

    private static func partialPath(directory: String, name: String) -> String {
        Paths.join(directory, "." + name + ".partial")
    }

    /// The open file; a closed download is a programming error.
    private var file: FileDescriptor {
        guard let descriptor else { preconditionFailure("\(path) used after closeFile()") }
        return descriptor
    }

    /// The sidecar of an earlier run, if it is readable.
    func loadMetadata() -> ResumeMetadata? {
        guard let file = try? ReadableFile(path: metadataPath), let bytes = try? file.prefix(1 << 16) else {
            return nil
        }
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
        do { try file.truncate(to: 0) } catch { throw .local(error) }
        length = 0
        do { digest = try MultiDigest(algorithms) } catch { preconditionFailure("digest setup: \(error)") }
        FileSystem.removeFileIfPresent(metadataPath)
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
            let got: Int
            do {
                got = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: chunk[0..<count]), at: offset)
            } catch { throw .local(error) }
            guard got > 0 else { throw .local(FileSystemError(.read, path: path, detail: "file shrank")) }
            digest.update(UnsafeRawBufferPointer(rebasing: chunk[0..<got]))
            offset += UInt64(got)
        }
    }

    /// Appends and hashes bytes. The corresponding C function is `pwrite`.
    func append(_ bytes: UnsafeRawBufferPointer) throws(TransportError) {
        do { try file.writeAll(bytes, at: length) } catch { throw .local(error) }
        digest.update(bytes)
        length += UInt64(bytes.count)
    }

    /// Syncs the data and returns the size and digests of everything written.
    func finish() throws(TransportError) -> DigestSet {
        do { try file.sync() } catch { throw .local(error) }
        return digest.finalize()
    }

    /// Gives the verified file its final name (rename, then sync the directory) and drops the
    /// sidecar.
    func commit() throws(TransportError) {
        do { try FileSystem.rename(path, to: finalPath) } catch { throw .local(error) }
        FileSystem.removeFileIfPresent(metadataPath)
        FileSystem.syncDirectory(Paths.directory(of: finalPath))
    }

    /// Deletes what an interrupted download of `name` left in `directory` (its partial file
    /// and sidecar), once the file is in place by other means and nothing will resume it.
    static func removeLeftover(directory: String, name: String) {
        let path = partialPath(directory: directory, name: name)
        FileSystem.removeFileIfPresent(path)
        FileSystem.removeFileIfPresent(path + ".meta")
    }

    /// Deletes the partial file and its sidecar and closes it; the object is done after this.
    func discard() {
        FileSystem.removeFileIfPresent(path)
        FileSystem.removeFileIfPresent(metadataPath)
        length = 0
        closeFile()
    }

    /// Closes the file, keeping it for a later resume.
    func closeFile() {
        descriptor?.closeIgnoringErrors()
        descriptor = nil
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
        guard fields["deltafetch-partial"] == "1", let url = fields["url"], let expectation = fields["expect"] else {
            return nil
        }
        self.init(
            url: url, expectation: expectation, etag: fields["etag"], lastModified: fields["last-modified"],
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
