#!/usr/bin/env bash
# Multi-host test: three "hosts" as network namespaces joined by veth pairs to a bridge (which sits
# in a fourth namespace, so nothing is configured outside the namespaces).
#   host a (10.77.0.1): redis-server with deploy/redis/omniseg-queue.conf, and the coordinator
#   host b (10.77.0.2): a worker (its own hostname, through a UTS namespace)
#   host c (10.77.0.3): a worker
# It runs a profile job across them and checks that the result is byte-identical to the embedded
# run, that both workers did work, and that the second iteration read no shard bytes over the wire.
#
# Needs root and `ip netns`; otherwise it prints why it skipped and exits 0. `make test` runs it.
# Usage: deploy/test/multihost.sh [bin-dir]   (default .build/debug)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/.build/debug}
skip() { echo "multihost: skipped: $*"; exit 0; }
fail() { echo "multihost: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces"
command -v ip >/dev/null 2>&1 || skip "iproute2 ('ip') is not installed"
command -v unshare >/dev/null 2>&1 || skip "util-linux 'unshare' is not installed"
command -v redis-server >/dev/null 2>&1 || fail "redis-server is not installed (run scripts/bootstrap)"
[ -x "$bin/omniseg" ] && [ -x "$bin/omniseg-worker" ] || fail "no omniseg binaries in $bin (run swift build)"

tag="omh$$"
probe="$tag-probe"
ip netns add "$probe" 2>/dev/null || skip "this kernel or container does not allow network namespaces (ip netns add failed)"
ip netns del "$probe"

work=$(mktemp -d /tmp/omniseg-multihost.XXXXXX)
pids=()
namespaces=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [ $status -ne 0 ]; then
    echo "multihost: logs in $work" >&2
    for f in "$work"/*.log; do [ -f "$f" ] || continue; echo "--- $f" >&2; tail -n 20 "$f" >&2; done
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# --- the network: a bridge in the hub namespace, one veth pair per host -------------------------
hub="$tag-hub"
ip netns add "$hub"; namespaces+=("$hub")
ip -n "$hub" link set lo up
ip -n "$hub" link add br0 type bridge
ip -n "$hub" link set br0 up
n=1
for host in a b c; do
  ns="$tag-$host"
  ip netns add "$ns"; namespaces+=("$ns")
  ip -n "$ns" link set lo up
  ip -n "$ns" link add eth0 type veth peer name "port-$host" netns "$hub"
  ip -n "$hub" link set "port-$host" master br0 up
  ip -n "$ns" addr add "10.77.0.$n/24" dev eth0
  ip -n "$ns" link set eth0 up
  n=$((n + 1))
done
on() { local host=$1; shift; ip netns exec "$tag-$host" "$@"; }

# --- host a: Redis with the shipped queue settings (ACL user, noeviction, AOF), and a workspace ---
password="multihost-$RANDOM$RANDOM"
sed "s/change-me/$password/" "$root/deploy/redis/omniseg-queue.conf" > "$work/redis.conf"
ip netns exec "$tag-a" redis-server "$work/redis.conf" --bind 10.77.0.1 127.0.0.1 --port 6379 --dir "$work" \
  --daemonize no --maxmemory 512mb > "$work/redis.log" 2>&1 &
pids+=($!)
url="redis://omniseg:$password@10.77.0.1:6379/0"
for _ in $(seq 1 100); do
  on b redis-cli -h 10.77.0.1 --user omniseg --pass "$password" --no-auth-warning ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
on b redis-cli -h 10.77.0.1 --user omniseg --pass "$password" --no-auth-warning ping 2>/dev/null | grep -q PONG \
  || fail "Redis on host a is not reachable from host b"
[ "$(on b redis-cli -h 10.77.0.1 --no-auth-warning ping 2>&1 | grep -c PONG)" -eq 0 ] \
  || fail "Redis answered without credentials: the default user should be off"
[ "$(on b redis-cli -h 127.0.0.1 ping 2>&1 | grep -c PONG)" -eq 0 ] \
  || fail "host b has a Redis on its own loopback: the namespaces are not isolated"

"$bin/omniseg" demo --people 4000 --seed 7 --dir "$work/data" > "$work/demo.log" 2>&1 || fail "could not build the workspace"
workspace="$work/data/workspace.sqlite"
# Small shards, so that both workers get some.
"$bin/omniseg" features -w "$workspace" --shard-rows 256 > "$work/features.log" 2>&1 || fail "could not rebuild the features"
reference_id=$("$bin/omniseg" run profile -w "$workspace" --quiet 2>> "$work/run.log")
"$bin/omniseg" result "$reference_id" -w "$workspace" --json > "$work/reference.json"

ip netns exec "$tag-a" "$bin/omniseg" coordinator -w "$workspace" --redis "$url" --log-level info > "$work/coordinator.log" 2>&1 &
pids+=($!)

# --- hosts b and c: one worker each, with their own host names --------------------------------------
for host in b c; do
  ip netns exec "$tag-$host" unshare --uts sh -c "hostname host-$host && exec '$bin/omniseg-worker' --redis '$url' --concurrency 2 --log-level info" \
    > "$work/worker-$host.log" 2>&1 &
  pids+=($!)
done
workers_alive() { on a "$bin/omniseg" workers --redis "$url" --json | grep -o '"alive":true' | wc -l; }
for _ in $(seq 1 100); do [ "$(workers_alive)" -ge 2 ] && break; sleep 0.1; done
[ "$(workers_alive)" -ge 2 ] || fail "the two workers did not register"

# --- the job ---------------------------------------------------------------------------------------
job=$(on a "$bin/omniseg" submit profile -w "$workspace" --redis "$url")
on a timeout 120 "$bin/omniseg" watch "$job" --redis "$url" > "$work/watch.log" 2>&1 || fail "job $job did not succeed"
on a "$bin/omniseg" result "$job" --redis "$url" --json > "$work/cluster.json"
cmp -s "$work/reference.json" "$work/cluster.json" || fail "the cluster result differs from the embedded one"

# Workers refresh their counters in Redis every second.
tasks_done_on() {
  on a "$bin/omniseg" workers --redis "$url" --json | sed 's/},{/}\n{/g' | grep "\"host\":\"host-$1\"" \
    | sed -E 's/.*"tasks_done":"([0-9]+)".*/\1/'
}
for host in b c; do
  for _ in $(seq 1 50); do [ "$(tasks_done_on $host)" -gt 0 ] 2>/dev/null && break; sleep 0.1; done
  [ "$(tasks_done_on $host)" -gt 0 ] 2>/dev/null || fail "the worker on host-$host did no task: $(on a "$bin/omniseg" workers --redis "$url")"
done
status=$(on a "$bin/omniseg" status "$job" --redis "$url" --json)
read_later=$(echo "$status" | sed -E 's/.*"shard_bytes_read":\[[0-9]+,([0-9]+)\].*/\1/')
[ "$read_later" = "0" ] || fail "the second iteration read shard bytes over the network: $status"

# --- SIGTERM: each worker drains and deregisters ---------------------------------------------------
for i in 2 3; do kill -TERM "${pids[$i]}"; done
for i in 2 3; do wait "${pids[$i]}" || fail "a worker did not exit cleanly on SIGTERM"; done
[ "$(workers_alive)" -eq 0 ] || fail "workers are still registered after SIGTERM"

echo "multihost: ok — job $job on workers host-b and host-c (Redis and coordinator on host-a) matches the embedded result"
