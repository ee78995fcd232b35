/// The effective settings of a fetch, resolved once, the same way for every command
/// (`plan`, `fetch`, `portage`, `clean`, `record-alternate`): built-in defaults, then the
/// config file, then the environment, then the command's flags (``Overrides``), each layer
/// overriding the single values of the one before and adding to its lists.
///
/// Where Portage runs the fetcher, `HOME` is a build directory and only the environment
/// passes through, so settings come from there and from a config file:
/// - `DELTAFETCH_PATCHES`: patch lists, separated by `:`; each a file, or a directory whose
///   `patches`, `patches.global` and `profiles/patches.global` files are read.
/// - `DELTAFETCH_MIRRORS`: mirror URL prefixes, separated by spaces, tried in order.
/// - `GENTOO_MIRRORS`: Portage's own mirrors (from make.conf, which Portage passes to its
///   FETCHCOMMAND in the environment): each one's `distfiles/` is tried after the mirrors
///   above, and they serve `mirror://gentoo/` patch URLs.
/// - `DELTAFETCH_ALTERNATE_DIGESTS`: the alternate-digest database's path.
/// - `DELTAFETCH_REQUIRE_STRONG_HASHES`: `1`/`yes`/`true` refuses patch list lines whose only hash is MD5.
/// - `DELTAFETCH_SHARED_DATABASE`: `1`/`yes`/`true` for GLEP 25's shared-database mode (see
///   ``sharedDatabase``).
/// - `DELTAFETCH_PREFER` (`time` or `bytes`), `DELTAFETCH_BANDWIDTH` (a rate such as `20M`),
///   `DELTAFETCH_JOBS` (threads for a rebuild) and `DELTAFETCH_CPU_SHARE` (`auto`, or the
///   share of the cores a rebuild gets, 0.02–1), as the config keys.
/// - `DELTAFETCH_CONFIG`: the config file (default `/etc/deltafetch.conf`; a missing default
///   file is no error). Lines are `key = value`; `#` starts a comment. Keys: `patches`
///   (as `DELTAFETCH_PATCHES`), `mirrors` (as `DELTAFETCH_MIRRORS`), `timeout` (seconds),
///   `retries`, `worth-it-ratio`, `alternate-digests` (the database's path),
///   `require-strong-hashes` (yes/no), `shared-database` (yes/no), `prefer` (`bytes` or `time`), `bandwidth` (a rate such
///   as `20M`, bytes per second), `jobs`, `cpu-share`. The environment adds to the file's lists and overrides its
///   single values.
public struct FetchSettings: Sendable, Equatable {
    /// Seconds without progress before a source counts as failed, unless set.
    public static let defaultTimeout = 30.0
    /// Retries per source after a transient failure, unless set.
    public static let defaultRetries = 2
    /// GLEP 25's rule: patch only when the patches weigh less than the whole file.
    public static let defaultWorthItRatio = 1.0

    /// Patch list files or directories, in order.
    public var patchSources: [String] = []
    /// Mirror URL prefixes, in order.
    public var mirrors: [String] = []
    /// `GENTOO_MIRRORS`: Gentoo mirror roots, whose `distfiles/` holds the files.
    public var gentooMirrors: [String] = []
    /// Seconds without progress before a source counts as failed.
    public var timeout = FetchSettings.defaultTimeout
    /// Retries per source after a transient failure.
    public var retries = FetchSettings.defaultRetries
    /// Patch only below this fraction of the full size.
    public var worthItRatio = FetchSettings.defaultWorthItRatio
    /// The alternate-digest database's path; nil for the distdir's own
    /// (``AlternateDigestDatabase/defaultPath(distdir:)``).
    public var alternateDigests: String?
    /// Refuse patch list lines whose only hash is MD5.
    public var requireStrongHashes = false
    /// GLEP 25's shared-database mode: every user of the distdir reads the alternate-digest
    /// database, so a rebuilt file whose compressed bytes differ from upstream is kept under
    /// the distfile's own name. Off by default: such files are kept apart
    /// (``AlternateFiles``), where a plain Portage sharing the distdir never sees them.
    public var sharedDatabase = false
    /// What the planner minimises: by default the soonest finished fetch.
    public var preference = FetchPreference.time
    /// The link's speed in bytes per second, for ``FetchPreference/time``.
    public var bandwidth: Double?
    /// How fast patches apply, in output bytes per second (nil: the cost model's default).
    public var applyThroughput: Double?
    /// Recompression speeds per format, in uncompressed bytes per second, overriding the
    /// cost model's defaults.
    public var recompressThroughput: [CompressionFormat: Double] = [:]
    /// Threads a rebuild may use; nil for every core. The output is the same for any number.
    public var jobs: Int?
    /// The share of the cores a rebuild is taken to get (0.02–1); nil measures it before
    /// planning (``CPUShare/measure(threads:duration:)``). 1 plans as if the cores were free.
    public var cpuShare: Double?

    /// Empty settings.
    public init() {}

    /// Settings naming only patch sources.
    public init(patchSources: [String]) {
        self.patchSources = patchSources
    }

    /// The default config file.
    public static let defaultConfigPath = "/etc/deltafetch.conf"

    /// Reads the config file (named by `DELTAFETCH_CONFIG`, else the default if it exists),
    /// then the environment, over the defaults. Apply the command's flags with ``applying(_:)``.
    /// - Throws: ``FileError`` naming the config file and line of a malformed setting, or a
    ///   named config file that cannot be read.
    public static func load(environment: [String: String]) throws -> FetchSettings {
        var settings = FetchSettings()
        if let named = environment["DELTAFETCH_CONFIG"], !named.isEmpty {
            try settings.read(configFile: named)
        } else if PortageTree.isRegularFile(defaultConfigPath) {
            try settings.read(configFile: defaultConfigPath)
        }
        settings.add(environment: environment)
        return settings
    }

    /// The settings of the environment alone (when the config file cannot be used).
    public static func fromEnvironment(_ environment: [String: String]) -> FetchSettings {
        var settings = FetchSettings()
        settings.add(environment: environment)
        return settings
    }

    private mutating func add(environment: [String: String]) {
        if let patches = environment["DELTAFETCH_PATCHES"] { patchSources += Self.pathList(patches) }
        if let mirrors = environment["DELTAFETCH_MIRRORS"] { self.mirrors += Self.wordList(mirrors) }
        if let gentoo = environment["GENTOO_MIRRORS"] { gentooMirrors = Self.wordList(gentoo) }
        if let database = environment["DELTAFETCH_ALTERNATE_DIGESTS"], !database.isEmpty { alternateDigests = database }
        if let strong = environment["DELTAFETCH_REQUIRE_STRONG_HASHES"], let value = Self.boolean(strong) {
            requireStrongHashes = value
        }
        if let shared = environment["DELTAFETCH_SHARED_DATABASE"], let value = Self.boolean(shared) {
            sharedDatabase = value
        }
        if let prefer = environment["DELTAFETCH_PREFER"], let value = FetchPreference(rawValue: prefer) {
            preference = value
        }
        if let rate = environment["DELTAFETCH_BANDWIDTH"], let value = RateParser.bytesPerSecond(rate) {
            bandwidth = value
        }
        if let count = environment["DELTAFETCH_JOBS"], let value = Int(count), value > 0 { jobs = value }
        if let share = environment["DELTAFETCH_CPU_SHARE"], let value = Self.cpuShare(share) { cpuShare = value }
    }

    /// Adds the settings of a config file.
    /// - Throws: ``FileError`` naming the file (and line) when it cannot be read or a line is bad.
    public mutating func read(configFile path: String) throws {
        let text: String
        do {
            text = try MetadataLines.readText(path: path)
        } catch {
            throw FileError(path: path, underlying: SettingsError.unreadable(error))
        }
        try read(configText: text, path: path)
    }

    /// Adds the settings of a config file's text; `path` names it in errors.
    /// - Throws: ``FileError`` with the 1-based line of the first bad setting.
    public mutating func read(configText text: String, path: String) throws(FileError) {
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = Self.trim(line)
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else {
                throw FileError(
                    path: path, line: index + 1, underlying: SettingsError.malformed("expected key = value"))
            }
            do throws(SettingsError) {
                try apply(key: Self.trim(parts[0]), value: Self.trim(parts[1]))
            } catch {
                throw FileError(path: path, line: index + 1, underlying: error)
            }
        }
    }

    private static func trim(_ text: Substring) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(text[first...last])
    }

    private mutating func apply(key: String, value: String) throws(SettingsError) {
        switch key {
        case "patches": patchSources += Self.pathList(value)
        case "mirrors": mirrors += Self.wordList(value)
        case "timeout":
            guard let seconds = Double(value), seconds > 0, seconds.isFinite else {
                throw .malformed("timeout must be a positive number of seconds")
            }
            timeout = seconds
        case "retries":
            guard let count = Int(value), count >= 0 else {
                throw .malformed("retries must be a whole number, 0 or more")
            }
            retries = count
        case "worth-it-ratio":
            guard let ratio = Double(value), ratio > 0, ratio.isFinite else {
                throw .malformed("worth-it-ratio must be above 0")
            }
            worthItRatio = ratio
        case "alternate-digests":
            guard !value.isEmpty else { throw .malformed("alternate-digests needs a path") }
            alternateDigests = value
        case "require-strong-hashes":
            guard let flag = Self.boolean(value) else { throw .malformed("require-strong-hashes must be yes or no") }
            requireStrongHashes = flag
        case "shared-database":
            guard let flag = Self.boolean(value) else { throw .malformed("shared-database must be yes or no") }
            sharedDatabase = flag
        case "prefer":
            guard let preference = FetchPreference(rawValue: value) else {
                throw .malformed("prefer must be bytes or time")
            }
            self.preference = preference
        case "bandwidth":
            guard let rate = RateParser.bytesPerSecond(value) else {
                throw .malformed("bandwidth must be a rate such as 500k, 20M or 1.5G")
            }
            bandwidth = rate
        case "jobs":
            guard let count = Int(value), count > 0, count <= 1024 else {
                throw .malformed("jobs must be a whole number from 1 to 1024")
            }
            jobs = count
        case "cpu-share":
            guard let share = Self.cpuShare(value) else {
                throw .malformed("cpu-share must be auto or a number from 0.02 to 1")
            }
            cpuShare = share
        default:
            throw .malformed("unknown setting '\(key)' (known: \(Self.keys.joined(separator: ", ")))")
        }
    }

    /// The config file's keys.
    public static let keys = [
        "patches", "mirrors", "timeout", "retries", "worth-it-ratio", "alternate-digests",
        "require-strong-hashes", "shared-database", "prefer", "bandwidth", "jobs",
        "cpu-share",
    ]

    /// `auto` (nil inside: measure) or a share from 0.02 to 1; nil again for anything else,
    /// which callers refuse.
    private static func cpuShare(_ text: String) -> Double?? {
        if text == "auto" { return .some(nil) }
        guard let value = Double(text), value >= CPUShare.minimum, value <= 1 else { return nil }
        return .some(value)
    }

    private static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "yes", "true", "on": true
        case "0", "no", "false", "off", "": false
        default: nil
        }
    }

    /// The patch list files the sources name: files as given, directories expanded to the
    /// list files they hold. Missing ones are left out and reported.
    public func patchListFiles() -> (files: [String], missing: [String]) {
        var files = [String](), missing = [String]()
        for source in patchSources {
            guard let status = try? FileSystem.status(of: source) else {
                missing.append(source)
                continue
            }
            guard status.kind == .directory else {
                files.append(source)
                continue
            }
            for name in ["patches.global", "profiles/patches.global", "patches"] {
                let path = Paths.join(source, name)
                if PortageTree.isRegularFile(path) { files.append(path) }
            }
        }
        return (files, missing)
    }

    /// The Gentoo mirrors' distfile directories (`URL/distfiles`), as Portage lays them out.
    public var gentooDistfileMirrors: [String] {
        gentooMirrors.map { Paths.join($0, "distfiles") }
    }

    /// Every mirror to try for a file named without a URL: the settings' mirrors, then the
    /// Gentoo mirrors' distfile directories.
    public var allMirrors: [String] { mirrors + gentooDistfileMirrors }

    /// Splits a `:`-separated list of paths.
    public static func pathList(_ text: String) -> [String] {
        text.split(separator: ":").map { trim($0) }.filter { !$0.isEmpty }
    }

    static func wordList(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
    }
}

/// A setting that cannot be used.
public enum SettingsError: DeltaCoreError {
    /// The line is not a known `key = value` with a valid value.
    case malformed(String)
    /// The config file cannot be read.
    case unreadable(any Error)

    public var description: String {
        switch self {
        case let .malformed(reason): reason
        case let .unreadable(reason): "cannot read: \(reason)"
        }
    }
}
