import BloomBus
import BloomTestSupport
import Foundation
import Testing

@testable import BloomServiceKit

/// The multi-host settings (bus-bind, bus-connect, bus-server-key, bus-insecure, services) and the bus key files.
@Suite(.dedicatedThread) struct BusTopologyTests {
    private static let environment = ["HOME": "/home/op"]

    private func load(_ arguments: [String]) throws(ConfigurationError) -> NodeConfiguration {
        try NodeConfiguration.load(arguments: arguments, environment: Self.environment)
    }

    @Test func busConnect_replacesTheLocalEndpointsWithTheRemotePair_andPassesTheKeyToChildren() throws {
        let key = try CurveKeyPair.generate().publicKey
        let configuration = try load(["--bus-connect", "tcp://10.0.0.5:7700", "--bus-server-key", key.z85])
        #expect(configuration.busPub == "tcp://10.0.0.5:7700")
        #expect(configuration.busSub == "tcp://10.0.0.5:7701")
        let child = configuration.childArguments(replica: 0)
        #expect(child.contains("--bus-server-key") && child.contains(key.z85))
        #expect(child.contains("--bus-connect") && !child.contains("--services") && !child.contains("--bus-bind"))
    }

    @Test func tcpBus_withoutAServerKey_isRefusedUnlessInsecure() throws {
        let error = #expect(throws: ConfigurationError.self) { try load(["--bus-connect", "tcp://10.0.0.5:7700"]) }
        #expect(error?.field == "bus-connect")
        #expect("\(error.map { "\($0)" } ?? "")".contains("bus-insecure"))
        #expect(throws: ConfigurationError.self) { try load(["--bus-pub", "tcp://10.0.0.5:7700"]) }
        let insecure = try load(["--bus-connect", "tcp://127.0.0.1:7700", "--bus-insecure"])
        #expect(insecure.busInsecure && insecure.childArguments(replica: 0).contains("--bus-insecure=true"))
    }

    @Test(arguments: [
        ["--bus-bind", "ipc:///tmp/x"], ["--bus-bind", "tcp://host:65535"], ["--bus-connect", "tcp://host"],
        ["--bus-bind", "tcp://a:7000", "--bus-connect", "tcp://b:7000", "--bus-insecure"],
        ["--bus-connect", "tcp://b:7000", "--bus-server-key", "/no/such/file"],
    ])
    func badBusTopology_isAConfigurationError(arguments: [String]) {
        #expect(throws: ConfigurationError.self) { try load(arguments) }
    }

    @Test func services_acceptsCommasAndRepeats() throws {
        let configuration = try load(["--services", "net, sync", "--services", "bloom-gossip"])
        #expect(configuration.services == ["net", "sync", "bloom-gossip"])
        #expect(try load([]).services.isEmpty)
    }

    @Test func keyFiles_roundTrip_secretIsPrivate_andATooOpenSecretIsRefused() throws {
        let directory = try ScratchDirectory()
        let keys = directory.path + "/keys"
        let (pair, created) = try BusKeys.loadOrCreate(in: keys)
        #expect(created)
        let again = try BusKeys.loadOrCreate(in: keys)
        #expect(again.0 == pair && !again.created)
        var status = stat()
        #expect(stat(BusKeys.secretKeyFile(in: keys), &status) == 0 && status.st_mode & 0o777 == 0o600)
        #expect(FileManager.default.fileExists(atPath: BusKeys.authorizedDirectory(in: keys)))
        let published = try String(contentsOfFile: BusKeys.publicKeyFile(in: keys), encoding: .utf8)
        #expect(published.contains(pair.publicKey.z85) && !published.contains(pair.secretKey.z85))
        #expect(try BusKeys.serverKey(BusKeys.publicKeyFile(in: keys)) == pair.publicKey)
        #expect(try BusKeys.serverKey(pair.publicKey.z85) == pair.publicKey)

        #expect(throws: BusKeyError.self) { try BusKeys.write(pair, to: keys, overwrite: false) }
        chmod(BusKeys.secretKeyFile(in: keys), 0o644)
        let error = #expect(throws: BusKeyError.self) { try BusKeys.load(from: keys) }
        #expect(error.map { "\($0)" }?.contains("chmod 600") == true)
        #expect(throws: BusKeyError.self) { try BusKeys.load(from: directory.path + "/none") }
    }

    @Test func clientSecurity_isCurveWithThisNodesKey_whenAServerKeyIsSet() throws {
        let directory = try ScratchDirectory()
        let server = try CurveKeyPair.generate().publicKey
        let (own, _) = try BusKeys.loadOrCreate(in: directory.path + "/keys")
        let configuration = try load([
            "--data-dir", directory.path, "--bus-connect", "tcp://127.0.0.1:7700", "--bus-server-key", server.z85,
        ])
        #expect(try configuration.busClientSecurity() == .curve(serverKey: server, keyPair: own))
        #expect(try load(["--data-dir", directory.path]).busClientSecurity() == .none)
    }
}

/// A fresh directory, removed when dropped.
private final class ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "bloom-keys-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
