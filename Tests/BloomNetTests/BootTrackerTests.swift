import BloomBus
import BloomNet
import BloomTestSupport
import Testing

@Suite("BootTracker: noticing restarted services", .dedicatedThread)
struct BootTrackerTests {
    @Test("a service seen for the first time or with a new boot id needs the peers again; our own messages never")
    func newBoots() {
        let own = SenderID(service: .net, replica: 0, bootID: 1)
        var tracker = BootTracker(own: own)
        let sync = SenderID(service: .sync, replica: 0, bootID: 10)
        let ownMessage = tracker.isNewBoot(own)
        #expect(!ownMessage)
        let firstSync = tracker.isNewBoot(sync)
        #expect(firstSync)
        let sameSync = tracker.isNewBoot(sync)
        #expect(!sameSync)
        let restartedSync = tracker.isNewBoot(SenderID(service: .sync, replica: 0, bootID: 11))
        #expect(restartedSync)
        let otherSyncReplica = tracker.isNewBoot(SenderID(service: .sync, replica: 1, bootID: 11))
        #expect(otherSyncReplica)
        let restartedSyncAgain = tracker.isNewBoot(SenderID(service: .sync, replica: 0, bootID: 11))
        #expect(!restartedSyncAgain)
        // Another replica of bloom-net is another service instance, not us.
        let otherNetReplica = tracker.isNewBoot(SenderID(service: .net, replica: 1, bootID: 1))
        #expect(otherNetReplica)
    }
}

