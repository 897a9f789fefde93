import BloomServiceKit
import Foundation
import ServiceLifecycle

// A fake service for the supervisor's tests and benchmarks. It takes its name from BLOOM_SERVICE_NAME (set by
// the supervisor) and its behaviour from the environment of its definition:
//   BLOOM_TEST_EXIT_AFTER_MS=N   exit after N ms (with BLOOM_TEST_EXIT_CODE, default 1)
//   BLOOM_TEST_EXIT_WHILE=PATH   ...but only while PATH exists (a test ends a crash loop by removing it)
//   BLOOM_TEST_HANG_AFTER_MS=N   stop heartbeating after N ms, but keep running
//   BLOOM_TEST_IGNORE_SIGTERM=1  ignore SIGTERM (the supervisor must SIGKILL it)
//   BLOOM_TEST_CLOSE_OUTPUT=1    close stdout and stderr at start (end of file for the supervisor)
//   BLOOM_TEST_STOP_LOG=PATH     append "<name> <replica> <pid>" to PATH when stopping gracefully
//   BLOOM_TEST_LOG_WHEN_ORPHANED=1  when stopping, log only once the supervisor process is wholly gone
//   BLOOM_TEST_PARENT_WATCH_ONLY=1  no service: arm the parent watch from a thread that then ends, print "armed",
//                                wait (a test kills the parent and expects the parent-death SIGTERM to end this)
// It answers the queries `peers` (one fake peer per replica, with the BLOOM_REPLICAS it was started with as
// `replicas_env`), `chain` and `coherence`.
let environment = ProcessInfo.processInfo.environment
let name = environment["BLOOM_SERVICE_NAME"] ?? "bloom-test-service"
if environment["BLOOM_TEST_CLOSE_OUTPUT"] == "1" {
    // Like a daemon that redirects its output: the supervisor sees end of file while the process runs on.
    let devNull = open("/dev/null", O_WRONLY)
    dup2(devNull, 1)
    dup2(devNull, 2)
    close(devNull)
}
if environment["BLOOM_TEST_PARENT_WATCH_ONLY"] == "1" {
    // Armed from a thread that ends at once, as the libdispatch worker that runs a service's start ends once idle.
    let armer = Thread { _ = ParentWatch.arm(environment: environment) }
    armer.start()
    while !armer.isFinished { usleep(1000) }
    // A supervisor starts services with every signal unblocked (bloom_spawn); a test's shell may pass on a mask
    // that blocks SIGTERM (Foundation's Process keeps the spawning thread's), which would hold the signal pending.
    var term = sigset_t()
    sigemptyset(&term)
    sigaddset(&term, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &term, nil)
    FileHandle.standardOutput.write(Data("armed\n".utf8))
    while true { pause() }
}
if environment["BLOOM_TEST_IGNORE_SIGTERM"] == "1" {
    signal(SIGTERM, SIG_IGN)
}

/// Waits for graceful shutdown, acting out the behaviour asked for.
struct FakeService: Service {
    let context: ServiceContext
    let environment: [String: String]

    func run() async throws {
        let ignoreTerm = environment["BLOOM_TEST_IGNORE_SIGTERM"] == "1"
        if let text = environment["BLOOM_TEST_HANG_AFTER_MS"], let delay = Int(text) {
            try? await Task.sleep(for: .milliseconds(delay))
            context.link.stop()
        }
        if let text = environment["BLOOM_TEST_EXIT_AFTER_MS"], let delay = Int(text),
            environment["BLOOM_TEST_EXIT_WHILE"].map({ FileManager.default.fileExists(atPath: $0) }) ?? true
        {
            try? await Task.sleep(for: .milliseconds(delay))
            exit(Int32(environment["BLOOM_TEST_EXIT_CODE"] ?? "1") ?? 1)
        }
        if ignoreTerm {
            // Never returns on its own: only SIGKILL ends it.
            while true { try? await Task.sleep(for: .seconds(3600)) }
        }
        try? await gracefulShutdown()
        if environment["BLOOM_TEST_LOG_WHEN_ORPHANED"] == "1" {
            // The parent-death signal comes when the spawning *thread* of the supervisor ends, possibly before its
            // last thread has closed the log pipes; a new parent pid means the whole process is gone, pipes too.
            let parent = getppid()
            for _ in 0..<500 where getppid() == parent { try? await Task.sleep(for: .milliseconds(10)) }
        }
        // As the real services do: their stop logs before it finishes (a write into a closed pipe, once the
        // supervisor is gone).
        context.logger.notice("stopping")
        if let path = environment["BLOOM_TEST_STOP_LOG"] {
            let line = "\(context.service) \(context.configuration.replica) \(getpid())\n"
            // O_APPEND and one write: replicas stopping at the same moment must not overwrite each other's line.
            let descriptor = open(path, O_WRONLY | O_APPEND)
            if descriptor >= 0 {
                _ = line.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
                close(descriptor)
            }
        }
    }
}

await ServiceRunner.main(service: name) { context in
    let replica = context.configuration.replica
    let port = context.configuration.port
    context.link.onQuery { query in
        switch query.cmd {
        case "peers":
            return .success(
                .object([
                    "peers": .array([
                        .object([
                            "id": .string("fake-\(replica)"), "address": .string("127.0.0.1:\(port)"),
                            "direction": .string("out"),
                            "replicas_env": .string(environment["BLOOM_REPLICAS"] ?? ""),
                        ])
                    ])
                ])
            )
        case "chain":
            return .success(
                .object([
                    "height": .number(0), "tip": .string(String(repeating: "0", count: 64)), "syncing": .bool(false),
                ])
            )
        case "coherence":
            return .success(
                .object([
                    "local": .object(["r": .number(0.5), "psi": .number(1)]), "peers": .array([]),
                    "mining": .bool(false),
                ])
            )
        default:
            return .failure(QueryFailure("\(query.cmd) is not supported by the test service"))
        }
    }
    return [FakeService(context: context, environment: ProcessInfo.processInfo.environment)]
}
