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
hostnet=$(realpath "${HOSTNET:-target/release/hostnet}")

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

# hostnet's live apply: a playbook of the same N TAPs on br0.
{
  printf -- '- hosts: localhost\n  vars:\n    taps:\n'
  for ((i = 0; i < n; i++)); do printf -- '      - tap%d\n' "$i"; done
  printf -- '  tasks:\n'
  printf -- '    - tap: { name: "{{ item }}", user: root }\n      loop: "{{ taps }}"\n'
  printf -- '    - bridge: { name: br0, ports: "{{ taps }}", address: 172.16.0.1/16, stp: false, forward_delay: 0 }\n'
  printf -- '    - nat: { source: 172.16.0.0/16, out_interface: eth0 }\n'
} >"$work/playbook.yml"
printf 'distro: debian\ninit: systemd\ninterfaces:\n  - { name: eth0, mac: "52:54:00:12:34:56" }\nusers: [root]\ngroups: [root]\n' >"$work/facts.yml"
mkdir -p "$work/init" "$work/etc-up" "$work/etc-work" "$work/var-up" "$work/var-work"
cat >"$work/init/systemctl" <<'STUB'
#!/bin/sh
# systemctl's part without an init: `enable` makes the link systemd would.
if [ "$1" = enable ]; then
  mkdir -p /etc/systemd/system/multi-user.target.wants
  ln -sf "/lib/systemd/system/$2" "/etc/systemd/system/multi-user.target.wants/$2"
fi
exit 0
STUB
chmod 0755 "$work/init/systemctl"

sandboxed() { # run "$@" in the namespace with overlays on /etc and /var and a private /run
  ip netns exec "$ns" unshare -m --propagation private sh -c '
    set -e
    w=$1; shift
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$w/etc-up,workdir=$w/etc-work" /etc
    mount -t overlay overlay -o "lowerdir=/var,upperdir=$w/var-up,workdir=$w/var-work" /var
    mount -t tmpfs tmpfs /run
    awk '\''$2 == "/etc" && $3 == "overlay" { e = 1 } $2 == "/var" && $3 == "overlay" { v = 1 } END { exit !(e && v) }'\'' /proc/mounts
    cd "$w"
    PATH="$w/init:$PATH" "$@"
  ' sh "$work" "$@"
}

live_apply() { # seconds of one `hostnet apply --root /`, from nothing unless "again"
  if [ "${1:-}" != again ]; then
    reset
    ip -n "$ns" link del br0
    ip netns exec "$ns" iptables -t nat -F 2>/dev/null || true
    rm -rf "$work/etc-up" "$work/var-up" && mkdir -p "$work/etc-up" "$work/var-up"
  fi
  local start end
  start=$(now)
  sandboxed "$hostnet" apply playbook.yml --root / --facts facts.yml -q >"$work/apply.log" 2>&1 ||
    { cat "$work/apply.log" >&2; exit 1; }
  end=$(now)
  echo "$end - $start" | bc -l
}

if [ -x "$hostnet" ]; then
  ip -n "$ns" link add eth0 type veth peer name eth0-peer
  live_apply >/dev/null # warm-up
  for ((r = 0; r < runs; r++)); do live_apply; done | median | sed 's/^/hostnet /'
  for ((r = 0; r < runs; r++)); do live_apply again; done | median | sed 's/^/hostnet-again /'
  grep -q "nothing to do" "$work/apply.log" || { echo "the second apply changed something:" >&2; cat "$work/apply.log" >&2; exit 1; }
  ip -n "$ns" link del eth0
fi

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
