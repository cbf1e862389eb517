#!/usr/bin/env bash
# Runs a command inside a network namespace of its own, so that what it
# sends beyond loopback — a household server on 0.0.0.0, DNS-SD multicast —
# never touches this machine's interfaces: the namespace has its loopback
# and one veth pair whose two ends (10.77.1.1/24, 10.77.1.2/24) are both
# inside it, so multicast goes out of one end and in at the other. The
# namespace is deleted when the command ends. Needs root.
#
#   ./scripts/in-netns.sh -- xvfb-run … cargo test …
set -euo pipefail
[ "${1:-}" = "--" ] && shift
ns="kinboard-$$"
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add kb0 type veth peer name kb1
ip -n "$ns" addr add 10.77.1.1/24 dev kb0
ip -n "$ns" addr add 10.77.1.2/24 dev kb1
for dev in kb0 kb1; do ip -n "$ns" link set "$dev" up multicast on; done
ip -n "$ns" route add 224.0.0.0/4 dev kb0
# Marks the run for the tests that must be inside one.
KINBOARD_NETNS="$ns" ip netns exec "$ns" "$@"
