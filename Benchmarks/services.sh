# Sourced by the end-to-end benchmarks (backup-benchmark, incremental-benchmark, pitr-benchmark): builds the agent
# as installed (release, static Swift runtime) and the db2sim, starts RabbitMQ and Swift in the work directory, runs
# the benchmark's Python driver with their addresses in the environment, and stops them at the end.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

# run_with_services DEFAULT_WORK DRIVER ARGS...: DRIVER (a file in Benchmarks/) gets --agent, --db2sim, --venv and
# --work (ARGS' --work DIR, else DEFAULT_WORK), then ARGS.
run_with_services() {
    local driver="$2" args i
    cd "$ROOT"  # a relative --work is relative to the repository, for this script and the driver alike
    WORK="$1"
    shift 2
    args=("$@")
    for ((i = 0; i < ${#args[@]}; i++)); do
        if [ "${args[$i]}" = "--work" ]; then WORK="${args[$((i + 1))]}"; fi
    done
    mkdir -p "$WORK"
    WORK="$(cd "$WORK" && pwd)"

    "$ROOT/scripts/install-deps"
    say "building release (the agent as installed: static Swift runtime)"
    AGENT="$(release_binary)"
    swift build -c release --product db2sim >/dev/null
    DB2SIM="$(swift build -c release --show-bin-path)/db2sim"

    trap stop_services EXIT INT TERM
    "$ROOT/scripts/rabbitmq" start "$WORK/rabbitmq"
    "$ROOT/scripts/swift-store" start "$WORK/swift"
    set -a
    # shellcheck disable=SC1091
    . "$WORK/rabbitmq/env"
    # shellcheck disable=SC1091
    . "$WORK/swift/env"
    set +a

    PYTHONWARNINGS=ignore "$ROOT/.venv/bin/python" "$ROOT/Benchmarks/$driver" \
        --agent "$AGENT" --db2sim "$DB2SIM" --venv "$ROOT/.venv" --work "$WORK" "$@"
}

stop_services() {
    "$ROOT/scripts/swift-store" stop "$WORK/swift" || true
    "$ROOT/scripts/rabbitmq" stop "$WORK/rabbitmq" || true
}
