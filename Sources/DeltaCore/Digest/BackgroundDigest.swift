/// A ``MultiDigest`` that hashes on a second thread, so that hashing overlaps with whatever
/// produces the bytes (decompression, patch application).
///
/// ``update(_:)`` copies bytes into one of a few fixed slots and returns at once; a worker
/// hashes filled slots in order. Memory is bounded by `slotCount × slotSize` whatever the
/// stream's length; when every slot is full, ``update(_:)`` waits for the worker.
/// Use from one producer thread only, and always call ``finalize()``, on error paths too:
/// the worker keeps the object alive until then.
///
/// `@unchecked Sendable` is safe: the producer and the worker each touch only the slots the
/// counters give them (a slot is filled, counted ready, hashed, counted free), `digest` is
/// the worker's until ``finalize()`` has joined it, and the rest is the producer's.
public final class BackgroundDigest: @unchecked Sendable {
    private let slotSize: Int
    private let slotCount: Int
    private let storage: UnsafeMutableRawBufferPointer
    /// Per slot: how many bytes it holds, and whether it is the last one.
    private let slotFill: UnsafeMutablePointer<Int>
    private let slotIsLast: UnsafeMutablePointer<Bool>
    /// Slots the producer may fill, and slots the worker may hash.
    private let freeSlots: SlotCounter
    private let readySlots = SlotCounter(0)
    private var worker: BlockingWork.Pending<Void>?
    private var digest: MultiDigest
    private var producerSlot = 0
    private var producerFill = 0
    private var result: DigestSet?

    /// Starts the worker.
    /// - Parameters:
    ///   - algorithms: the digests to compute.
    ///   - slotSize: bytes per slot.
    ///   - slotCount: slots in flight (at least 2).
    public init(_ algorithms: some Sequence<DigestAlgorithm>, slotSize: Int = 1 << 19, slotCount: Int = 4)
        throws(DigestError)
    {
        precondition(slotSize > 0 && slotCount >= 2)
        digest = try MultiDigest(algorithms)
        self.slotSize = slotSize
        self.slotCount = slotCount
        storage = .allocate(byteCount: slotSize * slotCount, alignment: 64)
        slotFill = .allocate(capacity: slotCount)
        slotFill.initialize(repeating: 0, count: slotCount)
        slotIsLast = .allocate(capacity: slotCount)
        slotIsLast.initialize(repeating: false, count: slotCount)
        freeSlots = SlotCounter(slotCount - 1)  // the producer holds slot 0 already
        worker = BlockingWork.start { [self] in work() }
    }

    deinit {
        // Everything the worker touches belongs to self, so it must have stopped; finalize
        // stops it, and holding self alive until then is the worker's own closure.
        storage.deallocate()
        slotFill.deallocate()
        slotIsLast.deallocate()
    }

    /// Queues bytes for hashing.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(result == nil, "update after finalize")
        var offset = 0
        while offset < bytes.count {
            let count = min(slotSize - producerFill, bytes.count - offset)
            let destination = storage.baseAddress! + producerSlot * slotSize + producerFill
            destination.copyMemory(from: bytes.baseAddress! + offset, byteCount: count)
            producerFill += count
            offset += count
            if producerFill == slotSize { publish(last: false) }
        }
    }

    /// Waits for the worker and returns the size and digests of everything queued.
    /// Calling it again returns the same result.
    public func finalize() -> DigestSet {
        if let result { return result }
        publish(last: true)
        worker?.wait()
        worker = nil
        let digests = digest.finalize()
        result = digests
        return digests
    }

    private func publish(last: Bool) {
        slotFill[producerSlot] = producerFill
        slotIsLast[producerSlot] = last
        readySlots.add()
        producerSlot = (producerSlot + 1) % slotCount
        producerFill = 0
        if !last { freeSlots.take() }
    }

    private func work() {
        var slot = 0
        while true {
            readySlots.take()
            let start = storage.baseAddress! + slot * slotSize
            digest.update(UnsafeRawBufferPointer(start: start, count: slotFill[slot]))
            let last = slotIsLast[slot]
            slot = (slot + 1) % slotCount
            if last { break }
            freeSlots.add()
        }
    }
}

/// A count of slots that one side hands to the other: ``take()`` waits for one.
private final class SlotCounter: Sendable {
    private let count: ConditionMutex<Int>

    init(_ initial: Int) { count = ConditionMutex(initial) }

    /// Hands one slot over.
    func add() { count.update { $0 += 1 } }

    /// Waits for a slot and takes it.
    func take() { count.wait(until: { $0 > 0 }, then: { $0 -= 1 }) }
}
