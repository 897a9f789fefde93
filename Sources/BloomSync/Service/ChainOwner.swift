import Dispatch

/// The single owner of the ``SyncCore`` (and so of the SQLite store): a serial dispatch queue of its own, so
/// that SQLite work never runs on the two-thread cooperative pool (DESIGN.md, "Engineering notes").
///
/// `@unchecked Sendable` because the core is only ever touched on `queue`, one closure at a time.
public final class ChainOwner: @unchecked Sendable {
    private let core: SyncCore
    private let queue = DispatchQueue(label: "bloom-sync.chain", qos: .userInitiated)

    /// Takes ownership of `core`: nothing else may touch it afterwards.
    public init(core: SyncCore) {
        self.core = core
    }

    /// Runs `body` with the core on the owner's queue and returns its result.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (SyncCore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.core) })
            }
        }
    }

    /// Runs `body` on the owner's queue and waits for it (for shutdown paths outside async code).
    public func performAndWait<T>(_ body: (SyncCore) throws -> T) rethrows -> T {
        try queue.sync { try body(core) }
    }
}
