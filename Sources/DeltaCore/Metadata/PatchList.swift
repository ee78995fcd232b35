/// A GLEP 25 patch list (`profiles/patches.global` or a package's `patches` file).
///
/// `#` comments and blank lines are allowed. A malformed line is reported as a
/// ``FileError`` (`FILE:LINE: reason`) in ``problems`` and skipped, so that one bad line
/// does not hide every good one; with ``MetadataReadOptions/strict`` it is thrown instead.
public struct PatchList: Hashable, Sendable {
    /// The entries, in file order.
    public var entries: [PatchListEntry]
    /// The 1-based line each entry was read from; empty for a list made from entries.
    public var lineNumbers: [Int]

    /// Creates a list from entries (and the lines they were read from, if known).
    public init(entries: [PatchListEntry], lineNumbers: [Int] = []) {
        self.entries = entries
        self.lineNumbers = lineNumbers
    }

    /// Lists are equal when their entries are: where they were read is no part of what they say.
    public static func == (lhs: PatchList, rhs: PatchList) -> Bool { lhs.entries == rhs.entries }

    public func hash(into hasher: inout Hasher) { hasher.combine(entries) }

    /// The entries with where each was read, for a list read from `path`.
    public func listed(path: String) -> [ListedPatchEntry] {
        entries.enumerated().map { index, entry in
            ListedPatchEntry(entry: entry, path: path, line: index < lineNumbers.count ? lineNumbers[index] : nil)
        }
    }

    /// The longest line the parser accepts: far beyond any real entry (three parts of a few
    /// hashes and a URL), so a corrupt or hostile file cannot make it hold a huge line.
    public static let maximumLineLength = 64 * 1024

    /// Parses a patch list's text.
    /// - Parameters:
    ///   - text: the file's content.
    ///   - path: the file's name, for messages.
    ///   - options: strictness and hash policy.
    /// - Returns: the list and the problems found in skipped lines.
    /// - Throws: ``FileError`` around a ``MetadataError`` for the first bad line, in strict mode only.
    public static func parse(_ text: String, path: String, options: MetadataReadOptions = .init()) throws(FileError)
        -> (list: PatchList, problems: [FileError])
    {
        var entries = [PatchListEntry](), numbers = [Int]()
        let problems = try MetadataLines.forEachNumberedEntryLine(text, path: path, strict: options.strict) {
            line, number throws(MetadataError) in
            entries.append(try PatchListEntry(line: line, policy: options.hashPolicy))
            numbers.append(number)
        }
        return (PatchList(entries: entries, lineNumbers: numbers), problems)
    }

    /// Reads and parses a patch list file.
    /// - Throws: ``FileSystemError`` when the file cannot be read, ``FileError`` when it is too large
    ///   or (in strict mode) has a bad line.
    public static func load(path: String, options: MetadataReadOptions = .init()) throws
        -> (list: PatchList, problems: [FileError])
    {
        try parse(try MetadataLines.readText(path: path), path: path, options: options)
    }

    /// The text of the list, one entry per line, each ending in a newline.
    /// - Throws: ``MetadataError/invalidName(_:)`` for a name that cannot be written on a line.
    public func text() throws(MetadataError) -> String {
        var text = ""
        for entry in entries { text += try entry.line() + "\n" }
        return text
    }
}

/// How strictly metadata files are read.
public struct MetadataReadOptions: Hashable, Sendable {
    /// Make the first malformed line fatal instead of skipping it.
    public var strict: Bool
    /// Which hashes entries must carry.
    public var hashPolicy: HashPolicy

    /// The default skips malformed lines and accepts MD5-only entries.
    public init(strict: Bool = false, hashPolicy: HashPolicy = .init()) {
        self.strict = strict
        self.hashPolicy = hashPolicy
    }
}

/// The line handling shared by the metadata formats: comments, blank lines, line numbers,
/// and turning a line's error into `FILE:LINE: reason`.
enum MetadataLines {
    /// The largest metadata file read whole (a full `patches.global` for every distfile of a
    /// large tree stays well below it).
    static let maximumFileSize: UInt64 = 256 << 20

    static func forEachEntryLine(
        _ text: String, path: String, strict: Bool,
        _ body: (Substring) throws(MetadataError) -> Void
    ) throws(FileError) -> [FileError] {
        try forEachNumberedEntryLine(text, path: path, strict: strict) { line, _ throws(MetadataError) in try body(line)
        }
    }

    /// As ``forEachEntryLine(_:path:strict:_:)``, telling `body` each line's 1-based number.
    static func forEachNumberedEntryLine(
        _ text: String, path: String, strict: Bool,
        _ body: (Substring, Int) throws(MetadataError) -> Void
    ) throws(FileError) -> [FileError] {
        var problems = [FileError]()
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if isCommentOrBlank(trimmed) { continue }
            do {
                try body(trimmed, number)
            } catch {
                let problem = FileError(path: path, line: number, underlying: error)
                if strict { throw problem }
                problems.append(problem)
            }
        }
        return problems
    }

    /// Whether a line (leading blanks already dropped) is a `#` comment or blank.
    static func isCommentOrBlank(_ trimmed: Substring) -> Bool {
        trimmed.isEmpty || trimmed.first == "#" || trimmed.allSatisfy { $0 == "\r" || $0 == " " || $0 == "\t" }
    }

    /// Reads a whole metadata file as text.
    /// - Throws: ``FileSystemError`` (which names the file) or ``MetadataError/fileTooLarge(path:size:limit:)``.
    static func readText(path: String) throws -> String {
        let file = try ReadableFile(path: path)
        let size = try file.size()
        guard size <= maximumFileSize else {
            throw MetadataError.fileTooLarge(path: path, size: size, limit: maximumFileSize)
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(size))
        // The size is checked again while reading: the file may grow after the fstat.
        try file.forEachChunk(size: 1 << 16) { chunk in
            guard UInt64(bytes.count + chunk.count) <= maximumFileSize else {
                throw MetadataError.fileTooLarge(
                    path: path, size: UInt64(bytes.count + chunk.count), limit: maximumFileSize)
            }
            bytes.append(contentsOf: chunk)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
