import Foundation

/// A minimal blocking HTTP/1.1 client over a plain socket, for tests that talk to bloom-supervisor's HTTP server
/// at the socket level: one request, read until the server closes (it answers `Connection: close`).
public struct HTTPGet: Sendable {
    /// A response.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
    }

    /// Something the client could not do.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// A TCP socket connected to `host`:`port` whose reads time out after `timeout` (a hang detector only). The
    /// caller closes it.
    private static func connectedSocket(host: String, port: Int, timeout: Double) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw Failure(description: "bad host \(host)")
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let error = errno
            close(fd)
            throw Failure(description: "connect \(host):\(port): errno \(error)")
        }
        return fd
    }

    /// Sends `request` (the raw request text) to `host`:`port` and reads the answer. `timeout` bounds each
    /// read (the socket's SO_RCVTIMEO), a hang detector only.
    public static func raw(_ request: String, host: String, port: Int, timeout: Double = 30) throws -> Response {
        let fd = try connectedSocket(host: host, port: port, timeout: timeout)
        defer { close(fd) }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { break }
            guard n > 0 else { throw Failure(description: "recv: errno \(errno) after \(received.count) bytes") }
            received += buffer[0..<n]
        }
        return try parse(received)
    }

    /// Opens `path` as an event stream and reads until the text read so far contains `marker`; returns that text.
    public static func stream(_ path: String, host: String, port: Int, until marker: String, timeout: Double = 30)
        throws -> String
    {
        let fd = try connectedSocket(host: host, port: port, timeout: timeout)
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nAccept: text/event-stream\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !String(decoding: received, as: UTF8.self).contains(marker) {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else {
                throw Failure(description: "stream ended (errno \(errno)) before '\(marker)': \(String(decoding: received, as: UTF8.self))")
            }
            received += buffer[0..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// `GET path` with `Connection: close`.
    public static func get(_ path: String, host: String, port: Int, method: String = "GET") throws -> Response {
        try raw("\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n", host: host, port: port)
    }

    static func parse(_ bytes: [UInt8]) throws -> Response {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure(description: "no header end in: \(text)") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusWords = lines[0].split(separator: " ")
        guard statusWords.count >= 2, let status = Int(statusWords[1]) else {
            throw Failure(description: "bad status line: \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = String(text[split.upperBound...])
        if headers["transfer-encoding"] == "chunked" { body = dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    /// The body of a chunked answer (event streams).
    static func dechunk(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let chunk = rest[start...].utf8.prefix(size)
            out += String(decoding: chunk, as: UTF8.self)
            rest = rest[rest.utf8.index(start, offsetBy: min(size + 2, rest[start...].utf8.count))...]
        }
        return out
    }
}
