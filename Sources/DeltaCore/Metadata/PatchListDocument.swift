/// A patch list as a maintainer's file: every line kept as written, so that rewriting it to
/// add or replace an entry never loses a comment or a line this version cannot parse.
public struct PatchListDocument: Sendable {
    /// One line of the file.
    public enum Line: Sendable {
        /// A `#` comment or a blank line, as written.
        case comment(String)
        /// An entry, with the line as written.
        case entry(PatchListEntry, text: String)
        /// A line that does not parse, kept as written, with why.
        case malformed(String, problem: FileError)
    }

    /// The lines, in order.
    public private(set) var lines: [Line]
    /// The file name used in messages.
    public let path: String

    /// Parses `text` (the content of the list at `path`).
    public init(text: String, path: String) {
        self.path = path
        var lines = [Line]()
        var number = 0
        var raw = text.split(separator: "\n", omittingEmptySubsequences: false)
        if raw.last == "" { raw.removeLast() }
        for line in raw {
            number += 1
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if MetadataLines.isCommentOrBlank(trimmed) {
                lines.append(.comment(String(line)))
                continue
            }
            do {
                lines.append(.entry(try PatchListEntry(line: trimmed), text: String(line)))
            } catch {
                lines.append(.malformed(String(line), problem: FileError(path: path, line: number, underlying: error)))
            }
        }
        self.lines = lines
    }

    /// Reads the list at `path`; a missing file is an empty list.
    public static func load(path: String) throws -> PatchListDocument {
        do {
            return PatchListDocument(text: try MetadataLines.readText(path: path), path: path)
        } catch let error as FileSystemError where error.isNotFound {
            return PatchListDocument(text: "", path: path)
        }
    }

    /// The entries with their 1-based line numbers.
    public var numberedEntries: [(line: Int, entry: PatchListEntry)] {
        lines.enumerated().compactMap { index, line in
            if case .entry(let entry, _) = line { return (index + 1, entry) }
            return nil
        }
    }

    /// The problems of the lines that did not parse.
    public var problems: [FileError] {
        lines.compactMap { if case .malformed(_, let problem) = $0 { problem } else { nil } }
    }

    /// Adds `entry`, replacing every entry for the same base and target (one line per pair),
    /// then orders the entries by base and target name. Comments stay with the entry they
    /// precede; a leading comment block stays at the top; unparseable lines are kept.
    /// - Returns: whether the text changed.
    @discardableResult
    public mutating func upsert(_ entry: PatchListEntry) throws(MetadataError) -> Bool {
        let before = try text()
        let key = Self.pairKey(entry)
        let newLine = Line.entry(entry, text: try entry.line())
        // Group each entry (or malformed line) with the comments right above it.
        var header = [Line]()
        var records = [(key: String, lines: [Line])]()
        var pending = [Line]()
        var seenRecord = false
        for line in lines {
            switch line {
            case .comment:
                pending.append(line)
            case .entry(let existing, _):
                if !seenRecord && !pending.isEmpty { header = pending; pending = [] }
                seenRecord = true
                if Self.pairKey(existing) == key {
                    // A stale line for this pair: its comments move to the new entry.
                    records.append((key, pending + [newLine]))
                } else {
                    records.append((Self.pairKey(existing), pending + [line]))
                }
                pending = []
            case .malformed(let text, _):
                if !seenRecord && !pending.isEmpty { header = pending; pending = [] }
                seenRecord = true
                records.append(("\u{10FFFF}" + text, pending + [line]))
                pending = []
            }
        }
        if !seenRecord {
            header = pending
            pending = []
        }
        // Only the first record for the pair keeps the new line; later duplicates go.
        var placed = false
        records = records.compactMap { record in
            guard record.key == key else { return record }
            if placed { return record.lines.count > 1 ? (record.key, Array(record.lines.dropLast())) : nil }
            placed = true
            return record
        }
        if !placed { records.append((key, [newLine])) }
        let sorted = records.enumerated().sorted { a, b in
            a.element.key != b.element.key ? a.element.key < b.element.key : a.offset < b.offset
        }.map(\.element)
        lines = header + sorted.flatMap(\.lines) + pending
        return try text() != before
    }

    /// Removes the entries for which `shouldRemove` is true (comments and unparseable lines stay).
    /// - Returns: the removed entries, in file order.
    @discardableResult
    public mutating func remove(where shouldRemove: (PatchListEntry) -> Bool) -> [PatchListEntry] {
        var removed = [PatchListEntry]()
        lines.removeAll { line in
            guard case .entry(let entry, _) = line, shouldRemove(entry) else { return false }
            removed.append(entry)
            return true
        }
        return removed
    }

    /// The file's text: entries as their lines were written (new ones in canonical form).
    public func text() throws(MetadataError) -> String {
        var text = ""
        for line in lines {
            switch line {
            case .comment(let raw), .malformed(let raw, _): text += raw
            case .entry(_, let raw): text += raw
            }
            text += "\n"
        }
        return text
    }

    /// Entries are the same pair when they turn the same base into the same target.
    static func pairKey(_ entry: PatchListEntry) -> String {
        entry.baseName + "\u{0}" + entry.targetName
    }
}
