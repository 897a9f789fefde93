/// Metadata keys of bloom-net's log lines, in one place so log queries stay stable.
enum NetLogKeys {
    static let peer = "bloom.peer.id"
    static let address = "bloom.peer.address"
    static let direction = "bloom.peer.direction"
    static let reason = "bloom.reason"
    static let points = "bloom.peer.points"
    static let error = "bloom.error"
    static let replica = "bloom.replica"
    static let replicas = "bloom.replicas"
}
