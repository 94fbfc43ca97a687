/**
 * Tuple parsers: the address/port an FTP command or reply announces for a data connection.
 * PORT / 227 (RFC 959), EPRT / 229 (RFC 2428), LPRT / 228 (RFC 1639).
 * Pure functions: they never throw and report what is wrong as `reason`. Whether an announced
 * address makes sense (0.0.0.0, private behind NAT, a third party) is the analysis layer's call.
 */

import type { TupleResult } from './types.js';
import { formatIpv4, formatIpv6, parseIpv4Text, parseIpv6Text } from './ip-text.js';

const MAX_PORT = 65535;
/** Longest input worth scanning: a reply line is bounded by the framer anyway. */
const MAX_INPUT = 8192;

/** PORT h1,h2,h3,h4,p1,p2 (spaces around commas tolerated). */
export function parsePortArg(arg: string): TupleResult {
  if (arg.length > MAX_INPUT) return fail('argument too long');
  const text = arg.trim();
  if (text === '') return fail('empty PORT argument');
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 6) return fail(`expected 6 comma-separated numbers, found ${parts.length} fields`);
  const nums: number[] = [];
  for (let i = 0; i < 6; i++) {
    const n = checkByte(parts[i], SIX_FIELDS[i]);
    if (typeof n === 'string') return fail(n);
    nums.push(n);
  }
  return sixNumbers(nums);
}

/**
 * 227 reply text, as servers really send it: "(h1,h2,h3,h4,p1,p2)", without parentheses,
 * with extra words, a trailing '.', or "=h1,...". Like Wireshark's parse_port_pasv and curl:
 * the first run of six comma-separated numbers wins; runs of fewer numbers are skipped.
 * A leading reply code ("227 " / "227-") is ignored, so both the line and its text work.
 */
export function parsePasvReply(text: string): TupleResult {
  if (text.length > MAX_INPUT) return fail('reply too long');
  const body = stripReplyCode(text);
  for (const run of numberRuns(body)) {
    if (run.length < 6) continue;
    if (run.negative) return fail(`h1 = -${run[0]} is negative`);
    if (run.length > 6) return fail(`found ${run.length} comma-separated numbers, expected 6`);
    for (let i = 0; i < 6; i++) {
      if (run[i] > 255) return fail(`${SIX_FIELDS[i]} = ${run[i]} is over 255`);
    }
    return sixNumbers(run);
  }
  return fail('no h1,h2,h3,h4,p1,p2 tuple in the 227 reply');
}

/** EPRT <d><af><d><addr><d><port><d>, any delimiter (its first character). */
export function parseEprtArg(arg: string): TupleResult {
  if (arg.length > MAX_INPUT) return fail('argument too long');
  const fields = splitDelimited(arg.trim());
  if (typeof fields === 'string') return fail(fields);
  const [af, addr, portText] = fields;
  const family = af === '1' ? 4 : af === '2' ? 6 : null;
  if (family === null) return fail(af === '' ? 'missing address family' : `unknown address family '${af}' (1 = IPv4, 2 = IPv6)`);
  const ip = parseAddress(addr, family);
  if (!ip.ok) return fail(ip.reason);
  const port = checkPort(portText);
  if (typeof port === 'string') return fail(port);
  return { ok: true, ip: ip.text, port, family, arithmetic: String(port) };
}

/**
 * 229 reply text "Entering Extended Passive Mode (|||6446|)": ip null (the data connection goes
 * to the control connection's server address). Tolerates other delimiters, text outside the
 * parentheses, and a filled-in af/address (then returned).
 */
export function parseEpsvReply(text: string): TupleResult {
  if (text.length > MAX_INPUT) return fail('reply too long');
  const body = stripReplyCode(text);
  const open = body.indexOf('(');
  let inner: string;
  if (open >= 0) {
    const close = body.indexOf(')', open + 1);
    inner = close >= 0 ? body.slice(open + 1, close) : body.slice(open + 1);
  } else {
    // No parentheses: look for three equal punctuation characters followed by digits.
    const m = /([!-\/:-@\[-`{-~])\1\1\d+\1/.exec(body);
    if (m === null) return fail('no (|||port|) in the 229 reply');
    inner = m[0];
  }
  const fields = splitDelimited(inner.trim());
  if (typeof fields === 'string') return fail(fields);
  const [af, addr, portText] = fields;
  const port = checkPort(portText);
  if (typeof port === 'string') return fail(port);
  if (af === '' && addr === '') return { ok: true, ip: null, port, family: null, arithmetic: String(port) };
  const family = af === '1' ? 4 : af === '2' ? 6 : null;
  if (family === null) return fail(`unknown address family '${af}' in the 229 reply`);
  if (addr === '') return { ok: true, ip: null, port, family, arithmetic: String(port) };
  const ip = parseAddress(addr, family);
  if (!ip.ok) return fail(ip.reason);
  return { ok: true, ip: ip.text, port, family, arithmetic: String(port) };
}

/** LPRT af,hal,h1..hN,pal,p1..pM (RFC 1639): af 4 with 4 address bytes, af 6 with 16. */
export function parseLprtArg(arg: string): TupleResult {
  if (arg.length > MAX_INPUT) return fail('argument too long');
  const text = arg.trim();
  if (text === '') return fail('empty LPRT argument');
  const parts = text.split(',').map((p) => p.trim());
  const nums: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const n = checkByte(parts[i], `field ${i + 1}`);
    if (typeof n === 'string') return fail(n);
    nums.push(n);
  }
  return longTuple(nums);
}

/** 228 reply "Entering Long Passive Mode (4,4,h1,h2,h3,h4,2,p1,p2)": the first run of 3+ numbers. */
export function parseLpsvReply(text: string): TupleResult {
  if (text.length > MAX_INPUT) return fail('reply too long');
  const body = stripReplyCode(text);
  for (const run of numberRuns(body)) {
    if (run.length < 3) continue;
    if (run.negative) return fail(`field 1 = -${run[0]} is negative`);
    for (let i = 0; i < run.length; i++) {
      if (run[i] > 255) return fail(`field ${i + 1} = ${run[i]} is over 255`);
    }
    return longTuple(run);
  }
  return fail('no af,hal,address,pal,port tuple in the 228 reply');
}

// ---------------------------------------------------------------------------------------------

const SIX_FIELDS = ['h1', 'h2', 'h3', 'h4', 'p1', 'p2'];

function fail(reason: string): TupleResult {
  return { ok: false, reason };
}

/** A decimal 0..255, or the reason it is not. */
function checkByte(text: string, name: string): number | string {
  if (text === '') return `${name} is empty`;
  if (/^-\d+$/.test(text)) return `${name} = ${text} is negative`;
  if (!/^\d+$/.test(text)) return `${name} = '${clip(text)}' is not a number`;
  const n = Number(text);
  if (n > 255) return `${name} = ${text.length > 10 ? clip(text) : n} is over 255`;
  return n;
}

function checkPort(text: string): number | string {
  if (text === '') return 'missing port';
  if (/^-\d+$/.test(text)) return `port ${text} is negative`;
  if (!/^\d+$/.test(text)) return `port '${clip(text)}' is not a number`;
  const n = Number(text);
  if (n > MAX_PORT) return `port ${text.length > 10 ? clip(text) : n} is over ${MAX_PORT}`;
  return n;
}

function sixNumbers(n: number[]): TupleResult {
  return {
    ok: true,
    ip: formatIpv4(n),
    port: n[4] * 256 + n[5],
    family: 4,
    arithmetic: `${n[4]}×256+${n[5]}`,
  };
}

/** RFC 1639 numbers (already 0..255) → tuple. */
function longTuple(n: number[]): TupleResult {
  const af = n[0];
  const hal = n[1];
  if (af !== 4 && af !== 6) return fail(`unknown address family ${af} (4 = IPv4, 6 = IPv6)`);
  const expectedHal = af === 4 ? 4 : 16;
  if (hal !== expectedHal) return fail(`address length ${hal}, expected ${expectedHal} for family ${af}`);
  const palAt = 2 + hal;
  if (n.length <= palAt) return fail(`expected ${palAt + 1}+ numbers, found ${n.length}`);
  const pal = n[palAt];
  if (pal < 1 || pal > 2) return fail(`port length ${pal}, expected 1 or 2`);
  const total = palAt + 1 + pal;
  if (n.length !== total) return fail(`expected ${total} numbers, found ${n.length}`);
  const addr = n.slice(2, palAt);
  const p = n.slice(palAt + 1);
  const port = pal === 2 ? p[0] * 256 + p[1] : p[0];
  return {
    ok: true,
    ip: af === 4 ? formatIpv4(addr) : formatIpv6(addr),
    port,
    family: af === 4 ? 4 : 6,
    arithmetic: pal === 2 ? `${p[0]}×256+${p[1]}` : String(p[0]),
  };
}

/** "227 text" / "227-text" → "text"; anything else unchanged. */
function stripReplyCode(text: string): string {
  return /^\d{3}[ -]/.test(text) ? text.slice(4) : text;
}

/**
 * Runs of comma-separated decimal numbers (spaces allowed around commas), in order.
 * Numbers of more than 6 digits read as 999999: over 255 either way, which the caller reports.
 */
function* numberRuns(text: string): Generator<number[] & { negative?: boolean }> {
  const re = /\d+(?:\s*,\s*\d+)*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const run: number[] & { negative?: boolean } = m[0].split(',').map((s) => {
      const t = s.trim();
      return t.length > 6 ? 999999 : Number(t);
    });
    // "-1,2,..." must not read as "1,2,...".
    if (m.index > 0 && text[m.index - 1] === '-') run.negative = true;
    yield run;
  }
}

/** "<d>a<d>b<d>c<d>" → [a, b, c], or why not. The delimiter must be printable ASCII 33..126. */
function splitDelimited(text: string): [string, string, string] | string {
  if (text === '') return 'empty argument';
  const d = text[0];
  const code = d.charCodeAt(0);
  if (code < 33 || code > 126) return `delimiter '${clip(d)}' is not a printable ASCII character`;
  if (/[0-9A-Za-z.:]/.test(d)) return `'${d}' cannot be the delimiter`;
  const fields = text.split(d);
  // Leading and trailing delimiters give empty first and last fields.
  if (fields.length !== 5 || fields[0] !== '' || fields[4] !== '') {
    return `expected <d>af<d>address<d>port<d> with delimiter '${d}'`;
  }
  return [fields[1], fields[2], fields[3]];
}

function parseAddress(text: string, family: 4 | 6): { ok: true; text: string } | { ok: false; reason: string } {
  if (text === '') return { ok: false, reason: 'missing address' };
  if (family === 4) {
    const v4 = parseIpv4Text(text);
    if (v4 === null) return { ok: false, reason: `'${clip(text)}' is not an IPv4 address` };
    return { ok: true, text: formatIpv4(v4) };
  }
  const v6 = parseIpv6Text(text);
  if (v6 === null) return { ok: false, reason: `'${clip(text)}' is not an IPv6 address` };
  return { ok: true, text: formatIpv6(v6) };
}

/** Keep reasons short when the input is junk. */
function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
