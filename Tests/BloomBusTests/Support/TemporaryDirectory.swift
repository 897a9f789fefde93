import Foundation

/// A fresh directory under the system temp dir, removed when the value is dropped. Short paths on purpose: ipc
/// endpoints must fit 107 bytes.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        var template = Array("/tmp/bbt-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, let result = mkdtemp(base) else { return nil }
            return String(cString: result)
        }
        guard let made else { throw CocoaError(.fileWriteUnknown) }
        path = made
    }

    func appending(_ name: String) -> String { "\(path)/\(name)" }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs `body` and fails with `TimedOut` if it has not finished after `seconds`. Only detects hangs: the limit is
/// generous and nothing asserts on speed.
func withHangGuard<T: Sendable>(
    seconds: Double = 30,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        guard let first = try await group.next(), let value = first else {
            group.cancelAll()
            throw TimedOut(seconds: seconds)
        }
        group.cancelAll()
        return value
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var seconds: Double
    var description: String { "did not finish within \(seconds) s (hang)" }
}
