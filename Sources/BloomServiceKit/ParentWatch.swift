import CBloomSys
import Glibc

/// Makes a child of the supervisor exit when the supervisor is gone, even after a `kill -9` of it.
public enum ParentWatch {
    /// The environment variable in which the supervisor passes its pid to its children.
    public static let supervisorPIDVariable = "BLOOM_SUPERVISOR_PID"

    /// When started by a supervisor (`BLOOM_SUPERVISOR_PID` set), asks the kernel for SIGTERM when the parent
    /// dies, then checks that the parent is still that supervisor: it may have died before the request. The request
    /// is made on a thread kept for it (`bloom_set_parent_death_signal`): the kernel forgets it when the thread that
    /// made it exits, and the caller may be a libdispatch worker that exits once idle.
    /// - Returns: `false` when the supervisor is already gone (the caller exits).
    public static func arm(environment: [String: String]) -> Bool {
        guard let text = environment[supervisorPIDVariable], let supervisor = Int32(text) else { return true }
        _ = bloom_set_parent_death_signal(SIGTERM)
        return getppid() == supervisor
    }
}
