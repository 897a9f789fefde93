import BloomNet
import BloomTestSupport
import Foundation
import Testing

@Suite("BanList: bans by IP, expiry, bans.json by atomic rename", .dedicatedThread)
struct BanListTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bloom-net-bans-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("a ban holds until its expiry, then lapses")
    func ban_expires() throws {
        var list = BanList()
        try list.ban("127.0.0.66", duration: 100, reason: "test", now: 1_000)
        #expect(list.isBanned("127.0.0.66", now: 1_099))
        #expect(!list.isBanned("127.0.0.67", now: 1_000))
        #expect(!list.isBanned("127.0.0.66", now: 1_100))
    }

    @Test("bans survive a restart: a new list over the same data directory sees them; expired ones are dropped")
    func bans_persistAcrossRestart() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var list = BanList(dataDirectory: directory, now: 0)
        try list.ban("10.1.2.3", duration: 86_400, reason: "misbehaviour", now: 0)
        try list.ban("10.9.9.9", duration: 10, reason: "short", now: 0)
        let restarted = BanList(dataDirectory: directory, now: 50)
        #expect(restarted.isBanned("10.1.2.3", now: 50))
        #expect(!restarted.isBanned("10.9.9.9", now: 50))
        #expect(restarted.active(now: 50).map(\.ip) == ["10.1.2.3"])
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files == ["bans.json"])
    }

    @Test("unban removes the entry from the file too")
    func unban_persists() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var list = BanList(dataDirectory: directory, now: 0)
        try list.ban("10.1.2.3", duration: 100, reason: "x", now: 0)
        try list.unban("10.1.2.3", now: 1)
        #expect(!BanList(dataDirectory: directory, now: 2).isBanned("10.1.2.3", now: 2))
    }

    @Test("a corrupt bans.json is treated as empty and replaced at the next ban")
    func corruptFile_isEmpty() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("{not json".utf8).write(to: directory.appendingPathComponent("bans.json"))
        var list = BanList(dataDirectory: directory, now: 0)
        #expect(list.active(now: 0).isEmpty)
        try list.ban("10.0.0.1", duration: 100, reason: "x", now: 0)
        #expect(BanList(dataDirectory: directory, now: 1).isBanned("10.0.0.1", now: 1))
    }

    @Test("a shorter ban never shortens an existing one")
    func shorterBan_keepsLonger() throws {
        var list = BanList()
        try list.ban("10.0.0.1", duration: 1_000, reason: "long", now: 0)
        try list.ban("10.0.0.1", duration: 10, reason: "short", now: 0)
        #expect(list.isBanned("10.0.0.1", now: 500))
    }
}
