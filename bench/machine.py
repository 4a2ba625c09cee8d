"""The machine's facts for bench results (shared by bench/run's reports)."""
import os
import platform
import subprocess


def machine():
    cpu = "?"
    flags = []
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and cpu == "?":
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1].split()
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "avx512f": "avx512f" in flags,
        "avx2": "avx2" in flags,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "swift": swift[0] if swift else "?",
    }


def describe(m):
    return f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['swift']}"
