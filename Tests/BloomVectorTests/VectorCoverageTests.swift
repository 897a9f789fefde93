import BloomTestSupport
import Foundation
import Testing

/// Every vector file the reference produced must have a checker here, and every checker's file must exist:
/// a new file in the vectors directory fails this suite until someone writes its tests.
@Suite(.dedicatedThread) struct VectorCoverageTests {
    /// The vector files this suite knows how to check, and the suites that check them.
    static let checkedFiles: [String: String] = [
        "block_cases.json": "BlockCasesVectorTests",
        "certificates.json": "CertificateVectorTests",
        "chain.json": "ChainVectorTests",
        "constants.json": "ConstantsVectorTests",
        "genesis.json": "GenesisVectorTests",
        "headers.json": "HeaderVectorTests",
        "incorporate.json": "IncorporateVectorTests",
        "kuramoto.json": "KuramotoVectorTests",
        "lucas_compact.json": "LucasCompactVectorTests",
        "merkle.json": "MerkleVectorTests",
        "messages.json": "MessagesVectorTests",
        "phase_gossip.json": "PhaseGossipVectorTests",
        "transactions.json": "TransactionVectorTests",
    ]

    @Test func vectorsDirectory_exists() throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: Vectors.directory.path, isDirectory: &isDirectory)
        #expect(exists && isDirectory.boolValue, "no vectors directory at \(Vectors.directory.path)")
    }

    @Test func everyVectorFile_hasAChecker() throws {
        let present = try Vectors.allFileNames()
        #expect(!present.isEmpty, "no *.json in \(Vectors.directory.path)")
        for name in present {
            #expect(Self.checkedFiles[name] != nil, "\(name) has no test suite")
        }
    }

    @Test func everyCheckedFile_isPresent() throws {
        let present = Set(try Vectors.allFileNames())
        for name in Self.checkedFiles.keys.sorted() {
            #expect(present.contains(name), "\(name) missing from \(Vectors.directory.path)")
        }
    }
}
