#!/usr/bin/env bash
# tshark's view of the header fields ftpcap's decoder produces, one TSV row per frame.
# Usage: scripts/tshark-fields.sh CAPTURE [OUT.tsv]     (writes to stdout without OUT)
# The decoder oracle test (test/decode/tshark-oracle.ts) compares src/decode against these rows.
# occurrence=f: the first occurrence is the outer header; inside an ICMP error the tcp.* fields are
# the quoted segment's (the only TCP header in such a frame). Checksums are verified (-o ...) so the
# .status fields say good(1)/bad(0)/unverified(2). -n: addresses as numbers, never names.
# TSHARK_OCCURRENCE=l: the last occurrence instead (the innermost header of a tunnelled packet).
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 CAPTURE [OUT.tsv]" >&2
  exit 2
fi
command -v tshark >/dev/null || { echo "$0: tshark not found" >&2; exit 3; }

fields=(
  frame.number frame.cap_len frame.len
  eth.src eth.dst eth.type vlan.id vlan.etype sll.etype null.family
  ip.version ip.hdr_len ip.dsfield ip.len ip.id ip.flags ip.frag_offset ip.ttl ip.proto
  ip.checksum ip.checksum.status ip.checksum_calculated ip.src ip.dst
  ipv6.tclass ipv6.flow ipv6.plen ipv6.nxt ipv6.hlim ipv6.src ipv6.dst
  tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.hdr_len tcp.flags tcp.window_size_value
  tcp.checksum tcp.checksum.status tcp.checksum_calculated tcp.urgent_pointer tcp.len
  tcp.options.mss_val tcp.options.wscale.shift tcp.options.sack_perm
  tcp.options.timestamp.tsval tcp.options.timestamp.tsecr
  icmp.type icmp.code icmpv6.type icmpv6.code
)
args=()
for f in "${fields[@]}"; do args+=(-e "$f"); done

run() {
  tshark -n -r "$1" \
    -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
    -T fields -E header=y -E separator=/t -E occurrence="${TSHARK_OCCURRENCE:-f}" -E quote=n \
    "${args[@]}"
}

if [ $# -eq 2 ]; then
  run "$1" >"$2.tmp" && mv "$2.tmp" "$2"
else
  run "$1"
fi
