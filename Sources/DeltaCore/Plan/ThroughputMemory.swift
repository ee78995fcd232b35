/// What this machine has measured about its links and its rebuilds, so that the planner
/// weighs a patch against a plain download with real figures (issue "Never slower").
///
/// Kept in a small text file, by default `DISTDIR/.deltafetch/measurements`, one line per
/// measured quantity: `KIND KEY BYTES-PER-SECOND UNIX-SECONDS SAMPLES`. Each new sample moves
/// the figure a third of the way (an exponential moving average), so one odd transfer does
/// not swing the next decision. Figures older than ``maximumAge`` are forgotten, and at most
/// ``maximumEntries`` are kept (the most recent), so the file stays small whatever the mirrors.
/// ``record(_:path:now:)`` merges under an exclusive lock and rewrites atomically, so
/// concurrent fetches never lose the file; a read-only distdir only loses the memory. A
/// malformed line is skipped and reported, never fatal: this is a cache, not a setting.
public struct ThroughputMemory: Sendable, Equatable {
    /// A measured quantity.
    public enum Quantity: Hashable, Sendable, Comparable {
        /// Downloads from a mirror host (lowercased host name, or `file` for local mirrors).
        case link(host: String)
        /// Recompressing content into a format, in uncompressed bytes per second, with all the
        /// jobs the rebuild used, for recipes that share the work out (restart points, bzip2
        /// blocks, `xz -T` blocks).
        case recompress(CompressionFormat)
        /// The same for recipes rebuilt by one compressor from start to end (a single-block xz
        /// stream, a gzip recipe without restart points): often several times slower.
        case serialRecompress(CompressionFormat)
        /// Decompressing a base of a format, in uncompressed bytes per second.
        case decompress(CompressionFormat)
        /// Applying patches, in output bytes per second.
        case apply

        var kind: String {
            switch self {
            case .link: "link"
            case .recompress: "recompress"
            case .serialRecompress: "recompress-serial"
            case .decompress: "decompress"
            case .apply: "apply"
            }
        }

        var key: String {
            switch self {
            case .link(let host): host
            case .recompress(let format), .serialRecompress(let format), .decompress(let format): format.rawValue
            case .apply: "-"
            }
        }

        init?(kind: Substring, key: Substring) {
            switch kind {
            case "link":
                guard !key.isEmpty, key.utf8.count <= 253 else { return nil }
                self = .link(host: String(key))
            case "recompress", "recompress-serial", "decompress":
                guard let format = CompressionFormat(rawValue: String(key)) else { return nil }
                switch kind {
                case "recompress": self = .recompress(format)
                case "recompress-serial": self = .serialRecompress(format)
                default: self = .decompress(format)
                }
            case "apply":
                guard key == "-" else { return nil }
                self = .apply
            default:
                return nil
            }
        }

        public static func < (lhs: Quantity, rhs: Quantity) -> Bool {
            (lhs.kind, lhs.key) < (rhs.kind, rhs.key)
        }
    }

    /// A figure and how it was learnt.
    public struct Figure: Hashable, Sendable {
        /// Bytes per second.
        public var bytesPerSecond: Double
        /// When it was last updated, in seconds since 1970.
        public var updated: Int64
        /// How many samples went into it.
        public var samples: Int
    }

    /// Figures older than this many seconds are forgotten (30 days).
    public static let maximumAge: Int64 = 30 * 24 * 3600
    /// At most this many figures are kept.
    public static let maximumEntries = 256
    /// The weight of a new sample in the moving average.
    static let sampleWeight = 1.0 / 3.0
    /// Transfers shorter than this are latency more than throughput: not recorded.
    public static let minimumSampleBytes: UInt64 = 64 * 1024

    /// The figures, by quantity.
    public private(set) var figures: [Quantity: Figure] = [:]

    /// No measurements.
    public init() {}

    /// `DISTDIR/.deltafetch/measurements`.
    public static func defaultPath(distdir: String) -> String {
        (distdir.hasSuffix("/") ? String(distdir.dropLast()) : distdir) + "/.deltafetch/measurements"
    }

    /// The measured rate of `quantity` in bytes per second, if known.
    public func rate(_ quantity: Quantity) -> Double? {
        figures[quantity]?.bytesPerSecond
    }

    /// Reads the measurements at `path`; a missing or unreadable file is empty, and figures
    /// older than ``maximumAge`` at `now` are left out.
    /// - Returns: the memory, and one warning per malformed line (`PATH:LINE: reason`).
    public static func load(path: String, now: Int64) -> (memory: ThroughputMemory, warnings: [String]) {
        guard let text = try? MetadataLines.readText(path: path) else { return (ThroughputMemory(), []) }
        return parse(text, path: path, now: now)
    }

    /// Parses the text of a measurements file (see ``load(path:now:)``).
    public static func parse(_ text: String, path: String, now: Int64) -> (memory: ThroughputMemory, warnings: [String])
    {
        var memory = ThroughputMemory()
        var warnings = [String]()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ")
            guard fields.count == 5, let quantity = Quantity(kind: fields[0], key: fields[1]),
                let rate = Double(fields[2]), rate.isFinite, rate > 0,
                let updated = Int64(fields[3]), let samples = Int(fields[4]), samples > 0
            else {
                warnings.append("\(path):\(index + 1): not a measurement line; ignored")
                continue
            }
            guard now - updated <= maximumAge else { continue }
            memory.figures[quantity] = Figure(bytesPerSecond: rate, updated: updated, samples: samples)
        }
        return (memory, warnings)
    }

    /// The file's text: a header, then one line per figure in a stable order.
    public func serialized() -> String {
        var text = "# deltafetch measurements 1: kind key bytes-per-second updated-unix-seconds samples\n"
        for (quantity, figure) in figures.sorted(by: { $0.key < $1.key }) {
            text +=
                "\(quantity.kind) \(quantity.key) \(Int64(figure.bytesPerSecond.rounded())) \(figure.updated) \(figure.samples)\n"
        }
        return text
    }

    /// Adds one sample of `bytes` in `seconds` to `quantity` at `now`; samples too small to
    /// tell throughput from latency are ignored.
    public mutating func add(_ quantity: Quantity, bytes: UInt64, seconds: Double, now: Int64) {
        guard bytes >= Self.minimumSampleBytes, seconds > 0, seconds.isFinite else { return }
        let rate = Double(bytes) / seconds
        if var figure = figures[quantity] {
            figure.bytesPerSecond += (rate - figure.bytesPerSecond) * Self.sampleWeight
            figure.updated = now
            figure.samples += 1
            figures[quantity] = figure
        } else {
            figures[quantity] = Figure(bytesPerSecond: rate, updated: now, samples: 1)
        }
        if figures.count > Self.maximumEntries {
            let newest = figures.sorted { $0.value.updated > $1.value.updated }.prefix(Self.maximumEntries)
            figures = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
        }
    }

    /// One measurement to remember.
    public struct Sample: Sendable, Equatable {
        /// What was measured.
        public var quantity: Quantity
        /// How many bytes…
        public var bytes: UInt64
        /// …in how many seconds.
        public var seconds: Double

        /// A sample.
        public init(_ quantity: Quantity, bytes: UInt64, seconds: Double) {
            self.quantity = quantity
            self.bytes = bytes
            self.seconds = seconds
        }

        /// This sample as it would have been on free cores: a rebuild that got `share` of the
        /// cores would have taken `share` times its seconds. A link's speed is not scaled.
        public func onFreeCores(_ share: CPUShare) -> Sample {
            if case .link = quantity { return self }
            return Sample(quantity, bytes: bytes, seconds: seconds * share.value)
        }
    }

    /// Merges `samples` into the file at `path` under an exclusive lock (`PATH.lock`) and
    /// rewrites it atomically, creating its directory.
    /// - Throws: ``FileSystemError`` when the directory, lock or file cannot be written (a read-only
    ///   distdir): callers treat that as losing the memory, not as a failed fetch.
    public static func record(_ samples: [Sample], path: String, now: Int64) throws(FileSystemError) {
        try FileSystem.createDirectory(Paths.directory(of: path))
        let lock = try ReadWriteFileLock(path: path + ".lock", mode: .exclusive)
        defer { lock.release() }
        var (memory, _) = load(path: path, now: now)
        for sample in samples { memory.add(sample.quantity, bytes: sample.bytes, seconds: sample.seconds, now: now) }
        let writer = try AtomicFileWriter(path: path)
        try writer.write(Array(memory.serialized().utf8))
        try writer.commit()
    }

    /// Seconds since 1970, now.
    public static func currentTime() -> Int64 {
        WallClock.secondsSinceEpoch()
    }
}
