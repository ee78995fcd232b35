/// Runs the stages of a rebuild at once, each on its own thread, joined through
/// ``GrowingFile``s: the first stage to fail abandons every file, which stops the others,
/// and once all have returned its error is the one thrown.
struct PipelineStages {
    private var stages: [@Sendable () throws -> Void] = []
    private let files: [GrowingFile]

    /// Stages that pass their bytes on through `files`.
    init(files: [GrowingFile]) { self.files = files }

    /// Adds a stage; stages run in the order added, upstream first.
    mutating func add(_ stage: @escaping @Sendable () throws -> Void) {
        stages.append(stage)
    }

    /// Runs every stage, the last on the calling thread and the others on worker threads
    /// (``BlockingWork/start(_:)``), and returns when all have returned.
    /// - Throws: the error of the most upstream stage that failed for a reason of its own
    ///   (not ``RebuildPipelineStopped``, which only says that another stage failed).
    func run() throws {
        guard let last = stages.last else { return }
        let files = self.files
        let guarded: (@escaping @Sendable () throws -> Void) -> @Sendable () -> (any Error)? = { stage in
            {
                do {
                    try stage()
                    return nil
                } catch {
                    for file in files { file.abandon() }
                    return error
                }
            }
        }
        let running = stages.dropLast().map { BlockingWork.start(guarded($0)) }
        let lastError = guarded(last)()
        let errors = running.map { $0.wait() } + [lastError]
        let failures = errors.compactMap { $0 }
        if let error = failures.first(where: { !Self.isStop($0) }) ?? failures.first {
            throw error
        }
    }

    /// Whether `error` only says that another stage failed.
    static func isStop(_ error: any Error) -> Bool {
        error is RebuildPipelineStopped || (error as? FileError)?.underlying is RebuildPipelineStopped
    }
}
