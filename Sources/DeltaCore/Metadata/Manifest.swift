/// One `DIST` line of a Gentoo Manifest: a distfile's name, size and digests.
public struct ManifestEntry: Hashable, Sendable {
    /// The distfile's name.
    public var name: String
    /// Its size and known digests.
    public var digests: DigestSet
    /// Hashes this version does not know, kept as written.
    public var unknownHashes: [HashPair]

    /// Creates an entry.
    public init(name: String, digests: DigestSet, unknownHashes: [HashPair] = []) {
        self.name = name
        self.digests = digests
        self.unknownHashes = unknownHashes
    }

    /// The entry as a Manifest line, hashes in alphabetical order as Portage writes them:
    /// `DIST six-1.17.0.tar.gz 34031 BLAKE2B <hex> SHA512 <hex>`.
    public var line: String {
        var words = ["DIST", name, String(digests.size)]
        for (algorithm, digest) in digests.digests.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            words += [algorithm.rawValue, digest.hex]
        }
        return words.joined(separator: " ")
    }
}

/// The distfile lines of a Gentoo Manifest: `DIST <file> <size> BLAKE2B <hex> SHA512 <hex>`.
///
/// Other kinds (`EBUILD`, `AUX`, `MISC`) are ignored, as is an OpenPGP clear-signature
/// wrapper around the text. A malformed `DIST` line is reported (`FILE:LINE: reason`) and
/// skipped, or thrown with ``MetadataReadOptions/strict``.
public struct Manifest: Hashable, Sendable {
    /// The distfiles, by name.
    public var entries: [String: ManifestEntry]

    /// Creates a Manifest from entries.
    public init(entries: [ManifestEntry]) {
        var map = [String: ManifestEntry]()
        for entry in entries where map[entry.name] == nil { map[entry.name] = entry }
        self.entries = map
    }

    /// The entry for `name`, if the Manifest lists it.
    public subscript(name: String) -> ManifestEntry? { entries[name] }

    /// Parses a Manifest's text.
    /// - Returns: the Manifest and the problems found in skipped lines.
    /// - Throws: ``FileError`` around a ``MetadataError``, in strict mode only.
    public static func parse(_ text: String, path: String, options: MetadataReadOptions = .init()) throws(FileError)
        -> (manifest: Manifest, problems: [FileError])
    {
        var entries = [ManifestEntry]()
        var seen = Set<String>()
        var inSignature = false
        let problems = try MetadataLines.forEachEntryLine(text, path: path, strict: options.strict) {
            line throws(MetadataError) in
            // Clear-signed text: skip the signature block; undo dash-escaping ("- DIST …").
            if line.hasPrefix("-----BEGIN PGP SIGNATURE") { inSignature = true; return }
            if line.hasPrefix("-----END PGP SIGNATURE") { inSignature = false; return }
            guard !inSignature else { return }
            let line = line.hasPrefix("- ") ? line.dropFirst(2) : line
            guard line.hasPrefix("DIST ") || line.hasPrefix("DIST\t") else { return }
            let entry = try parseDistLine(line, policy: options.hashPolicy)
            guard seen.insert(entry.name).inserted else { throw .duplicateDistfile(entry.name) }
            entries.append(entry)
        }
        return (Manifest(entries: entries), problems)
    }

    /// Reads and parses a Manifest file.
    /// - Throws: ``FileSystemError`` when it cannot be read; ``FileError`` when it is too large or,
    ///   in strict mode, has a bad line.
    public static func load(path: String, options: MetadataReadOptions = .init()) throws
        -> (manifest: Manifest, problems: [FileError])
    {
        try parse(try MetadataLines.readText(path: path), path: path, options: options)
    }

    private static func parseDistLine(_ line: Substring, policy: HashPolicy) throws(MetadataError) -> ManifestEntry {
        var reader = PartTokenReader(line: line)
        // A Manifest writes `DIST name size HASH hex …`: read it as a part in GLEP 25 order by
        // rearranging the tokens to `HASH hex … name size`.
        let tokens = reader.tokens
        guard tokens.count >= 2 else { throw .missing("name", part: "distfile") }
        guard tokens.count >= 3 else { throw .missing("size", part: "distfile \(tokens[1])") }
        let name = tokens[1]
        let part = "distfile \(name)"
        guard PartTokenReader.decimal(tokens[2]) != nil else { throw .sizeNotANumber(String(tokens[2]), part: part) }
        guard tokens.count > 3 else { throw .missing("hash", part: part) }
        guard tokens.count % 2 == 1 else { throw .missing("hash value", part: part) }
        let rearranged = tokens[3...].joined(separator: " ") + " \(name) \(tokens[2])"
        reader = PartTokenReader(line: Substring(rearranged))
        let parsed = try reader.readPart(part, uncompressed: false)
        try reader.expectEnd()
        try policy.check(parsed, part: part)
        let unknown = parsed.hashes.filter { if case .unknown = $0 { true } else { false } }
        return ManifestEntry(name: String(name), digests: parsed.digests, unknownHashes: unknown)
    }
}
