import { describe, expect, it } from 'vitest';
import {
  parseEprtArg,
  parseEpsvReply,
  parseLprtArg,
  parseLpsvReply,
  parsePasvReply,
  parsePortArg,
} from '../../src/ftp/tuples.js';
import type { TupleResult } from '../../src/ftp/types.js';

function reason(r: TupleResult): string {
  if (r.ok) throw new Error(`expected failure, got ${JSON.stringify(r)}`);
  return r.reason;
}

describe('parsePortArg', () => {
  it('reads the two FTP-NOTES examples', () => {
    expect(parsePortArg('192,168,10,232,6,127')).toEqual({
      ok: true,
      ip: '192.168.10.232',
      port: 1663,
      family: 4,
      arithmetic: '6×256+127',
    });
    expect(parsePortArg('192,168,0,1,9,39')).toEqual({
      ok: true,
      ip: '192.168.0.1',
      port: 2343,
      family: 4,
      arithmetic: '9×256+39',
    });
  });

  it('accepts spaces around commas and around the argument', () => {
    const r = parsePortArg(' 10 , 0,0 ,1, 4 ,1 ');
    expect(r).toMatchObject({ ok: true, ip: '10.0.0.1', port: 1025, arithmetic: '4×256+1' });
  });

  it('reports 0.0.0.0 and port 0 as facts, not errors', () => {
    expect(parsePortArg('0,0,0,0,0,0')).toMatchObject({ ok: true, ip: '0.0.0.0', port: 0 });
    expect(parsePortArg('255,255,255,255,255,255')).toMatchObject({ ok: true, port: 65535 });
  });

  it('rejects numbers over 255, naming the field', () => {
    expect(reason(parsePortArg('192,168,0,256,9,39'))).toBe('h4 = 256 is over 255');
    expect(reason(parsePortArg('192,168,0,1,300,39'))).toBe('p1 = 300 is over 255');
    expect(reason(parsePortArg('1,2,3,4,5,99999999999999999999'))).toMatch(/^p2 = .* is over 255$/);
  });

  it('rejects negatives, wrong counts, empty fields and junk', () => {
    expect(reason(parsePortArg('192,168,0,1,-9,39'))).toBe('p1 = -9 is negative');
    expect(reason(parsePortArg('192,168,0,1,9'))).toBe('expected 6 comma-separated numbers, found 5 fields');
    expect(reason(parsePortArg('192,168,0,1,9,39,1'))).toBe('expected 6 comma-separated numbers, found 7 fields');
    expect(reason(parsePortArg('192,168,,1,9,39'))).toBe('h3 is empty');
    expect(reason(parsePortArg('192,168,0x10,1,9,39'))).toBe("h3 = '0x10' is not a number");
    expect(reason(parsePortArg(''))).toBe('empty PORT argument');
    expect(reason(parsePortArg('192.168.0.1:2343'))).toBe('expected 6 comma-separated numbers, found 1 fields');
  });
});

describe('parsePasvReply', () => {
  it('reads the classic form, with or without the reply code', () => {
    const want = { ok: true, ip: '199.233.217.249', port: 56666, family: 4, arithmetic: '221×256+90' };
    expect(parsePasvReply('227 Entering Passive Mode (199,233,217,249,221,90)')).toEqual(want);
    expect(parsePasvReply('Entering Passive Mode (199,233,217,249,221,90)')).toEqual(want);
    expect(parsePasvReply('227 Entering Passive Mode (199,233,217,249,221,90).')).toEqual(want);
  });

  it('reads real-world variants without parentheses, with "=" and extra words', () => {
    expect(parsePasvReply('227 Entering Passive Mode 192,168,1,2,4,5')).toMatchObject({ ip: '192.168.1.2', port: 1029 });
    expect(parsePasvReply('227 Entering passive mode. 10,0,0,1,4,1')).toMatchObject({ ip: '10.0.0.1', port: 1025 });
    expect(parsePasvReply('227 =127,0,0,1,4,51')).toMatchObject({ ip: '127.0.0.1', port: 1075 });
    expect(parsePasvReply('227 Data transfer will passively listen to 127,0,0,1,4,51')).toMatchObject({
      ip: '127.0.0.1',
      port: 1075,
    });
    // Runs of fewer than six numbers before the tuple are skipped.
    expect(parsePasvReply('227 Entering Passive Mode for 10.1.2.3 at 12:30 (10,1,2,3,200,10)')).toMatchObject({
      ip: '10.1.2.3',
      port: 51210,
      arithmetic: '200×256+10',
    });
    expect(parsePasvReply('227 Entering Passive Mode (10, 1, 2, 3, 4, 1)')).toMatchObject({ ip: '10.1.2.3', port: 1025 });
  });

  it('rejects replies without a tuple, with values over 255, negatives or too many numbers', () => {
    expect(reason(parsePasvReply('227 Entering Passive Mode'))).toBe('no h1,h2,h3,h4,p1,p2 tuple in the 227 reply');
    expect(reason(parsePasvReply('227 Entering Passive Mode (10,0,0,1,4)'))).toBe(
      'no h1,h2,h3,h4,p1,p2 tuple in the 227 reply',
    );
    expect(reason(parsePasvReply('227 Entering Passive Mode (10,0,0,1,4,1000)'))).toBe('p2 = 1000 is over 255');
    expect(reason(parsePasvReply('227 Entering Passive Mode (-10,0,0,1,4,1)'))).toBe('h1 = -10 is negative');
    expect(reason(parsePasvReply('227 Entering Passive Mode (10,0,0,1,4,1,7)'))).toBe(
      'found 7 comma-separated numbers, expected 6',
    );
    expect(reason(parsePasvReply(''))).toBe('no h1,h2,h3,h4,p1,p2 tuple in the 227 reply');
  });
});

describe('parseEprtArg', () => {
  it('reads the RFC 2428 IPv4 and IPv6 examples', () => {
    expect(parseEprtArg('|1|132.235.1.2|6275|')).toEqual({
      ok: true,
      ip: '132.235.1.2',
      port: 6275,
      family: 4,
      arithmetic: '6275',
    });
    expect(parseEprtArg('|2|1080::8:800:200C:417A|5282|')).toEqual({
      ok: true,
      ip: '1080::8:800:200c:417a',
      port: 5282,
      family: 6,
      arithmetic: '5282',
    });
  });

  it('normalises IPv6 to the compressed lower-case form', () => {
    expect(parseEprtArg('|2|2001:0DB8:0000:0000:0000:0000:0000:0001|21|')).toMatchObject({ ip: '2001:db8::1' });
    expect(parseEprtArg('|2|2001:db8:0:0:1:0:0:1|21|')).toMatchObject({ ip: '2001:db8::1:0:0:1' });
    expect(parseEprtArg('|2|::ffff:10.0.0.1|21|')).toMatchObject({ ip: '::ffff:10.0.0.1' });
  });

  it('accepts any printable delimiter', () => {
    expect(parseEprtArg('!1!10.0.0.1!2000!')).toMatchObject({ ok: true, ip: '10.0.0.1', port: 2000 });
    expect(parseEprtArg('#2#fe80::12#1234#')).toMatchObject({ ok: true, ip: 'fe80::12', port: 1234 });
  });

  it('rejects bad families, addresses, ports and shapes', () => {
    expect(reason(parseEprtArg('|3|10.0.0.1|21|'))).toBe("unknown address family '3' (1 = IPv4, 2 = IPv6)");
    expect(reason(parseEprtArg('|1|192.168.0.313|257|'))).toBe("'192.168.0.313' is not an IPv4 address");
    expect(reason(parseEprtArg('|2|fe80::gg|1234|'))).toBe("'fe80::gg' is not an IPv6 address");
    expect(reason(parseEprtArg('|1|fe80::1|1234|'))).toBe("'fe80::1' is not an IPv4 address");
    expect(reason(parseEprtArg('|2|1:2:3:4:5:6:7:8:9|1|'))).toBe("'1:2:3:4:5:6:7:8:9' is not an IPv6 address");
    expect(reason(parseEprtArg('|1|192.168.0.2|-1|'))).toBe('port -1 is negative');
    expect(reason(parseEprtArg('|2|::1|131072|'))).toBe('port 131072 is over 65535');
    expect(reason(parseEprtArg('|1|10.0.0.1|21'))).toBe("expected <d>af<d>address<d>port<d> with delimiter '|'");
    expect(reason(parseEprtArg('|1||21|'))).toBe('missing address');
    expect(reason(parseEprtArg(''))).toBe('empty argument');
  });
});

describe('parseEpsvReply', () => {
  it('reads the port; the address is left to the caller', () => {
    expect(parseEpsvReply('229 Entering Extended Passive Mode (|||6446|)')).toEqual({
      ok: true,
      ip: null,
      port: 6446,
      family: null,
      arithmetic: '6446',
    });
    expect(parseEpsvReply('Entering Extended Passive Mode (|||60931|)')).toMatchObject({ port: 60931, ip: null });
  });

  it('tolerates other delimiters, trailing text and missing parentheses', () => {
    expect(parseEpsvReply('229 Entering Extended Passive Mode (!!!6446!).')).toMatchObject({ ok: true, port: 6446 });
    expect(parseEpsvReply('229 EPSV ok |||6446|')).toMatchObject({ ok: true, port: 6446 });
  });

  it('returns an address when the server fills it in', () => {
    expect(parseEpsvReply('229 Entering Extended Passive Mode (|2|2001:db8::5|6446|)')).toMatchObject({
      ok: true,
      ip: '2001:db8::5',
      family: 6,
      port: 6446,
    });
  });

  it('rejects replies without a port', () => {
    expect(reason(parseEpsvReply('229 Entering Extended Passive Mode'))).toBe('no (|||port|) in the 229 reply');
    expect(reason(parseEpsvReply('229 Entering Extended Passive Mode (||||)'))).toBe('missing port');
    expect(reason(parseEpsvReply('229 Entering Extended Passive Mode (|||70000|)'))).toBe('port 70000 is over 65535');
  });
});

describe('parseLprtArg / parseLpsvReply (RFC 1639)', () => {
  it('reads IPv4 tuples', () => {
    expect(parseLprtArg('4,4,192,168,0,1,2,9,39')).toEqual({
      ok: true,
      ip: '192.168.0.1',
      port: 2343,
      family: 4,
      arithmetic: '9×256+39',
    });
    expect(parseLpsvReply('228 Entering Long Passive Mode (4,4,10,0,0,1,2,4,1)')).toMatchObject({
      ip: '10.0.0.1',
      port: 1025,
      family: 4,
    });
  });

  it('reads IPv6 tuples with 16 address bytes', () => {
    const v6 = '6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,25,10';
    expect(parseLprtArg(v6)).toEqual({ ok: true, ip: '2001:db8::1', port: 6410, family: 6, arithmetic: '25×256+10' });
    expect(parseLpsvReply(`228 Entering Long Passive Mode (${v6})`)).toMatchObject({ ip: '2001:db8::1', port: 6410 });
  });

  it('rejects bad families, lengths and values', () => {
    expect(reason(parseLprtArg('5,4,192,168,0,1,2,9,39'))).toBe('unknown address family 5 (4 = IPv4, 6 = IPv6)');
    expect(reason(parseLprtArg('4,16,192,168,0,1,2,9,39'))).toBe('address length 16, expected 4 for family 4');
    expect(reason(parseLprtArg('4,4,192,168,0,1,2,9'))).toBe('expected 9 numbers, found 8');
    expect(reason(parseLprtArg('4,4,192,168,0,1,3,9,39,1'))).toBe('port length 3, expected 1 or 2');
    expect(reason(parseLprtArg('4,4,192,168,0,256,2,9,39'))).toBe('field 6 = 256 is over 255');
    expect(reason(parseLprtArg('4,4,192,168,0,-1,2,9,39'))).toBe('field 6 = -1 is negative');
    expect(reason(parseLpsvReply('228 Entering Long Passive Mode'))).toBe(
      'no af,hal,address,pal,port tuple in the 228 reply',
    );
  });
});
