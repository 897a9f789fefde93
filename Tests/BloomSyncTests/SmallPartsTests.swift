import BloomCore
import BloomSync
import BloomTestSupport
import Foundation
import Testing

@Suite(.dedicatedThread) struct RewardAddressTests {
    @Test func resolve_withoutAFlag_createsOneAddressAndKeepsIt_andAFlagWins() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let created = try RewardAddress.resolve(configured: nil, dataDirectory: directory.path("data"))
        let again = try RewardAddress.resolve(configured: nil, dataDirectory: directory.path("data"))
        #expect(created == again)
        let stored = try String(contentsOfFile: directory.path("data/" + RewardAddress.fileName), encoding: .utf8)
        #expect(stored.trimmingCharacters(in: .whitespacesAndNewlines) == created.hex)

        let flag = SyncFixture.address(0x42)
        #expect(try RewardAddress.resolve(configured: flag.hex, dataDirectory: directory.path("data")) == flag)
        #expect(throws: RewardAddress.Failure.self) {
            try RewardAddress.resolve(configured: "not hex", dataDirectory: directory.path("data"))
        }
    }
}

@Suite(.dedicatedThread) struct BlockFileTests {
    @Test func decode_roundTripsRecords_andRejectsTruncationAndAbsurdLengths() throws {
        let records: [[UInt8]] = [[1, 2, 3], [], [9]]
        let encoded = BlockFile.encode(records)
        #expect(try BlockFile.decode(encoded) == records)
        var boundaries: Set<Int> = [0]
        var offset = 0
        for record in records {
            offset += 4 + record.count
            boundaries.insert(offset)
        }
        for cut in 0..<encoded.count {
            let prefix = Array(encoded.prefix(cut))
            if boundaries.contains(cut) {
                #expect(BlockFile.encode(try BlockFile.decode(prefix)) == prefix)
            } else {
                #expect(throws: DecodeError.self) { try BlockFile.decode(prefix) }
            }
        }
        #expect(throws: DecodeError.self) { try BlockFile.decode([0xFF, 0xFF, 0xFF, 0x7F, 0]) }
        #expect(throws: DecodeError.self) { try BlockFile.decode([5, 0, 0, 0, 1, 2]) }
    }
}
