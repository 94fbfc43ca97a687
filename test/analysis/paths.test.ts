import { describe, expect, it } from 'vitest';
import { pathFrom257, resolveFtpPath, sizeFrom150 } from '../../src/analysis/paths.js';
import { lineText } from '../../src/analysis/text.js';

describe('FTP path tracking', () => {
  it('resolves relative names against the working directory', () => {
    expect(resolveFtpPath('/home/ftpuser', 'docs/a.txt')).toBe('/home/ftpuser/docs/a.txt');
    expect(resolveFtpPath('/home/ftpuser', '../../etc/passwd')).toBe('/etc/passwd');
    expect(resolveFtpPath('/x', '/abs/file')).toBe('/abs/file');
    expect(resolveFtpPath(null, 'file')).toBe('file');
    expect(resolveFtpPath('/x', '')).toBeNull();
  });
  it('reads the directory of a 257 reply, with doubled quotes', () => {
    expect(pathFrom257('"/home/ftpuser" is the current directory')).toBe('/home/ftpuser');
    expect(pathFrom257('"/a ""quoted"" dir" created')).toBe('/a "quoted" dir');
    expect(pathFrom257('no quotes')).toBeNull();
    expect(pathFrom257('"unterminated')).toBeNull();
  });
  it('reads the size in a 150 reply', () => {
    expect(sizeFrom150('Opening BINARY mode data connection for hello.txt (1234 bytes).')).toBe(1234);
    expect(sizeFrom150('Here comes the directory listing.')).toBeNull();
  });
  it('decodes UTF-8 lines and shows the high bytes of other lines as \\xNN', () => {
    expect(lineText('caf\u00c3\u00a9')).toBe('café');
    expect(lineText('caf\u00e9\u00ff')).toBe('caf\\xe9\\xff');
    expect(lineText('plain')).toBe('plain');
  });
});
