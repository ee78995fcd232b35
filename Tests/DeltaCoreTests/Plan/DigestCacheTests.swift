import DeltaCore
import Foundation
import Testing

@Suite struct DigestCacheTests {
    @Test func unchangedFilesAreNotRehashedAndChangedOnesAre() throws {
        let directory = try TestPaths.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/six-1.17.0.tar.gz"
        try FileManager.default.copyItem(atPath: TestPaths.testdata("six-1.17.0.tar.gz"), toPath: file)
        let store = DigestCache.defaultPath(distdir: directory)
        #expect(store == directory + "/.deltafetch/digest-cache")

        let first = DigestCache(storePath: store)
        let digests = try first.digests(ofFile: file)
        #expect(digests == (try FileInspector.inspect(path: file)).compressed)
        _ = try first.digests(ofFile: file)
        #expect((first.hits, first.misses) == (1, 1))
        try first.save()

        // A new process (a new cache loaded from disk) trusts the stored digests.
        let second = DigestCache(storePath: store)
        #expect(try second.digests(ofFile: file) == digests)
        #expect((second.hits, second.misses) == (1, 0))

        // Same size, new content and modification time: rehashed.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count - 1] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 10)], ofItemAtPath: file)
        let third = DigestCache(storePath: store)
        let changed = try third.digests(ofFile: file)
        #expect(third.misses == 1)
        #expect(changed != digests)
        #expect(changed.size == digests.size)

        // A replaced file (new inode) with the very same size and mtime is rehashed too.
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        try FileManager.default.removeItem(atPath: file)
        try FileManager.default.copyItem(atPath: TestPaths.testdata("six-1.17.0.tar.gz"), toPath: file)
        try FileManager.default.setAttributes([.modificationDate: attributes[.modificationDate]!], ofItemAtPath: file)
        #expect(try third.digests(ofFile: file) == digests)
        #expect(third.misses == 2)
    }

    @Test func aCorruptCacheIsIgnored() throws {
        let directory = try TestPaths.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = directory + "/cache"
        try "garbage\n1 2 3 4 5 MD5 zz /x\n\u{0}\u{1}".write(toFile: store, atomically: true, encoding: .utf8)
        let cache = DigestCache(storePath: store)
        let file = TestPaths.testdata("six-1.16.0.tar.gz")
        #expect(try cache.digests(ofFile: file).size == 34041)
        #expect(cache.misses == 1)
        #expect(throws: FileSystemError.self) { try cache.digests(ofFile: directory + "/missing") }
    }

    @Test func inventoryMatchesBasesByDigestOrAlternate() throws {
        let distdir = try TestPaths.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: distdir) }
        try FileManager.default.copyItem(
            atPath: TestPaths.testdata("six-1.16.0.tar.gz"), toPath: distdir + "/six-1.16.0.tar.gz")
        let actual = try FileInspector.inspect(path: distdir + "/six-1.16.0.tar.gz").compressed
        let inventory = DistdirInventory(distdir: distdir, cache: DigestCache(storePath: nil))
        #expect(try inventory.locateBase(HashedPart(name: "six-1.16.0.tar.gz", digests: actual)) == "six-1.16.0.tar.gz")
        let treeVersion = HashedPart(
            name: "six-1.16.0.tar.gz", size: 34000, hashes: [.known(try DigestContext.digest(.md5, of: [1]))])
        #expect(try inventory.locateBase(treeVersion) == nil)
        #expect(try inventory.locateBase(HashedPart(name: "../six-1.16.0.tar.gz", digests: actual)) == nil)
        let alternate = AlternateDigestEntry(original: treeVersion, alternate: HashedPart(name: nil, digests: actual))
        let withDatabase = DistdirInventory(
            distdir: distdir, cache: DigestCache(storePath: nil), alternates: [alternate])
        #expect(try withDatabase.locateBase(treeVersion) == "six-1.16.0.tar.gz")
        // Kept apart (the default for rebuilt files), it is found there.
        try AlternateFiles.createDirectory(distdir: distdir)
        try FileManager.default.moveItem(
            atPath: distdir + "/six-1.16.0.tar.gz",
            toPath: AlternateFiles.directory(distdir: distdir) + "/six-1.16.0.tar.gz")
        #expect(try withDatabase.locateBase(treeVersion) == ".deltafetch/alternates/six-1.16.0.tar.gz")
        #expect(
            try withDatabase.holdsVerifiedCopy(
                of: ManifestEntry(name: "six-1.16.0.tar.gz", digests: treeVersion.digests)))
        #expect(
            try inventory.locateBase(HashedPart(name: "six-1.16.0.tar.gz", digests: actual)) == nil,
            "without the database the apart directory is never looked at")
    }
}
