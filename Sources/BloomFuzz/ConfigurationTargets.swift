import BloomServiceKit
import BloomSupervisor
import Foundation

/// Text an operator or a local client supplies: the configuration file, service definitions, and the
/// control-socket request.
enum ConfigurationTargets {
    static let all: [FuzzTarget] = [configuration, serviceDefinition, control]

    /// A directory of this process's own for the configuration file (the reader takes a path, not text), in
    /// memory where the system has `/dev/shm`: on ext4, closing a file that was truncated and rewritten starts its
    /// write-back (the replace-by-truncate heuristic), which was 28 % of this target's time in perf.
    static let scratch: String = {
        let memory = "/dev/shm"
        let base = FileManager.default.isWritableFile(atPath: memory) ? memory + "/" : NSTemporaryDirectory()
        let path = base + "bloom-fuzz-config-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // A file in /dev/shm holds memory until it is removed: remove the directory when the process exits.
        atexit { try? FileManager.default.removeItem(atPath: ConfigurationTargets.scratch) }
        return path
    }()

    /// Input: the bytes of `bloom.toml`, read through the public entry point every service uses.
    static let configuration = FuzzTarget(
        "config",
        "bloom.toml through NodeConfiguration.load (the entry point every binary uses): a typed error or a "
            + "configuration, the same one when loaded again"
    ) { (input: [UInt8]) throws(PropertyViolation) in
        let name = "config"
        let file = scratch + "/bloom.toml"
        // A plain write: FileManager.createFile writes atomically with an fsync, which was 38 % of this target's
        // time (perf) and tests nothing of the node.
        guard write(input, to: file) else { throw PropertyViolation(name, "cannot write \(file)") }
        let load = { () throws(ConfigurationError) -> NodeConfiguration in
            try NodeConfiguration.load(
                arguments: ["--config", file],
                environment: ["HOME": scratch],
                currentDirectory: scratch
            )
        }
        guard let first = try? load() else { return }
        let second = try? load()
        try Expect.that(second == first, name, "a second load gives another configuration")
    }

    private static func write(_ bytes: [UInt8], to path: String) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) } == bytes.count
    }

    /// Input: the text of one service definition file (`Services/*.toml`).
    static let serviceDefinition = FuzzTarget(
        "service-definition",
        "A service definition file: a typed error or a definition, the same one when parsed again"
    ) { (input: [UInt8]) throws(PropertyViolation) in
        let text = String(decoding: input, as: UTF8.self)
        guard let first = try? ServiceDefinition(parsing: text, file: "fuzz.toml") else { return }
        let second = try? ServiceDefinition(parsing: text, file: "fuzz.toml")
        try Expect.that(second == first, "service-definition", "a second parse gives another definition")
    }

    /// Input: one payload frame sent to the control socket.
    static let control = FuzzTarget(
        "control",
        "Control-socket request {id, cmd, args}: a parsed request re-encodes to JSON that parses to the same request"
    ) { (input: [UInt8]) throws(PropertyViolation) in
        guard case .success(let request) = ControlRequest.parse(input) else { return }
        let again = ControlRequest.parse(request.encoded())
        try Expect.that(again == .success(request), "control", "re-encoded request parses as \(again)")
    }
}
