import BloomTestSupport
import Foundation
import Testing

/// `Deploy/k8s/`: every manifest, and the secrets `make-secrets` writes with the `bloom` just built, pass
/// kubernetes-validate (PyPI; `Scripts/setup` installs it) in strict mode against a named Kubernetes version.
@Suite(.dedicatedThread) struct KubernetesManifestTests {
    static let directory = ServiceDefinitionTests.repository + "/Deploy/k8s"
    /// The Kubernetes version the manifests are written for.
    static let kubernetesVersion = "1.30.0"

    @Test func manifestsAndGeneratedSecrets_passKubernetesValidateStrict() throws {
        let work = "/tmp/bloom-k8s-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let secrets = work + "/secrets.yaml"
        let made = try runProcess(Self.directory + "/make-secrets", ["--bloom", TestNode.binaries + "/bloom", "--out", secrets])
        #expect(made.status == 0, "make-secrets: \(made.output)")
        let text = try String(contentsOfFile: secrets, encoding: .utf8)
        #expect(text.components(separatedBy: "bus.key:").count == 3, "two secret keys in \(secrets)")

        let manifests = ["configmap.yaml", "chain.yaml", "net.yaml"].map { Self.directory + "/" + $0 }
        let validated = try runProcess(
            "/usr/bin/env",
            ["python3", "-m", "kubernetes_validate", "-k", Self.kubernetesVersion, "--strict"] + manifests + [secrets]
        )
        #expect(
            validated.status == 0,
            "kubernetes-validate (install it with Scripts/setup): \(validated.output)"
        )
        // Every resource of the kustomization is validated, and each file lists as passed.
        let kustomization = try String(contentsOfFile: Self.directory + "/kustomization.yaml", encoding: .utf8)
        for file in ["configmap.yaml", "chain.yaml", "net.yaml", "secrets.yaml"] {
            #expect(kustomization.contains("- \(file)"))
            #expect(validated.output.contains("\(file) passed"), "\(file) not validated")
        }
    }

    @Test func theNetPodsKey_isTheOneClientTheChainPodAuthorizes() throws {
        let chain = try String(contentsOfFile: Self.directory + "/chain.yaml", encoding: .utf8)
        let net = try String(contentsOfFile: Self.directory + "/net.yaml", encoding: .utf8)
        #expect(chain.contains("path: authorized/bloom-net"))
        #expect(chain.contains("--bus-bind=tcp://0.0.0.0:7700"))
        #expect(net.contains("--bus-connect=tcp://bloom-chain-0.bloom-bus:7700"))
        #expect(net.contains("--services=net") && chain.contains("--services=sync,gossip"))
    }
}
