import DeltaCore
import Testing

/// Duplicate and contradicting lines between patch lists: one entry per patch file, stronger
/// hashes first, the later line between equals, and both lines named.
@Suite struct PatchListMergeTests {
    static let md5 = String(repeating: "a", count: 32)
    static let blake = String(repeating: "b", count: 128)

    /// An MD5-only line for `patch` from foo-1 to foo-2.
    static func listed(_ patch: String, contentSize: Int = 300, path: String, line: Int) throws -> ListedPatchEntry {
        let text = "MD5 \(md5) \(patch) 10 MD5 \(md5) foo-1.tar.gz 200 UMD5 \(md5) foo-2.tar.gz \(contentSize)"
        return ListedPatchEntry(entry: try PatchListEntry(line: Substring(text)), path: path, line: line)
    }

    @Test func theSameLineTwiceIsADuplicateAndTheFirstStays() throws {
        let first = try Self.listed("foo.patch", path: "profiles/patches.global", line: 3)
        let second = try Self.listed("foo.patch", path: "app/foo/patches", line: 1)
        let (entries, conflicts) = PatchListMerge.merge([first, second])
        #expect(entries == [first])
        #expect(conflicts.count == 1)
        #expect(conflicts.first?.contradiction == nil)
        #expect(
            conflicts.first?.description
                == "app/foo/patches:1: duplicate of profiles/patches.global:3 for patch foo.patch; profiles/patches.global:3 is used"
        )
    }

    @Test(arguments: [false, true])
    func strongerHashesWinAContradictionWhicheverComesFirst(strongFirst: Bool) throws {
        let weak = try Self.listed("foo.patch", contentSize: 301, path: "profiles/patches.global", line: 7)
        // Every part carries BLAKE2B: the entry counts as strong.
        let strong = ListedPatchEntry(
            entry: try PatchListEntry(
                line: Substring(
                    "BLAKE2B \(Self.blake) foo.patch 10 BLAKE2B \(Self.blake) foo-1.tar.gz 200 UBLAKE2B \(Self.blake) foo-2.tar.gz 300"
                )),
            path: "app/foo/patches", line: 2)
        let (entries, conflicts) = PatchListMerge.merge(strongFirst ? [strong, weak] : [weak, strong])
        #expect(entries == [strong])
        let conflict = try #require(conflicts.first)
        #expect(conflict.contradiction == "new file")
        #expect(conflict.description.contains("profiles/patches.global:7"))
        #expect(conflict.description.contains("app/foo/patches:2"))
        #expect(conflict.description.hasSuffix("(stronger hashes win)"))
    }

    @Test func betweenEquallyStrongLinesTheLaterWins() throws {
        let global = try Self.listed("foo.patch", path: "profiles/patches.global", line: 1)
        let package = try Self.listed("foo.patch", contentSize: 301, path: "app/foo/patches", line: 4)
        let (entries, conflicts) = PatchListMerge.merge([global, package])
        #expect(entries == [package])
        #expect(conflicts.first?.kept == package)
        #expect(conflicts.first?.description.hasSuffix("(equally strong hashes: the later line wins)") == true)
    }

    /// A fetch warns only about the patches that can lead to its distfile.
    @Test func conflictsAboutOtherDistfilesAreLeftOutForAFetch() throws {
        let lines = [
            try Self.listed("foo.patch", path: "a", line: 1), try Self.listed("foo.patch", path: "b", line: 1),
        ]
        #expect(PatchListMerge.merge(lines, for: "foo-2.tar.gz").conflicts.count == 1)
        #expect(PatchListMerge.merge(lines, for: "bar-2.tar.gz").conflicts.isEmpty)
    }

    @Test func listsRememberTheirLineNumbers() throws {
        let text =
            "# comment\n\n"
            + "MD5 \(Self.md5) foo.patch 10 MD5 \(Self.md5) foo-1.tar.gz 200 UMD5 \(Self.md5) foo-2.tar.gz 300\n"
        let (list, _) = try PatchList.parse(text, path: "patches")
        #expect(list.listed(path: "patches").map(\.description) == ["patches:3"])
    }
}
