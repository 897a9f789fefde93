import BloomServiceKit
import Foundation

extension Supervisor {
    /// SIGHUP or `bloom reload`: re-reads the supervisor's configuration, logs what changed and what needs a
    /// restart, and, when the file is good, forwards SIGHUP to every running child, which re-reads the same file
    /// on its own (its table in it included) and applies what it can. A bad file is logged and nothing changes:
    /// the children are not signalled, so none of them logs the same error again.
    ///
    /// The supervisor forwards rather than sending the new values over the bus because a child reads its file
    /// settings itself (`childArguments` passes only flags and environment), and the same path then works for a
    /// service run by hand.
    func reload() -> Result<JSONValue, QueryFailure> {
        guard var reloader else {
            logger.warning("configuration reload is not available in this supervisor")
            return .failure(QueryFailure("configuration reload is not available"))
        }
        let changes: ConfigurationChanges
        do {
            changes = try reloader.reload()
        } catch {
            logger.error(
                "configuration reload failed; the running configuration stays",
                metadata: [BloomLogKeys.error: "\(error)"]
            )
            return .failure(QueryFailure("configuration reload failed: \(error)"))
        }
        self.reloader = reloader
        configuration = reloader.current
        LogBootstrap.setLevel(configuration.logLevel)
        changes.log(to: logger, file: configuration.configFile)
        var signalled: [JSONValue] = []
        for replica in replicas {
            // Only a ready child has trapped SIGHUP for sure (the default action would end it); one still starting
            // is reading its configuration now, or about to.
            guard let child = replica.child, replica.state == .ready else { continue }
            kill(child.pid, SIGHUP)
            signalled.append(.string("\(replica.service)/\(replica.index)"))
        }
        let list = changes.changes.map { change in
            JSONValue.object([
                "setting": .string(change.setting), "old": .string(change.old), "new": .string(change.new),
                "live": .bool(change.appliesLive),
            ])
        }
        return .success(.object(["changes": .array(list), "signalled": .array(signalled)]))
    }
}
