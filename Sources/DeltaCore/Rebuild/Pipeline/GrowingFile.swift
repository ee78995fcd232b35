/// A scratch file that one stage of a rebuild writes while later stages read it.
///
/// A reader asking for bytes not yet written waits for them, so that a stage starts on the
/// first bytes of its input instead of waiting for the whole file. The writer reports how far
/// it has written and, at the end, that it has finished; ``abandon()`` (some stage failed)
/// wakes every waiting reader with ``RebuildPipelineStopped`` and makes the writer's next
/// write throw it, so that no stage waits for one that will never go on.
///
/// Scratch files are never synced: a crash loses the whole scratch directory anyway, and only
/// the rebuilt distfile is published (synced) in the end.
final class GrowingFile: Sendable {
    /// Where the bytes go.
    let path: String

    private struct Progress {
        var written: UInt64 = 0
        var finished = false
        var abandoned = false
    }

    private let progress = ConditionMutex(Progress())

    /// A file at `path`, not yet created: ``makeWriter()`` creates it.
    init(path: String) { self.path = path }

    /// Creates the file (which must not exist) and returns its only writer.
    func makeWriter() throws(FileSystemError) -> GrowingFileWriter {
        GrowingFileWriter(file: self, descriptor: try FileDescriptor.open(path, .readWrite, options: [.create]))
    }

    /// Notes that `count` more bytes are in the file.
    /// - Throws: ``RebuildPipelineStopped`` when the pipeline was abandoned.
    fileprivate func wrote(_ count: Int) throws(RebuildPipelineStopped) {
        let abandoned = progress.update { progress in
            progress.written += UInt64(count)
            return progress.abandoned
        }
        if abandoned { throw RebuildPipelineStopped() }
    }

    /// Notes that the file is complete.
    fileprivate func finish() {
        progress.update { $0.finished = true }
    }

    /// Stops the writer and every reader of the file: a stage failed.
    func abandon() {
        progress.update { $0.abandoned = true }
    }

    /// Waits until the file holds at least `end` bytes or is complete.
    /// - Returns: the bytes written, and whether that is the whole file.
    /// - Throws: ``RebuildPipelineStopped`` when the pipeline was abandoned meanwhile.
    func waitForBytes(upTo end: UInt64) throws(RebuildPipelineStopped) -> (written: UInt64, finished: Bool) {
        let state = progress.wait(
            until: { $0.abandoned || $0.finished || $0.written >= end }, then: { $0 })
        if state.abandoned { throw RebuildPipelineStopped() }
        return (state.written, state.finished)
    }

    /// Waits until the file is complete and returns its size.
    func waitUntilFinished() throws(RebuildPipelineStopped) -> UInt64 {
        try waitForBytes(upTo: .max).written
    }
}

/// The one writer of a ``GrowingFile``: appends, and says when it is done.
final class GrowingFileWriter {
    private let file: GrowingFile
    private let descriptor: FileDescriptor
    private var closed = false

    fileprivate init(file: GrowingFile, descriptor: FileDescriptor) {
        self.file = file
        self.descriptor = descriptor
    }

    deinit { if !closed { descriptor.closeIgnoringErrors() } }

    /// Appends bytes, and lets readers see them.
    /// - Throws: ``FileSystemError`` when the write fails; ``RebuildPipelineStopped`` when
    ///   another stage failed.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try descriptor.writeAll(bytes)
        try file.wrote(bytes.count)
    }

    /// Closes the file and tells readers it is complete.
    func finish() throws(FileSystemError) {
        guard !closed else { return }
        closed = true
        try descriptor.close()
        file.finish()
    }
}

/// Reads a ``GrowingFile`` as it grows, sequentially (the recompressor) or at any offset (a
/// patch's applier reading its base), waiting for bytes not yet written.
final class GrowingFileReader: RandomAccessSource, RecompressionInput {
    private let file: GrowingFile
    private let reader: ReadableFile
    /// The size the file will have, when known beforehand (a patch header's); else
    /// ``size()`` waits for the end.
    private let declaredSize: UInt64?
    private var position: UInt64 = 0

    /// Opens `file`, whose writer must exist.
    init(_ file: GrowingFile, declaredSize: UInt64?) throws(FileSystemError) {
        self.file = file
        self.declaredSize = declaredSize
        reader = try ReadableFile(path: file.path)
    }

    func size() throws -> UInt64 {
        if let declaredSize { return declaredSize }
        return try file.waitUntilFinished()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws {
        let end = offset + UInt64(buffer.count)
        let (written, _) = try file.waitForBytes(upTo: end)
        guard written >= end else {
            throw FileSystemError(.read, path: file.path, detail: "file ends before byte \(end)")
        }
        try reader.read(into: buffer, at: offset)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        let (written, _) = try file.waitForBytes(upTo: position + 1)
        let count = Int(min(UInt64(buffer.count), written - min(written, position)))
        guard count > 0 else { return 0 }
        try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<count]), at: position)
        position += UInt64(count)
        return count
    }

    func contentSource() throws -> any ContentSource {
        GrowingContent(reader: self, contentSize: try size())
    }
}

/// A growing file's content read at random offsets (gzip segments), waiting for each range.
private struct GrowingContent: ContentSource {
    let reader: GrowingFileReader
    let contentSize: UInt64

    func read(_ range: Range<UInt64>, into bytes: inout [UInt8]) throws {
        bytes.resizeKeepingCapacity(to: Int(range.count))
        try bytes.withUnsafeMutableBytes { try reader.read(into: $0, at: range.lowerBound) }
    }
}

/// Why a stage of a rebuild pipeline stopped: another stage failed first, and its error is
/// the one reported.
struct RebuildPipelineStopped: DeltaCoreError {
    var description: String { "stopped because another stage of the rebuild failed" }
}
