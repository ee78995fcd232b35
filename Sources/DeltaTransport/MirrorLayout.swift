import DeltaCore

/// Where a mirror keeps its files, as its `layout.conf` says (Gentoo GLEP 75).
///
/// The file is a key file (`[section]`, `key = value`, `#` comments). Its `[structure]`
/// section lists structures under the keys `0`, `1`, … in order of preference; reading stops
/// at the first missing number. Structures we do not understand are skipped, as the GLEP asks,
/// and with none left (or no file, or no section) the mirror is `flat`.
public struct MirrorLayout: Hashable, Sendable, CustomStringConvertible {
    /// The supported structures, most preferred first; never empty.
    public let structures: [MirrorStructure]

    /// A layout of the given structures; an empty list means flat.
    public init(_ structures: [MirrorStructure]) {
        self.structures = structures.isEmpty ? [.flat] : structures
    }

    /// The traditional layout: every file at the top of the mirror.
    public static let flat = MirrorLayout([.flat])

    /// Gentoo's mirrors since 2019: `filename-hash BLAKE2B 8`.
    public static let gentoo = MirrorLayout([.filenameHash(algorithm: .blake2b, cutoffs: [8])])

    /// The structure to use first.
    public var preferred: MirrorStructure { structures[0] }

    /// Parses the text of a `layout.conf`.
    /// - Parameters:
    ///   - text: the file's content.
    ///   - source: the URL or path it came from, for error messages.
    /// - Throws: ``TransportError/invalidLayout(url:line:reason:)`` for a line that is neither
    ///   a comment, a section header nor `key=value`.
    public init(parsing text: String, source: String = "layout.conf") throws(TransportError) {
        var section = ""
        var entries = [String: String]()
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    throw .invalidLayout(url: source, line: lineNumber, reason: "unterminated section header")
                }
                section = String(line.dropFirst().dropLast()).trimmingWhitespace()
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw .invalidLayout(url: source, line: lineNumber, reason: "expected 'key = value'")
            }
            let key = String(line[..<equals]).trimmingWhitespace()
            guard !key.isEmpty else {
                throw .invalidLayout(url: source, line: lineNumber, reason: "empty key")
            }
            // A later duplicate replaces an earlier one, as Python's configparser (Portage) does not
            // allow at all; taking the last is the lenient reading.
            if section == "structure" { entries[key] = String(line[line.index(after: equals)...]).trimmingWhitespace() }
        }
        var structures = [MirrorStructure]()
        var index = 0
        while let value = entries[String(index)] {
            if let structure = MirrorStructure(definition: value) { structures.append(structure) }
            index += 1
        }
        self.init(structures)
    }

    /// The path of `name` under the mirror in the preferred structure.
    public func relativePath(for name: String) -> String { preferred.relativePath(for: name) }

    /// One `N=definition` line per structure, as a `layout.conf` would list them.
    public var description: String {
        structures.enumerated().map { "\($0.offset)=\($0.element)" }.joined(separator: "\n")
    }
}

/// One GLEP 75 directory structure.
public enum MirrorStructure: Hashable, Sendable, CustomStringConvertible {
    /// All files at the top.
    case flat
    /// Files under directories named by leading hex digits of a hash of the file *name*:
    /// each cutoff takes that many further bits (a multiple of 4) as one directory level.
    case filenameHash(algorithm: DigestAlgorithm, cutoffs: [Int])

    /// Parses one `[structure]` value; nil for one we do not support (an unknown algorithm,
    /// a cutoff that is not a positive multiple of 4, more bits than the hash has, extra words).
    /// Algorithm names are matched exactly, as Portage matches Manifest hash names.
    public init?(definition: String) {
        let words = definition.split(whereSeparator: { $0 == " " || $0 == "\t" })
        switch words.first {
        case "flat" where words.count == 1:
            self = .flat
        case "filename-hash" where words.count == 3:
            guard let algorithm = DigestAlgorithm(rawValue: String(words[1])) else { return nil }
            var cutoffs = [Int]()
            for part in words[2].split(separator: ":", omittingEmptySubsequences: false) {
                guard let bits = Int(part), bits > 0, bits % 4 == 0 else { return nil }
                cutoffs.append(bits)
            }
            guard cutoffs.reduce(0, +) <= algorithm.byteCount * 8 else { return nil }
            self = .filenameHash(algorithm: algorithm, cutoffs: cutoffs)
        default:
            return nil
        }
    }

    /// The path of `name` under the mirror: `name` itself when flat; otherwise, for each
    /// cutoff C, the next C/4 lowercase hex digits of the hash of the UTF-8 name, then `/`,
    /// and the name last (nested levels do not repeat the digits of their parents).
    public func relativePath(for name: String) -> String {
        switch self {
        case .flat:
            return name
        case let .filenameHash(algorithm, cutoffs):
            // The algorithm set is fixed and OpenSSL provides all of them; a failure here is a
            // broken library, not bad input.
            guard let hex = try? DigestContext.digest(algorithm, of: Array(name.utf8)).hex else {
                preconditionFailure("OpenSSL cannot compute \(algorithm.rawValue)")
            }
            var path = ""
            var rest = Substring(hex)
            for bits in cutoffs {
                path += rest.prefix(bits / 4) + "/"
                rest = rest.dropFirst(bits / 4)
            }
            return path + name
        }
    }

    /// The definition as written in `layout.conf`.
    public var description: String {
        switch self {
        case .flat: "flat"
        case let .filenameHash(algorithm, cutoffs):
            "filename-hash \(algorithm.rawValue) \(cutoffs.map(String.init).joined(separator: ":"))"
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and carriage returns.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
