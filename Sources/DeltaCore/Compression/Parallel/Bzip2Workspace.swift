import Synchronization

/// The memory libbz2 allocates for a compressor, kept for the next one.
///
/// Parallel bzip2 compresses each block with a compressor of its own, and at level 9 each
/// allocates about 7.6 MB of sorting arrays. Freed and allocated again block after block on
/// several threads, those arrays came back as fresh pages: 88,000 page faults for the Django
/// tar with 2 jobs against 3,400 with 1, a tenth of a second of the kernel zeroing pages.
/// A workspace hands libbz2 the same arrays again instead.
///
/// One compressor uses a workspace at a time (``Bzip2WorkspacePool`` hands them out).
final class Bzip2Workspace: @unchecked Sendable {
    private struct Allocation {
        var bytes: UnsafeMutableRawPointer
        var size: Int
        var inUse: Bool
    }

    /// Everything allocated, in use or kept for reuse.
    private var allocations: [Allocation] = []

    /// Memory for libbz2: a kept allocation of exactly `size` bytes, else a new one.
    func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        if let index = allocations.firstIndex(where: { !$0.inUse && $0.size == size }) {
            allocations[index].inUse = true
            return allocations[index].bytes
        }
        let bytes = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 16)
        allocations.append(Allocation(bytes: bytes, size: size, inUse: true))
        return bytes
    }

    /// Takes back memory libbz2 is done with, to hand out again.
    func release(_ bytes: UnsafeMutableRawPointer) {
        guard let index = allocations.firstIndex(where: { $0.bytes == bytes }) else { return }
        allocations[index].inUse = false
    }

    deinit {
        for allocation in allocations { allocation.bytes.deallocate() }
    }
}

/// Workspaces for the compressors of one parallel run: each worker takes one for a block
/// and gives it back, so a run keeps about as many as it has workers.
final class Bzip2WorkspacePool: Sendable {
    private let idle = Mutex<[Bzip2Workspace]>([])

    /// A workspace no other thread is using; give it back when done.
    func take() -> Bzip2Workspace {
        idle.withLock { $0.popLast() } ?? Bzip2Workspace()
    }

    /// Makes a workspace taken with ``take()`` available again.
    func giveBack(_ workspace: Bzip2Workspace) {
        idle.withLock { $0.append(workspace) }
    }
}
