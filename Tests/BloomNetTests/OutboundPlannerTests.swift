import BloomNet
import BloomTestSupport
import Testing

@Suite("OutboundPlanner: /16 diversity and the replica split", .dedicatedThread)
struct OutboundPlannerTests {
    private func endpoint(_ text: String) -> PeerEndpoint {
        PeerEndpoint(parsing: text) ?? PeerEndpoint(host: "invalid", port: 1)
    }

    @Test("two candidates in one /16: the second waits while another /16 is available")
    func diversity_prefersOtherGroups() {
        let due = ["10.1.0.1:7618", "10.1.9.9:7618", "10.2.0.1:7618"].map(endpoint)
        #expect(OutboundPlanner.choose(due: due, usedGroups: [], free: 2) == [due[0], due[2]])
        #expect(OutboundPlanner.choose(due: due, usedGroups: ["10.2"], free: 1) == [due[0]])
    }

    @Test("same /16 allowed when nothing else is available")
    func diversity_fallsBack() {
        let due = ["10.1.0.1:7618", "10.1.9.9:7618"].map(endpoint)
        #expect(OutboundPlanner.choose(due: due, usedGroups: ["10.1"], free: 2) == due)
    }

    @Test("loopback addresses are exempt: a local test network dials all of them")
    func loopback_exempt() {
        let due = ["127.0.0.10:7618", "127.0.0.11:7618", "127.0.0.12:7618"].map(endpoint)
        #expect(OutboundPlanner.choose(due: due, usedGroups: ["127.0"], free: 3) == due)
    }

    @Test("never more than the free slots")
    func freeSlots_bound() {
        let due = (1...20).map { endpoint("10.\($0).0.1:7618") }
        #expect(OutboundPlanner.choose(due: due, usedGroups: [], free: 3).count == 3)
        #expect(OutboundPlanner.choose(due: due, usedGroups: [], free: 0).isEmpty)
    }

    @Test("each address belongs to exactly one replica, and the split is not all on one side")
    func replicaSplit_exactlyOne() {
        let addresses = (1...200).map { endpoint("10.0.\($0).1:7618") }
        var counts = [0, 0, 0]
        for address in addresses {
            let owners = (0..<3).filter { OutboundPlanner.owns(address, replica: $0, count: 3) }
            #expect(owners.count == 1)
            if let owner = owners.first { counts[owner] += 1 }
        }
        #expect(counts.allSatisfy { $0 > 0 })
        #expect(addresses.allSatisfy { OutboundPlanner.owns($0, replica: 0, count: 1) })
    }

    @Test("address parsing: host:port, [v6]:port; bad ports rejected; ordering is numeric")
    func endpointParsing() {
        #expect(PeerEndpoint(parsing: "127.0.0.1:7618") == PeerEndpoint(host: "127.0.0.1", port: 7618))
        #expect(PeerEndpoint(parsing: "[::1]:80") == PeerEndpoint(host: "::1", port: 80))
        #expect(PeerEndpoint(parsing: "127.0.0.1") == nil)
        #expect(PeerEndpoint(parsing: "127.0.0.1:0") == nil)
        #expect(PeerEndpoint(parsing: "127.0.0.1:70000") == nil)
        #expect(PeerEndpoint(parsing: ":80") == nil)
        #expect(endpoint("127.0.0.9:1") < endpoint("127.0.0.10:1"))
        #expect(endpoint("10.0.0.1:5") < endpoint("10.0.0.1:6"))
        #expect(endpoint("10.0.0.1:5").group == "10.0")
    }

    @Test("outbound target split across replicas adds up to the total")
    func outboundTarget_split() {
        for count in 1...5 {
            var total = 0
            for replica in 0..<count {
                var configuration = NetConfiguration()
                configuration.maxOutbound = 8
                configuration.replica = UInt8(replica)
                configuration.replicaCount = count
                total += configuration.outboundTarget
            }
            #expect(total == 8)
        }
    }
}
