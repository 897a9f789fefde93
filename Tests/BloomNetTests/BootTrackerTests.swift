import BloomBus
import BloomNet
import Testing

@Suite("BootTracker: noticing restarted services")
struct BootTrackerTests {
    @Test("a service seen for the first time or with a new boot id needs the peers again; our own messages never")
    func newBoots() {
        let own = SenderID(service: .net, replica: 0, bootID: 1)
        var tracker = BootTracker(own: own)
        let sync = SenderID(service: .sync, replica: 0, bootID: 10)
        #expect(!tracker.isNewBoot(own))
        #expect(tracker.isNewBoot(sync))
        #expect(!tracker.isNewBoot(sync))
        #expect(tracker.isNewBoot(SenderID(service: .sync, replica: 0, bootID: 11)))
        #expect(tracker.isNewBoot(SenderID(service: .sync, replica: 1, bootID: 11)))
        #expect(!tracker.isNewBoot(SenderID(service: .sync, replica: 0, bootID: 11)))
        // Another replica of bloom-net is another service instance, not us.
        #expect(tracker.isNewBoot(SenderID(service: .net, replica: 1, bootID: 1)))
    }
}
