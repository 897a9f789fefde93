import BloomTestSupport
import Testing

@testable import BloomWire

@Suite(.dedicatedThread) struct MessageClassifierTests {
    static let getHeaders: [UInt8] = [1, 0, 0, 0, 10, 0, 0, 0]

    @Test func bulkSyncTypes_fromAPeerWithoutBulkSync_areProtocolViolations() {
        for type in MessageType.bulkSyncTypes {
            for services: ServiceFlags in [[], .largeFrames, .blockServe, .bulkSync, [.bulkSync, .blockServe]] {
                let action = MessageClassifier.classify(type: type, payload: Self.getHeaders, peerServices: services)
                guard case .protocolViolation(let error) = action else {
                    Issue.record("\(type) from \(services): \(action)")
                    continue
                }
                #expect(error.reason == .bulkSyncNotNegotiated)
            }
        }
    }

    @Test func bulkSyncTypes_fromABulkSyncPeer_areDecoded() {
        let action = MessageClassifier.classify(
            type: .getHeaders,
            payload: Self.getHeaders,
            peerServices: [.largeFrames, .bulkSync]
        )
        #expect(action == .accept(.getHeaders(HeightRange(startHeight: 1, count: 10))))
        #expect(action.verdict == .accept)
    }

    @Test func unknownTypes_areIgnored_whateverThePayload() {
        for code in UInt8(0)...255 {
            let type = MessageType(rawValue: code)
            guard !type.isKnown else { continue }
            let action = MessageClassifier.classify(type: type, payload: [1, 2, 3], peerServices: [])
            #expect(action == .ignore(.unknownType(type)))
            #expect(action.verdict == .ignore)
        }
    }

    @Test func malformedReferenceType_isAProtocolViolation() {
        let action = MessageClassifier.classify(type: .getData, payload: [1, 2, 3], peerServices: [])
        #expect(action.verdict == .protocolViolation)
    }

    @Test func messageTypeTable_isConsistent() {
        #expect(MessageType.knownTypes.count == 15)
        #expect(Set(MessageType.knownTypes.map(\.rawValue)).count == 15)
        #expect(MessageType.knownTypes.allSatisfy { $0.isKnown })
        #expect(MessageType.bulkSyncTypes.allSatisfy { $0.isBulkSync })
        #expect(!MessageType.referenceTypes.contains { $0.isBulkSync })
        #expect(MessageType(rawValue: 0x44).name == nil)
        #expect(MessageType(rawValue: 0x7f).description == "unknown(0x7f)")
        #expect(MessageType.getData.description == "GETDATA(0x12)")
    }

    @Test func effectiveServices_dropBulkSyncWithoutLargeFrames() {
        #expect(ServiceFlags(rawValue: 7).effective == .node)
        #expect(ServiceFlags(rawValue: 4).effective == [])
        #expect(ServiceFlags(rawValue: 6).effective == .blockServe)
        #expect(ServiceFlags(rawValue: 5).effective == [.largeFrames, .bulkSync])
        #expect(ServiceFlags(rawValue: 0xff01).effective == .largeFrames)
        #expect(ServiceFlags(specName: "BULK_SYNC") == .bulkSync)
        #expect(ServiceFlags(specName: "nope") == nil)
    }
}
