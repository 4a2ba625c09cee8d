import CHiredis
import Shared

// `omniseg-worker` will pull tasks from Redis streams and run kernels (the distributed-runtime issue).
// Until then it reports its build and the hiredis it links against, and refuses to start.
let arguments = CommandLine.arguments.dropFirst()
if arguments.contains("--version") {
    print("omniseg-worker \(OmnisegVersion.current) (hiredis \(HIREDIS_MAJOR).\(HIREDIS_MINOR).\(HIREDIS_PATCH))")
} else {
    StandardError.write("""
        omniseg-worker \(OmnisegVersion.current): the Redis task runtime is not built yet; nothing to run.
        Use `omniseg demo` or the omniseg commands, which run in-process.

        """)
    exit(1)
}
