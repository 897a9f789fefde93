import Glibc

/// The fcntl write lock on `run/supervisor.lock` that says "a node runs here" (DESIGN.md, "No node running").
public enum SupervisorLock {
    /// The pid holding the lock on `path`, or `nil` when nobody holds it (or the file does not exist).
    /// Uses F_GETLK, which never takes the lock, so a probe can never make a starting supervisor fail.
    public static func holder(of path: String) -> pid_t? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 0
        lock.l_len = 0
        guard fcntl(fd, F_GETLK, &lock) == 0 else { return nil }
        return lock.l_type == Int16(F_UNLCK) ? nil : lock.l_pid
    }

    /// Takes the lock on `path` (created 0600) and keeps the descriptor open for the life of the process.
    /// - Returns: the descriptor, or the pid of the process that holds the lock already.
    public static func acquire(_ path: String) -> Result<Int32, AcquireFailure> {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return .failure(.cannotOpen(errno: errno)) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 0
        lock.l_len = 0
        if fcntl(fd, F_SETLK, &lock) != 0 {
            close(fd)
            return .failure(.heldBy(holder(of: path) ?? 0))
        }
        return .success(fd)
    }

    /// Why the lock could not be taken.
    public enum AcquireFailure: Error, Equatable {
        /// Another process (this pid; 0 if it vanished meanwhile) holds it.
        case heldBy(pid_t)
        /// The file cannot be opened (errno).
        case cannotOpen(errno: Int32)
    }
}
