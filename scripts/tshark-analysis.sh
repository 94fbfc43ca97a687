#!/usr/bin/env bash
# tshark's TCP sequence analysis, one TSV row per frame: relative sequence and acknowledgment numbers,
# payload length, and its retransmission / out-of-order verdicts. The packet-trace oracle test
# (test/teach/trace-oracle.test.ts) holds the TCP engine's per-segment facts against these rows.
# Usage: scripts/tshark-analysis.sh CAPTURE [OUT.tsv]     (writes to stdout without OUT)
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 CAPTURE [OUT.tsv]" >&2
  exit 2
fi
command -v tshark >/dev/null || { echo "$0: tshark not found" >&2; exit 3; }

run() {
  tshark -n -r "$1" -o tcp.relative_sequence_numbers:TRUE \
    -T fields -E header=y -E separator=/t -E occurrence=f -E quote=n \
    -e frame.number -e tcp.stream -e tcp.seq -e tcp.ack -e tcp.flags.ack -e tcp.len \
    -e tcp.analysis.retransmission -e tcp.analysis.out_of_order -e icmp.type -e icmpv6.type
}

if [ $# -eq 2 ]; then
  run "$1" >"$2.tmp" && mv "$2.tmp" "$2"
else
  run "$1"
fi
