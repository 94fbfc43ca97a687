/**
 * The memory ceiling: every budget that bounds state on hostile input, sized from one number —
 * the heap the analysis runs in (V8's heap limit; the CLI sets it from `--max-memory`). The
 * defaults are the most any capture gets; a smaller heap scales the budgets that grow with the
 * capture (connections, sessions, commands, out-of-order bytes) down so that their worst case
 * fits in it, with room left for garbage and the outputs. Costs per item were measured on
 * generated captures (bench/MEMORY.md), rounded up.
 */
import { getHeapStatistics } from 'node:v8';
import { CAPTURE_LIMITS } from '../capture/limits.js';
import type { ReassemblerOptions } from '../tcp/reassembler.js';
import type { HeldPool } from '../tcp/held-pool.js';
import { warning, type Warning } from '../warnings/catalog.js';

/** Every budget, at its largest (the README's Limits table says what each costs at worst). */
export const DEFAULT_LIMITS = {
  /** Commands waiting for replies, per session. */
  maxPendingCommands: 256,
  /** Commands kept per session. */
  maxCommands: 100_000,
  /** Commands kept for all sessions together (~250 bytes each kept). */
  maxCommandsTotal: 1_000_000,
  /** Announced, unused data endpoints per session. */
  maxOpenAnnouncements: 1000,
  /** Live TCP connections (least recently used evicted); closed ones' tombstones, too. */
  maxConnections: 200_000,
  /** Closed control connections that carried no byte, listed as sessions. */
  maxEmptySessions: 1000,
  /** FTP sessions kept with their commands and transfers (~3 KB each for a short one). */
  maxSessions: 100_000,
  /** Out-of-order bytes (and piece records) buffered by all connections together. */
  maxBufferedBytesTotal: 256 * 1024 * 1024,
  /** Bytes waiting for their end in all connections together: partial lines, multi-line replies still open, TLS handshake messages still arriving (tcp/held-pool.ts). */
  maxHeldBytesTotal: 64 * 1024 * 1024,
  /**
   * Packets the second pass (`timeline`, `explain`, `report`, `dump`: analysis/packet-trace.ts)
   * keeps: past it, sessions whose connections have closed are handed on, a long data run's plain
   * packets fold, and a session that still does not fit is cut.
   */
  maxTracePackets: 1_000_000,
  /** TLS handshakes whose secrets from pcapng Decryption Secrets Blocks are kept (a `--tls-keylog` file is loaded whole). */
  maxKeyLogHandshakes: 100_000,
  /** Seconds of silence after which a connection is given up (evicted; a control connection whose data connection still runs is kept). */
  idleTimeout: 3600,
  /** pcapng interfaces kept; consecutive empty records before reading stops (capture layer). */
  ...CAPTURE_LIMITS,
} as const;

export type Limits = { -readonly [K in keyof typeof DEFAULT_LIMITS]: number };

/**
 * What one transfer takes from the budget of kept commands, in commands: the transfer and its
 * data connection's facts cost ~3.6 KB (measured on a generated session of 100,000 downloads,
 * beside the ~250 bytes of each command that made it), where the budget counts 300 bytes a command.
 */
export const TRANSFER_COST_IN_COMMANDS = 12;

/**
 * Characters of a command's argument or a reply's text that one kept command stands for: a longer
 * text takes one more from the budget of kept commands per this many (a character can take two
 * bytes, and a command with a short reply was measured at ~250 bytes). Replies may be 256 KiB
 * (ftp/reply-assembler.ts): a session of a thousand such, counted as one command each, filled a
 * 96 MiB heap with 20,000 commands' worth of budget left.
 */
export const TEXT_CHARS_PER_COMMAND = 150;

/** What a text of `chars` characters takes from the budget of kept commands beside its command's one. */
export function textCostInCommands(chars: number): number {
  return Math.floor(chars / TEXT_CHARS_PER_COMMAND);
}

const MIB = 1024 * 1024;
/** The smallest ceiling accepted: below it the runtime itself does not fit. */
export const MIN_CEILING_MIB = 128;
/** What the CLI runs in unless told otherwise: fits a 2-core laptop with a few GiB. */
export const DEFAULT_CEILING_MIB = 1024;
/**
 * Held back for the runtime and its code (~8 MiB measured with the analysis loaded), the CLI's
 * modules and output in flight. The ceiling is the old generation alone (heapCeiling): the young
 * generation and the reading ring are beside it.
 */
const RESERVED = 32 * MIB;

/** Worst-case bytes per item, and the share of the usable heap each kind of state may take. */
const COST = {
  /** A live connection that carried nothing (~1.0 KB measured) plus its later tombstone (~0.4 KB). */
  connection: { bytes: 1600, share: 0.2 },
  /** A kept short session without its commands (~2.2 KB measured). */
  session: { bytes: 2400, share: 0.25 },
  /** A kept command with its reply (~250 bytes measured). */
  command: { bytes: 300, share: 0.2 },
  /** Buffered out-of-order bytes are themselves the cost. */
  buffered: { bytes: 1, share: 0.1 },
  /**
   * A unit of text waiting for its end (tcp/held-pool.ts: a character, or a string piece's
   * header): a reply's lines are joined again when it closes. Generated floods of 400 sessions
   * each greeting with a 250 KB reply, and of 8,000 each holding an 8 KB partial line, held them
   * all at once.
   */
  held: { bytes: 2, share: 0.05 },
  /**
   * A packet the second pass keeps (~200 bytes measured). That pass runs once the analysis's own
   * engine is gone: its engine takes the connections' share again, its packets the buffers' share.
   */
  tracePacket: { bytes: 250, share: 0.1 },
  /** A handshake's key log secrets: a TLS 1.3 handshake's five ~1.2 KB measured (a TLS 1.2 master secret less). */
  keyLogHandshake: { bytes: 1200, share: 0.05 },
} as const;
// The remaining 0.15 is headroom: garbage between collections, output being written.

/** The budgets for a heap of `ceilingBytes`: the defaults, or less where they would not fit. */
export function limitsFor(ceilingBytes: number): Limits {
  const usable = Math.max(ceilingBytes - RESERVED, ceilingBytes / 2);
  const fit = (kind: keyof typeof COST, most: number): number =>
    Math.max(1, Math.min(most, Math.floor((usable * COST[kind].share) / COST[kind].bytes)));
  return {
    ...DEFAULT_LIMITS,
    maxConnections: fit('connection', DEFAULT_LIMITS.maxConnections),
    maxSessions: fit('session', DEFAULT_LIMITS.maxSessions),
    maxCommandsTotal: fit('command', DEFAULT_LIMITS.maxCommandsTotal),
    maxBufferedBytesTotal: fit('buffered', DEFAULT_LIMITS.maxBufferedBytesTotal),
    maxHeldBytesTotal: fit('held', DEFAULT_LIMITS.maxHeldBytesTotal),
    maxTracePackets: fit('tracePacket', DEFAULT_LIMITS.maxTracePackets),
    maxKeyLogHandshakes: fit('keyLogHandshake', DEFAULT_LIMITS.maxKeyLogHandshakes),
  };
}

/** The pool of bytes held waiting for their end (tcp/held-pool.ts): past `max`, its warning once. */
export function heldPool(max: number, onWarning: (w: Warning) => void): HeldPool {
  let full = false;
  return {
    used: 0,
    max,
    onFull(frame) {
      if (full) return;
      full = true;
      onWarning(warning('held-bytes', { max }, { frame }));
    },
  };
}

/**
 * How the TCP engine runs under these budgets. Both passes over a capture (the analysis, and the
 * packet trace behind dump, timeline, explain and report) run it so: the same evictions give the
 * same connection ids (tcp.stream), so the trace's packets land on the analysis's connections.
 */
export function engineLimits(
  limits: Pick<Limits, 'maxConnections' | 'maxBufferedBytesTotal' | 'idleTimeout'>,
): Pick<ReassemblerOptions, 'maxConnections' | 'maxBufferedBytesTotal' | 'idleTimeout'> {
  return { maxConnections: limits.maxConnections, maxBufferedBytesTotal: limits.maxBufferedBytesTotal, idleTimeout: limits.idleTimeout };
}

/**
 * V8's semi-space at these heap sizes (64-bit): its young generation is three of them, and its
 * heap limit (what the budgets read) the old generation plus that.
 */
const V8_SEMI_SPACE_MIB = 16;

/**
 * The semi-space the CLI runs a ceiling with (MiB): a sixteenth of it, from V8's 16 MiB up to 64
 * at the default ceiling. Hundreds of sessions open at once keep their parsers' state alive
 * across V8's young collections, which copy it each time: with 64 MiB a flood of 100,000 short
 * sessions took a fifth less CPU. The young generation is on top of the ceiling (README, Limits).
 */
export function semiSpaceFor(ceilingMib: number): number {
  return Math.min(64, Math.max(V8_SEMI_SPACE_MIB, Math.floor(ceilingMib / 16)));
}

const SEMI_FLAG = /^--max[-_]semi[-_]space[-_]size=(\d+)$/;

/** The semi-space this process was given (MiB): the last flag on its command line or in NODE_OPTIONS. */
function semiSpaceGiven(): number {
  const flags = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv];
  let mib = V8_SEMI_SPACE_MIB;
  for (const f of flags) {
    const m = SEMI_FLAG.exec(f);
    if (m !== null) mib = Number(m[1]);
  }
  return mib;
}

/**
 * The heap this thread may use for what it keeps (V8's limit: `--max-old-space-size`, a worker's
 * resourceLimits): V8's heap limit without its young generation, whatever the semi-space. What the
 * budgets count lives long enough to be moved to the old generation, so the old generation is what
 * it must fit in: counting V8's own 48 MiB of young generation too let `dump` of 8,000 sessions
 * each holding an 8 KB partial line run out of a 96 MiB old generation (its budgets were those of 144).
 */
export function heapCeiling(): number {
  return getHeapStatistics().heap_size_limit - 3 * semiSpaceGiven() * MIB;
}
