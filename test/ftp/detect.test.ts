import { describe, expect, it } from 'vitest';
import { looksLikeFtpClientStart, looksLikeFtpServerGreeting } from '../../src/ftp/detect.js';

const b = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('FTP sniffing', () => {
  it('recognises server greetings', () => {
    expect(looksLikeFtpServerGreeting(b('220 ftp.example.org ready\r\n'))).toBe(true);
    expect(looksLikeFtpServerGreeting(b('220-Welcome\r\n'))).toBe(true);
    expect(looksLikeFtpServerGreeting(b('220'))).toBe(false);
    expect(looksLikeFtpServerGreeting(b('220 '))).toBe(true);
    expect(looksLikeFtpServerGreeting(b('2200 x'))).toBe(false);
    expect(looksLikeFtpServerGreeting(b('+OK POP3 ready'))).toBe(false);
    expect(looksLikeFtpServerGreeting(b('SSH-2.0-OpenSSH'))).toBe(false);
    expect(looksLikeFtpServerGreeting(new Uint8Array(0))).toBe(false);
  });

  it('recognises a client starting a session', () => {
    expect(looksLikeFtpClientStart(b('USER anonymous\r\n'))).toBe(true);
    expect(looksLikeFtpClientStart(b('auth tls\r\n'))).toBe(true);
    expect(looksLikeFtpClientStart(b('FEAT\r\n'))).toBe(true);
    expect(looksLikeFtpClientStart(b('SYST\n'))).toBe(true);
    expect(looksLikeFtpClientStart(b('USERS x'))).toBe(false);
    expect(looksLikeFtpClientStart(b('GET / HTTP/1.1\r\n'))).toBe(false);
    expect(looksLikeFtpClientStart(b('EHLO mail\r\n'))).toBe(false);
    expect(looksLikeFtpClientStart(b('USER'))).toBe(false); // no line end seen yet
    expect(looksLikeFtpClientStart(new Uint8Array([0x16, 0x03, 0x01]))).toBe(false);
  });
});
