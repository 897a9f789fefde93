import BloomBus
import BloomTestSupport
import Testing

@testable import BloomServiceKit

@Suite(.dedicatedThread) struct ServiceWireTests {
    let sender = SenderID(service: .net, replica: 2, bootID: 0x123456)

    @Test func heartbeat_roundTripsThroughBloomBusFormat() {
        let beat = Heartbeat(service: "bloom-net", replica: 2, pid: 4242, bootID: 0x123456, state: .ready)
        let frames = ServiceWire.frames(beat, sender: sender, sequence: 7)
        #expect(frames[0] == Topic.serviceHeartbeat.frame)
        guard case .heartbeat(let decoded) = ServiceWire.decode(frames) else {
            Issue.record("not a heartbeat")
            return
        }
        #expect(decoded == beat)
    }

    @Test func queryAndReply_keepTheRequestIdCommandArgsAndAnswer() throws {
        let query = QueryMessage(id: 99, cmd: "peers", args: .object(["verbose": .bool(true)]))
        let frames = try #require(ServiceWire.frames(query, to: "bloom-net", sender: sender, sequence: 1))
        #expect(frames[0] == Topic.serviceQuery("bloom-net").frame)
        guard case .query(let decodedQuery) = ServiceWire.decode(frames) else {
            Issue.record("not a query")
            return
        }
        #expect(decodedQuery == query)
        let reply = ReplyMessage(id: 99, replica: 2, bootID: sender.bootID, ok: false, result: nil, error: "no peers yet")
        guard case .reply(let decodedReply) = ServiceWire.decode(ServiceWire.frames(reply, sender: sender, sequence: 2))
        else {
            Issue.record("not a reply")
            return
        }
        #expect(decodedReply == reply)
    }

    @Test func decode_whenFramesAreMalformed_returnsNil() {
        #expect(ServiceWire.decode([]) == nil)
        #expect(ServiceWire.decode([Topic.serviceHeartbeat.frame, [1, 2, 3]]) == nil)
        var frames = ServiceWire.frames(
            ReplyMessage(id: 1, replica: 0, ok: true, result: .null, error: nil),
            sender: sender,
            sequence: 1
        )
        frames[1] = Array(frames[1].dropLast())
        #expect(ServiceWire.decode(frames) == nil)
    }
}

@Suite(.dedicatedThread) struct SupervisorWatchTests {
    private func beat(_ service: String, pid: UInt32) -> Heartbeat {
        Heartbeat(service: service, replica: 0, pid: pid, bootID: 1, state: .ready)
    }

    @Test func watch_firesOnceAfterSilenceFollowingTheSupervisorsHeartbeat() {
        var watch = SupervisorWatch(supervisorPID: 100, silence: 2)
        let before = watch.supervisorLost(now: 50)
        #expect(!before, "never heard: no verdict")
        watch.heard(beat("bloom-supervisor", pid: 100), now: 10)
        let early = watch.supervisorLost(now: 12)
        #expect(!early)
        watch.heard(beat("bloom-supervisor", pid: 999), now: 11.5)
        watch.heard(beat("bloom-net", pid: 100), now: 11.8)
        let lost = watch.supervisorLost(now: 12.1)
        #expect(lost, "other senders do not count")
        let again = watch.supervisorLost(now: 20)
        #expect(!again, "reported once")
    }

    @Test func watch_armedAtStart_firesWhenTheSupervisorIsNeverHeard() {
        var watch = SupervisorWatch(supervisorPID: 100, silence: 2)
        watch.arm(now: 5)
        let early = watch.supervisorLost(now: 6)
        #expect(!early)
        watch.arm(now: 6.5)
        watch.heard(beat("bloom-net", pid: 7), now: 6.9)
        let lost = watch.supervisorLost(now: 7.1)
        #expect(lost, "arming twice does not move the clock")
    }

    @Test func watch_onARemoteBus_whenTheWholeBusIsSilent_blamesTheLinkNotTheSupervisor() {
        var local = SupervisorWatch(supervisorPID: 100, silence: 2)
        local.heard(beat("bloom-supervisor", pid: 100), now: 10)
        let localLost = local.supervisorLost(now: 30)
        #expect(localLost, "on the local bus the forwarder is the supervisor's: its silence is the supervisor's")

        var watch = SupervisorWatch(supervisorPID: 100, silence: 2)
        watch.busIsRemote = true
        watch.heard(beat("bloom-supervisor", pid: 100), now: 10)
        watch.heard(beat("bloom-net", pid: 7), now: 10.2)
        let linkDown = watch.supervisorLost(now: 30)
        #expect(!linkDown, "nothing came through the bus for 20 s: a link is down, not the supervisor")
        watch.heard(beat("bloom-net", pid: 7), now: 30.5)
        let justBack = watch.supervisorLost(now: 30.6)
        #expect(!justBack, "the supervisor's beats may come a moment after the bus returns")
        watch.heard(beat("bloom-net", pid: 7), now: 31.5)
        watch.heard(beat("bloom-net", pid: 7), now: 32.4)
        let lost = watch.supervisorLost(now: 32.6)
        #expect(lost, "the bus delivers again and the supervisor stays silent")
    }

    @Test func from_environment_needsTheSupervisorPidAndReadsTheSilence() {
        #expect(SupervisorWatch.from(environment: [:]) == nil)
        let watch = SupervisorWatch.from(environment: [
            "BLOOM_SUPERVISOR_PID": "42", "BLOOM_SUPERVISOR_SILENCE_S": "0.5",
        ])
        #expect(watch?.supervisorPID == 42 && watch?.silence == 0.5)
        #expect(
            SupervisorWatch.from(environment: ["BLOOM_SUPERVISOR_PID": "42", "BLOOM_SUPERVISOR_SILENCE_S": "-1"])?
                .silence == 10
        )
    }
}
