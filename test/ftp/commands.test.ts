import { describe, expect, it } from 'vitest';
import { FTP_COMMANDS, commandHeadline, commandInfo, commandLine, parseReplyLine, parseRequestLine } from '../../src/ftp/commands.js';

describe('command catalog', () => {
  it('flags exactly the data-connection commands, with their direction', () => {
    const opening = [...FTP_COMMANDS.values()].filter((c) => c.opensData).map((c) => `${c.verb}:${c.dataDirection}`);
    expect(opening.sort()).toEqual([
      'APPE:to-server',
      'LIST:to-client',
      'MLSD:to-client',
      'NLST:to-client',
      'RETR:to-client',
      'STOR:to-server',
      'STOU:to-server',
    ]);
  });

  it('knows the commands of the brief and which announce tuples', () => {
    const required =
      'XPWD XMKD CLNT SITE FEAT OPTS HOST AUTH PBSZ PROT CCC EPRT EPSV LPRT LPSV SIZE MDTM MLSD MLST REST ALLO ACCT REIN SMNT STOU APPE ABOR STAT HELP NOOP SYST MODE STRU TYPE RNFR RNTO DELE RMD MKD PWD CWD CDUP LIST NLST RETR STOR PORT PASV USER PASS QUIT';
    for (const verb of required.split(' ')) {
      const info = commandInfo(verb);
      expect(info?.verb, verb).toBe(verb);
      expect(info?.description.length, verb).toBeGreaterThan(5);
    }
    expect(commandInfo('PORT')?.tuple).toBe('port');
    expect(commandInfo('PASV')?.tuple).toBe('pasv');
    expect(commandInfo('EPRT')?.tuple).toBe('eprt');
    expect(commandInfo('EPSV')?.tuple).toBe('epsv');
    expect(commandInfo('LPRT')?.tuple).toBe('lprt');
    expect(commandInfo('LPSV')?.tuple).toBe('lpsv');
    expect(commandInfo('RETR')?.tuple).toBeUndefined();
    expect(commandInfo('EPSV')?.source).toBe('RFC 2428');
    expect(commandInfo('BOGUS')).toBeUndefined();
  });
});

describe('parseRequestLine', () => {
  it('upper-cases the verb and keeps the argument verbatim', () => {
    expect(parseRequestLine('retr  My File.txt ')).toEqual({ command: 'RETR', arg: ' My File.txt ', raw: 'retr  My File.txt ' });
    expect(parseRequestLine('PASV')).toEqual({ command: 'PASV', arg: '', raw: 'PASV' });
    expect(parseRequestLine('PORT 192,168,0,1,9,39')).toEqual({
      command: 'PORT',
      arg: '192,168,0,1,9,39',
      raw: 'PORT 192,168,0,1,9,39',
    });
  });

  it('skips the Telnet IP/DM bytes clients send before ABOR', () => {
    expect(parseRequestLine('\xff\xf4\xff\xf2ABOR')).toEqual({ command: 'ABOR', arg: '', raw: '\xff\xf4\xff\xf2ABOR' });
  });

  it('notes lines that are not commands', () => {
    expect(parseRequestLine('').problem).toBe('empty line');
    expect(parseRequestLine(' foo').problem).toBe('no command verb');
    expect(parseRequestLine('\x16\x03\x01 x').problem).toBe('command verb is not a word');
    expect(parseRequestLine('XSHA1 f').problem).toBeUndefined();
  });
});

describe('parseReplyLine', () => {
  it('reads the three normal shapes', () => {
    expect(parseReplyLine('220 py.fake ready')).toEqual({ code: 220, sep: ' ', text: 'py.fake ready' });
    expect(parseReplyLine('211-Features:')).toEqual({ code: 211, sep: '-', text: 'Features:' });
    expect(parseReplyLine('230')).toEqual({ code: 230, sep: '', text: '' });
    expect(parseReplyLine('230 ')).toEqual({ code: 230, sep: ' ', text: '' });
  });

  it('tolerates a missing space after the code (Zeek ftp-missing-space-after-reply-code)', () => {
    expect(parseReplyLine('230_no_space')).toEqual({
      code: 230,
      sep: '_',
      text: '_no_space',
      problem: 'missing space after reply code',
    });
    expect(parseReplyLine('220Hello')).toEqual({ code: 220, sep: 'H', text: 'Hello', problem: 'missing space after reply code' });
  });

  it('gives code 0 for invalid or missing codes (Zeek ftp-invalid-reply-code, ftp-missing-reply-code)', () => {
    expect(parseReplyLine('99 PASV invalid')).toEqual({
      code: 0,
      sep: '',
      text: '99 PASV invalid',
      problem: 'invalid reply code',
    });
    expect(parseReplyLine('SYST not supported')).toEqual({
      code: 0,
      sep: '',
      text: 'SYST not supported',
      problem: 'missing reply code',
    });
    expect(parseReplyLine('2000 foo')).toMatchObject({ code: 0, text: '2000 foo', problem: 'invalid reply code (more than 3 digits)' });
    expect(parseReplyLine('abc')).toMatchObject({ code: 0, problem: 'missing reply code' });
    expect(parseReplyLine('600 foo')).toMatchObject({ code: 0, problem: 'reply code 600 out of range 100-599' });
    expect(parseReplyLine('099 foo')).toMatchObject({ code: 0, problem: 'reply code 099 out of range 100-599' });
    expect(parseReplyLine('')).toEqual({ code: 0, sep: '', text: '', problem: 'empty reply line' });
  });
});

describe('commandLine and commandHeadline', () => {
  it('joins the verb and its argument as sent, and leaves a bare verb alone', () => {
    expect(commandLine({ command: 'RETR', arg: 'hello.txt' })).toBe('RETR hello.txt');
    expect(commandLine({ command: 'PASV', arg: '' })).toBe('PASV');
    expect(commandLine({ command: null, arg: '' })).toBe('');
  });

  it('cuts an argument longer than 100 characters in a headline, saying its length', () => {
    const name = 'A'.repeat(8187); // the length Suricata's too-long-command capture sends
    expect(commandHeadline({ command: 'RETR', arg: name })).toBe(`RETR ${'A'.repeat(99)}… (8187 characters)`);
    const hundred = 'b'.repeat(100);
    expect(commandHeadline({ command: 'STOR', arg: hundred })).toBe(`STOR ${hundred}`);
  });
});
