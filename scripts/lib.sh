# Shared by the project's scripts: paths, the Swift toolchain first on PATH, logging.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# The Swift toolchain sits last on PATH on these machines, and a Debian package can shadow `swift`.
if command -v swiftc >/dev/null 2>&1; then
    PATH="$(dirname "$(command -v swiftc)"):$PATH"
elif [ -x /opt/swift/usr/bin/swiftc ]; then
    PATH="/opt/swift/usr/bin:$PATH"
fi
export PATH

say() { printf '%s %s\n' "[$(basename "$0")]" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# A free TCP port on 127.0.0.1 (the kernel picks it; racy only against other processes doing the same).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Builds the agent as it is installed on a guest (release, Swift runtime linked in statically) in a build folder of
# its own (so it never flips the flags of .build), and prints the binary's path. scripts/install and the
# benchmarks use it, so what is measured is what is installed.
release_binary() {
    local scratch="$ROOT/.build-release" log
    log="$(mktemp)"
    # --no-export-dynamic: the static runtime's link arguments export every symbol of the agent's own modules and
    # packages (ten thousand), which no one looks up and which --gc-sections must then keep (0.9 MiB, 0.2 MiB RSS).
    # lld with packed relative relocations (DT_RELR, glibc 2.36+: Debian 12, Ubuntu 24.04): the position-independent
    # binary's 50 000 relocations take 10 KiB instead of gold's 1.2 MiB, which the loader read at every start and
    # kept resident (with gold: 1.4 MiB more idle RSS). -gline-tables-only: an address in a backtrace still resolves
    # to function, file and line; what goes is the debugger's view of variables (8 MiB of the binary).
    if ! (cd "$ROOT" && swift build -c release --product trove-db2-agent --static-swift-stdlib --scratch-path "$scratch" \
        -Xswiftc -gline-tables-only -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld \
        -Xlinker --no-export-dynamic -Xlinker -z -Xlinker pack-relative-relocs) \
        > "$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        die "release build failed"
    fi
    rm -f "$log"
    echo "$scratch/release/trove-db2-agent"
}
