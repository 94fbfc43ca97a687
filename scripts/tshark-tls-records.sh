#!/usr/bin/env bash
# tshark's view of the TLS records of a keyed capture, one TSV row per frame that ends records:
# each field lists its values in record order, comma-separated (a frame may end several records).
# Usage: scripts/tshark-tls-records.sh CAPTURE KEYS [OUT.tsv]     (writes to stdout without OUT)
# The dump's TLS lines are held against these rows (test/teach/dump-tls.test.ts). tshark follows
# AUTH TLS and port 990 on its own; records it does not decode are not in the view.
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 CAPTURE KEYS [OUT.tsv]" >&2
  exit 2
fi
command -v tshark >/dev/null || { echo "$0: tshark not found" >&2; exit 3; }
run() {
  tshark -n -r "$1" -o "tls.keylog_file:$2" "${DECODE[@]}" -Y tls.record -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, -E quote=n \
    -e frame.number -e tcp.stream -e tls.record.content_type -e tls.record.opaque_type -e tls.record.version \
    -e tls.record.length -e tls.handshake.type
}
# tshark 4.0 follows "AUTH TLS" but not "AUTH SSL" (curl's first choice): when the capture has an
# AUTH SSL and no record was decoded, its control port is decoded as TLS (its clear lines are not records).
DECODE=()
if [ "$(run "$1" "$2" | wc -l)" -le 1 ]; then
  port=$(tshark -n -r "$1" -Y 'ftp.request.command == "AUTH" && ftp.request.arg == "SSL"' -T fields -e tcp.dstport 2>/dev/null | head -1)
  [ -n "$port" ] && DECODE=(-d "tcp.port==$port,tls")
fi
if [ $# -eq 3 ]; then
  run "$1" "$2" >"$3.tmp" && mv "$3.tmp" "$3"
else
  run "$1" "$2"
fi
