import Foundation
import OmnisegCore
import QueueProtocol

/// Who this worker process is: a consumer name unique per process start, and what it advertises.
struct WorkerIdentity: Sendable {
    let name: String
    let host: String
    let pid: Int32

    init() {
        host = CPUFeatures.hostName
        pid = getpid()
        let nonce = String(UInt64.random(in: 0...UInt64.max) & 0xFFFF_FFFF, radix: 16)
        name = "\(host)-\(pid)-\(nonce)"
    }

    var stream: String { QueueKeys.workerStream(name) }
}
