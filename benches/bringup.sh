#!/usr/bin/env bash
# Runtime bring-up baseline, inside a network namespace this script creates
# (never the machine's own): N TAPs created, joined to a bridge and set up —
# 3 × N operations — as one `ip -batch`, and as one `ip` process per
# operation. Prints the median of RUNS runs after a warm-up, one line each:
#   batch <seconds>
#   per-op <seconds>
# and checks the kernel's port limit on the way: the 1,024th port of one
# bridge is refused with `RTNETLINK answers: Exchange full`.
#
#   sudo benches/bringup.sh [N=1000] [RUNS=5]
set -euo pipefail
n=${1:-1000}
runs=${2:-5}
ns="hostnet-bench-$$"
work=$(mktemp -d)

cleanup() {
  # Delete the TAPs explicitly (a TAP outlives nothing, but be sure), then the namespace.
  if ip netns list | grep -qx "$ns\( .*\)\?"; then
    ip -n "$ns" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(tap|br)' |
      sed 's/^/link del /' >"$work/del" || true
    ip -n "$ns" -force -batch "$work/del" 2>/dev/null || true
    ip netns del "$ns"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns"

ops() { # the 3 × N operations, one per line
  for ((i = 0; i < n; i++)); do
    echo "tuntap add tap$i mode tap user 0"
    echo "link set tap$i master br0"
    echo "link set tap$i up"
  done
}
ops >"$work/ops"

reset() {
  ip -n "$ns" link del br0 2>/dev/null || true
  for ((i = 0; i < n; i++)); do echo "link del tap$i"; done >"$work/del"
  ip -n "$ns" -force -batch "$work/del" 2>/dev/null || true
  ip -n "$ns" link add br0 type bridge
}

now() { date +%s.%N; }

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

batch() {
  reset
  local start end
  start=$(now)
  ip -n "$ns" -batch "$work/ops"
  end=$(now)
  echo "$end - $start" | bc -l
}

per_op() {
  reset
  local start end line
  start=$(now)
  while read -r line; do
    # shellcheck disable=SC2086 # one ip process per operation, words as written
    ip -n "$ns" $line
  done <"$work/ops"
  end=$(now)
  echo "$end - $start" | bc -l
}

batch >/dev/null # warm-up
for ((r = 0; r < runs; r++)); do batch; done | median | sed 's/^/batch /'
per_op >/dev/null # warm-up
for ((r = 0; r < runs; r++)); do per_op; done | median | sed 's/^/per-op /'

# The kernel's limit: 1,023 ports join, the 1,024th does not.
reset
for ((i = 0; i < 1024; i++)); do echo "tuntap add tap$i mode tap user 0"; done >"$work/limit"
ip -n "$ns" -batch "$work/limit"
for ((i = 0; i < 1023; i++)); do echo "link set tap$i master br0"; done >"$work/join"
ip -n "$ns" -batch "$work/join"
if message=$(ip -n "$ns" link set tap1023 master br0 2>&1); then
  echo "port-limit: the 1,024th port joined (unexpected)"
  exit 1
fi
echo "port-limit: $message"
