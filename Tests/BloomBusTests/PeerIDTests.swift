import BloomBus
import BloomTestSupport
import Foundation
import Testing

@Suite("Peer ids", .dedicatedThread)
struct PeerIDTests {
    @Test("replica, boot id and counter pack into 8, 24 and 32 bits and unpack again")
    func packing_roundTrip() {
        let id = PeerID(replica: 0xA1, bootID: 0xB2C3D4, counter: 0xE5F6_0718)
        #expect(id.rawValue == 0xA1B2_C3D4_E5F6_0718)
        #expect(id.replica == 0xA1)
        #expect(id.bootID == 0xB2C3D4)
        #expect(id.counter == 0xE5F6_0718)
    }

    @Test("a boot id wider than 24 bits keeps its low 24 bits")
    func packing_truncatesBootID() {
        #expect(PeerID(replica: 0, bootID: 0xFF12_3456, counter: 1).bootID == 0x12_3456)
    }

    @Test("the JSON form is 16 lowercase hex digits, zero-padded")
    func json_isSixteenHexDigits() throws {
        let id = PeerID(replica: 0, bootID: 1, counter: 2)
        #expect(id.hex == "0000000100000002")
        let data = try JSONEncoder().encode([id])
        #expect(String(decoding: data, as: UTF8.self) == #"["0000000100000002"]"#)
        #expect(try JSONDecoder().decode([PeerID].self, from: data) == [id])
    }

    @Test("hex parsing accepts exactly 16 hex digits")
    func hex_parsing() {
        #expect(PeerID(hex: "A1B2C3D4E5F60718")?.rawValue == 0xA1B2_C3D4_E5F6_0718)
        #expect(PeerID(hex: "a1b2c3d4e5f6071") == nil)
        #expect(PeerID(hex: "a1b2c3d4e5f607180") == nil)
        #expect(PeerID(hex: "+1b2c3d4e5f60718") == nil)
        #expect(PeerID(hex: "g1b2c3d4e5f60718") == nil)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([PeerID].self, from: Data(#"["xyz"]"#.utf8)) }
    }
}

@Suite("Peer id generator", .dedicatedThread)
struct PeerIDGeneratorTests {
    @Test("ids carry the sender's replica and boot id and count up from 1")
    func generator_countsFromOne() {
        let sender = SenderID(service: .net, replica: 3, bootID: 0x00_ABCD)
        let generator = PeerIDGenerator(sender: sender)
        let ids = (0..<3).map { _ in generator.next() }
        #expect(ids.map(\.counter) == [1, 2, 3])
        #expect(ids.allSatisfy { $0.replica == 3 && $0.bootID == 0x00_ABCD })
    }
}
