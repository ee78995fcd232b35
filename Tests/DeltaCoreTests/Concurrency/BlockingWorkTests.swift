import DeltaCore
import Synchronization
import Testing

@Suite struct BlockingWorkTests {
    @Test func runReturnsAndThrowsWhatTheWorkDoes() async throws {
        #expect(await BlockingWork.run { 6 * 7 } == 42)
        struct Failure: Error {}
        await #expect(throws: Failure.self) {
            try await BlockingWork.run { () throws(Failure) -> Int in throw Failure() }
        }
    }

    @Test func parallelForEachVisitsEveryIndexOnce() {
        let seen = Mutex([Int](repeating: 0, count: 1000))
        BlockingWork.parallelForEach(count: 1000, jobs: 4) { index in seen.withLock { $0[index] += 1 } }
        #expect(seen.withLock { $0 } == [Int](repeating: 1, count: 1000))
    }

    /// Loops inside loops inside started work, many at once: a caller never waits for a
    /// thread that has not started, so nothing deadlocks however many ask.
    @Test func nestedParallelWorkFinishes() {
        let total = Mutex(0)
        let started = (0..<16).map { _ in
            BlockingWork.start {
                BlockingWork.parallelForEach(count: 8, jobs: 8) { _ in
                    BlockingWork.parallelForEach(count: 8, jobs: 8) { _ in total.withLock { $0 += 1 } }
                }
            }
        }
        for work in started { work.wait() }
        #expect(total.withLock { $0 } == 16 * 64)
    }

    /// A producer and its consumer each get a thread at once, even when many pairs run.
    @Test func producersAndConsumersAllRun() throws {
        let digests = (0..<32).map { _ in
            BlockingWork.start { () -> DigestSet? in
                guard let digest = try? BackgroundDigest([.sha256], slotSize: 64, slotCount: 2) else { return nil }
                let bytes = [UInt8](repeating: 7, count: 10_000)
                bytes.withUnsafeBytes { digest.update($0) }
                return digest.finalize()
            }
        }
        for digest in digests { #expect(digest.wait()?.size == 10_000) }
    }
}
