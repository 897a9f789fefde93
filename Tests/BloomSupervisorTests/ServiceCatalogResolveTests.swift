import BloomTestSupport
import Foundation
import Testing

@testable import BloomSupervisor

/// Which definitions a supervisor runs: `--services-dir`, else its prefix's installed copy, else the built-in one.
@Suite(.dedicatedThread) struct ServiceCatalogResolveTests {
    /// A fake install prefix with `bin/` and, when asked, `share/bloom/services/` holding one definition.
    private func prefix(installed: Bool) throws -> String {
        let root = NSTemporaryDirectory() + "bloom-prefix-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        if installed {
            let services = root + "/share/bloom/services"
            try FileManager.default.createDirectory(atPath: services, withIntermediateDirectories: true)
            try "[service]\nname = \"bloom-installed\"\n"
                .write(toFile: services + "/bloom-installed.toml", atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func resolve_installedSupervisor_readsItsPrefixShareBloomServices() throws {
        let root = try prefix(installed: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let resolved = try ServiceCatalog.resolve(servicesDirectory: nil, binaryDirectory: root + "/bin")
        #expect(resolved.source == root + "/share/bloom/services")
        #expect(resolved.catalog.definitions.map(\.name) == ["bloom-installed"])
    }

    @Test func resolve_withoutAnInstalledCopy_usesTheBuiltInDefinitions() throws {
        let root = try prefix(installed: false)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let resolved = try ServiceCatalog.resolve(servicesDirectory: nil, binaryDirectory: root + "/bin")
        #expect(resolved.source == "built-in")
        #expect(resolved.catalog == (try ServiceCatalog.builtin()))
    }

    @Test func resolve_servicesDirFlag_winsOverTheInstalledCopy() throws {
        let root = try prefix(installed: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let explicit = root + "/mine"
        try FileManager.default.createDirectory(atPath: explicit, withIntermediateDirectories: true)
        try "[service]\nname = \"bloom-mine\"\n".write(toFile: explicit + "/m.toml", atomically: true, encoding: .utf8)
        let resolved = try ServiceCatalog.resolve(servicesDirectory: explicit, binaryDirectory: root + "/bin")
        #expect(resolved.source == explicit)
        #expect(resolved.catalog.definitions.map(\.name) == ["bloom-mine"])
    }

    @Test func restricted_keepsTheNamedServices_shortOrFull_andRejectsUnknownOnes() throws {
        let catalog = try ServiceCatalog.builtin()
        #expect(try catalog.restricted(to: []).definitions == catalog.definitions)
        #expect(try catalog.restricted(to: ["net"]).definitions.map(\.name) == ["bloom-net"])
        let two = try catalog.restricted(to: ["bloom-sync", "gossip"]).definitions.map(\.name)
        #expect(Set(two) == ["bloom-sync", "bloom-gossip"])
        let error = #expect(throws: SupervisorError.self) { try catalog.restricted(to: ["net", "bogus"]) }
        #expect(error.map { "\($0)" }?.contains("bloom-net") == true)
    }
}
