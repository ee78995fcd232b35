/// A version ordered as Gentoo's Package Manager Specification (PMS, section 3.3) orders them:
/// `1.2_rc1 < 1.2 < 1.2.1 < 1.10`, `1.2 < 1.2a`, `_alpha < _beta < _pre < _rc < (none) < _p`,
/// and `-rN` revisions last.
public struct GentooVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// A release-suffix kind, in PMS order.
    public enum SuffixKind: Int, Comparable, Sendable, CaseIterable {
        case alpha, beta, pre, rc, p

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

        var spelling: String {
            switch self {
            case .alpha: "alpha"
            case .beta: "beta"
            case .pre: "pre"
            case .rc: "rc"
            case .p: "p"
            }
        }
    }

    /// A suffix such as `_rc2` (number nil when absent, which compares as 0).
    public struct Suffix: Hashable, Sendable {
        public var kind: SuffixKind
        public var number: String?
    }

    /// The dotted numeric components, as written (leading zeros matter to PMS).
    public private(set) var components: [String]
    /// The optional letter after the numbers (`1.2b`).
    public private(set) var letter: Character?
    /// The release suffixes, in order.
    public private(set) var suffixes: [Suffix]
    /// The revision (`-r3`), as written; nil means `-r0`.
    public private(set) var revision: String?

    /// Parses a version in strict PMS syntax:
    /// `[0-9]+(\.[0-9]+)*[a-z]?((_alpha|_beta|_pre|_rc|_p)[0-9]*)*(-r[0-9]+)?`.
    /// Returns nil for anything else.
    public init?(_ text: some StringProtocol) {
        var scanner = Substring(text)
        var components = [String]()
        guard let first = Self.takeDigits(&scanner) else { return nil }
        components.append(first)
        while scanner.first == "." {
            var rest = scanner.afterFirst
            guard let next = Self.takeDigits(&rest) else { break }
            components.append(next)
            scanner = rest
        }
        self.components = components
        if let c = scanner.first, c.isASCII, c.isLowercase, c.isLetter {
            letter = c
            scanner.removeFirst()
        }
        suffixes = []
        while scanner.first == "_" {
            scanner.removeFirst()
            guard
                let kind = SuffixKind.allCases.sorted(by: { $0.spelling.count > $1.spelling.count })
                    .first(where: { scanner.hasPrefix($0.spelling) })
            else { return nil }
            scanner.removeFirst(kind.spelling.count)
            suffixes.append(Suffix(kind: kind, number: Self.takeDigits(&scanner)))
        }
        if scanner.hasPrefix("-r") {
            scanner.removeFirst(2)
            guard let number = Self.takeDigits(&scanner) else { return nil }
            revision = number
        }
        guard scanner.isEmpty else { return nil }
    }

    /// Parses an upstream version leniently, mapping common spellings onto PMS ones:
    /// `1.0rc1`, `1.0-rc1`, `1.0.rc1`, `1.0c1` → `1.0_rc1`; `1.0a1`, `1.0-alpha`, `1.0b2`, `1.0beta` →
    /// `_alpha1`, `_alpha`, `_beta2`, `_beta`; `.post1`, `-pl2`, `-patch3` → `_p1`, `_p2`, `_p3`;
    /// `.dev1`, `-pre` → `_pre1`, `_pre`. A Debian repack suffix (`+dfsg`, `+ds1`) is ignored.
    /// Returns nil when even that does not give a PMS version.
    public init?(upstream text: some StringProtocol) {
        if let strict = GentooVersion(text) {
            self = strict
            return
        }
        var lowered = text.lowercased()
        if let plus = lowered.firstIndex(of: "+") { lowered = String(lowered[..<plus]) }
        guard let normalized = Self.normalizeUpstream(lowered), let parsed = GentooVersion(normalized) else {
            return nil
        }
        self = parsed
    }

    /// Rebuilds an upstream spelling as PMS syntax from runs of digits, letters and separators.
    private static func normalizeUpstream(_ text: String) -> String? {
        enum Run {
            case digits(String)
            case letters(String)
            case separator(Character)
        }
        var runs = [Run]()
        for c in text {
            switch (c, runs.last) {
            case (_, .digits(let d)?) where c.isASCII && c.isNumber: runs[runs.count - 1] = .digits(d + String(c))
            case (_, .letters(let l)?) where c.isASCII && c.isLetter: runs[runs.count - 1] = .letters(l + String(c))
            case _ where c.isASCII && c.isNumber: runs.append(.digits(String(c)))
            case _ where c.isASCII && c.isLetter: runs.append(.letters(String(c)))
            case _ where c == "." || c == "-" || c == "_": runs.append(.separator(c))
            default: return nil
            }
        }
        let words: [String: SuffixKind] = [
            "alpha": .alpha, "a": .alpha, "beta": .beta, "b": .beta, "pre": .pre,
            "preview": .pre, "dev": .pre, "rc": .rc, "c": .rc, "p": .p, "pl": .p,
            "post": .p, "patch": .p,
        ]
        // The numeric part: digits joined by dots.
        guard case .digits(let first)? = runs.first else { return nil }
        var result = first
        var index = 1
        while index + 1 < runs.count, case .separator(".") = runs[index], case .digits(let next) = runs[index + 1] {
            result += "." + next
            index += 2
        }
        // A lone letter right after the numbers and at the end (or before a separator) is PMS's letter.
        if index < runs.count, case .letters(let letter) = runs[index], letter.count == 1, words[letter] == nil {
            result += letter
            index += 1
        }
        // Then suffix words, each optionally followed by a number.
        while index < runs.count {
            if case .separator = runs[index] { index += 1; continue }
            guard case .letters(let word) = runs[index], let kind = words[word] else { return nil }
            result += "_" + kind.spelling
            index += 1
            if index < runs.count, case .digits(let number) = runs[index] {
                result += number
                index += 1
            } else if index + 1 < runs.count, case .separator(".") = runs[index],
                case .digits(let number) = runs[index + 1]
            {
                result += number
                index += 2
            }
        }
        return result
    }

    public var description: String {
        var text = components.joined(separator: ".")
        if let letter { text.append(letter) }
        for suffix in suffixes { text += "_" + suffix.kind.spelling + (suffix.number ?? "") }
        if let revision { text += "-r" + revision }
        return text
    }

    /// PMS algorithm 3.1 and its helpers 3.2 to 3.7.
    public static func < (lhs: Self, rhs: Self) -> Bool { compare(lhs, rhs) < 0 }

    public static func == (lhs: Self, rhs: Self) -> Bool { compare(lhs, rhs) == 0 }

    public func hash(into hasher: inout Hasher) {
        // Equal versions may be spelled differently (1.0 vs 1.00 is not equal, but 1.0-r0 and
        // 1.0 are); hash only what equality cannot vary on.
        hasher.combine(Self.integerValue(components[0]))
    }

    /// -1, 0 or 1 as `lhs` is lower than, equal to or higher than `rhs`.
    public static func compare(_ lhs: Self, _ rhs: Self) -> Int {
        // 3.2: the first component as integers, then the rest by 3.3.
        var order = compareIntegers(lhs.components[0], rhs.components[0])
        if order != 0 { return order }
        for index in 1..<min(lhs.components.count, rhs.components.count) {
            order = compareLaterComponents(lhs.components[index], rhs.components[index])
            if order != 0 { return order }
        }
        if lhs.components.count != rhs.components.count {
            return lhs.components.count > rhs.components.count ? 1 : -1
        }
        // 3.4: letters.
        switch (lhs.letter, rhs.letter) {
        case let (l?, r?) where l != r: return l < r ? -1 : 1
        case (_?, nil): return 1
        case (nil, _?): return -1
        default: break
        }
        // 3.5 and 3.6: suffixes.
        for index in 0..<min(lhs.suffixes.count, rhs.suffixes.count) {
            let l = lhs.suffixes[index], r = rhs.suffixes[index]
            if l.kind != r.kind { return l.kind < r.kind ? -1 : 1 }
            order = compareIntegers(l.number ?? "0", r.number ?? "0")
            if order != 0 { return order }
        }
        if lhs.suffixes.count > rhs.suffixes.count {
            return lhs.suffixes[rhs.suffixes.count].kind == .p ? 1 : -1
        }
        if rhs.suffixes.count > lhs.suffixes.count {
            return rhs.suffixes[lhs.suffixes.count].kind == .p ? -1 : 1
        }
        // 3.7: revisions.
        return compareIntegers(lhs.revision ?? "0", rhs.revision ?? "0")
    }

    /// Arbitrary-length decimal strings compared as integers.
    private static func compareIntegers(_ lhs: String, _ rhs: String) -> Int {
        let l = lhs.drop(while: { $0 == "0" }), r = rhs.drop(while: { $0 == "0" })
        if l.count != r.count { return l.count < r.count ? -1 : 1 }
        return l == r ? 0 : (l < r ? -1 : 1)
    }

    /// PMS 3.3: a later component with a leading zero compares as a string, trailing zeros stripped.
    private static func compareLaterComponents(_ lhs: String, _ rhs: String) -> Int {
        if lhs.hasPrefix("0") || rhs.hasPrefix("0") {
            let l = String(lhs.reversed().drop(while: { $0 == "0" }).reversed())
            let r = String(rhs.reversed().drop(while: { $0 == "0" }).reversed())
            return l == r ? 0 : (l < r ? -1 : 1)
        }
        return compareIntegers(lhs, rhs)
    }

    private static func integerValue(_ digits: String) -> Substring {
        digits.drop(while: { $0 == "0" })
    }

    private static func takeDigits(_ scanner: inout Substring) -> String? {
        let digits = scanner.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty else { return nil }
        scanner.removeFirst(digits.count)
        return String(digits)
    }
}

extension Substring {
    /// Drops the first character and returns the rest, for chaining in a parser.
    fileprivate var afterFirst: Substring { dropFirst() }
}
