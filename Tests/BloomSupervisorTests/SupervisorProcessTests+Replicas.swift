import BloomBus
import BloomServiceKit
import Foundation
import Testing

extension SupervisorProcessTests {
    /// Reads `svc.replicas` on the node's bus until `condition` holds for bloom-net's count; the deadline only turns
    /// a hang into a failure.
    private func waitForNetReplicas(
        _ subscriber: ZMQSocket,
        seconds: Double = 20,
        _ condition: (UInt8?) -> Bool
    ) throws -> UInt8? {
        let deadline = MonotonicClock.now() + seconds
        var last: UInt8?
        while MonotonicClock.now() < deadline {
            guard try NodeBus.wait([.socket(subscriber)], timeoutMs: 500)[0] else { continue }
            while let frames = try subscriber.receive(nonBlocking: true) {
                let message = try BusMessage(frames: frames)
                guard message.topic == .serviceReplicas else { continue }
                last = try message.decode(ServiceReplicas.self).counts["bloom-net"]
                if condition(last) { return last }
            }
        }
        throw TestNodeError.timeout("svc.replicas: last bloom-net count \(String(describing: last))")
    }

    @Test func scale_publishesTheReplicaCountsOnTheBus_forReplicasAlreadyRunning() throws {
        let node = try TestNode()
        defer { node.shutdown() }
        try node.start()
        let before = try node.waitAllReady()
        let subscriber = try NodeBus.socket(.sub)
        try subscriber.connect("ipc://\(node.dataDirectory)/run/bus.sub")
        try subscriber.subscribe(Topic.serviceReplicas.frame)
        #expect(try waitForNetReplicas(subscriber) { $0 == 1 } == 1)

        _ = try node.request("scale", args: .object(["service": .string("net"), "replicas": .number(3)]))
        #expect(try waitForNetReplicas(subscriber) { $0 == 3 } == 3)
        _ = try node.request("scale", args: .object(["service": .string("net"), "replicas": .number(2)]))
        #expect(try waitForNetReplicas(subscriber) { $0 == 2 } == 2)
        // The replica that was running before is the same process: it learns the count, it is not restarted.
        let after = try node.status()
        #expect(after["bloom-net/0"]?["pid"] == before["bloom-net/0"]?["pid"])
    }
}
