#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 GET against 127.0.0.1, returning the whole response (status line,
/// headers and body), or nil when nothing answered.
public func httpGet(port: Int, path: String) -> String? {
    guard let descriptor = connectLoopback(port: port) else { return nil }
    defer { close(descriptor) }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = recv(descriptor, &buffer, buffer.count, 0)
        if count <= 0 { break }
        response.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: response, as: UTF8.self)
}
