import { describe, expect, it } from 'vitest';
import { ReplyAssembler } from '../../src/ftp/reply-assembler.js';
import type { FramedLine } from '../../src/ftp/line-framer.js';
import type { FtpReply } from '../../src/ftp/types.js';

function assembler(opts?: { maxLines?: number; maxBytes?: number }) {
  const replies: FtpReply[] = [];
  const limits: Array<{ frame: number; message: string }> = [];
  const a = new ReplyAssembler(
    (r) => replies.push(r),
    (frame, _t, w) => limits.push({ frame, message: w.message }),
    opts,
  );
  let frame = 0;
  const feed = (...texts: string[]) => {
    for (const text of texts) {
      frame++;
      const line: FramedLine = { text, firstFrame: frame, firstTime: frame, frame, time: frame };
      a.pushLine(line);
    }
  };
  return { a, replies, limits, feed };
}

describe('ReplyAssembler', () => {
  it('emits one-line replies with their text', () => {
    const { replies, feed } = assembler();
    feed('220 ready', '331 Password required');
    expect(replies).toEqual([
      { type: 'reply', frame: 1, firstFrame: 1, time: 1, code: 220, text: 'ready', lines: ['220 ready'], multiline: false },
      {
        type: 'reply',
        frame: 2,
        firstFrame: 2,
        time: 2,
        code: 331,
        text: 'Password required',
        lines: ['331 Password required'],
        multiline: false,
      },
    ]);
  });

  it('assembles "211-" … "211 End", inner lines starting with digits and other codes included', () => {
    const { replies, feed } = assembler();
    feed('211-Features:', ' MDTM', '220 not an end', '211-still inside', '2110 nor this', '211 End', '200 next');
    expect(replies).toHaveLength(2);
    expect(replies[0]).toEqual({
      type: 'reply',
      frame: 6,
      firstFrame: 1,
      time: 6,
      code: 211,
      text: 'Features:\n MDTM\n220 not an end\n211-still inside\n2110 nor this\nEnd',
      lines: ['211-Features:', ' MDTM', '220 not an end', '211-still inside', '2110 nor this', '211 End'],
      multiline: true,
    });
    expect(replies[1]).toMatchObject({ code: 200, text: 'next', frame: 7 });
  });

  it('closes on the bare code too', () => {
    const { replies, feed } = assembler();
    feed('230-Welcome', 'text', '230');
    expect(replies).toMatchObject([{ code: 230, multiline: true, text: 'Welcome\ntext\n', frame: 3 }]);
  });

  it('reports invalid lines as code 0 one-line replies', () => {
    const { replies, feed } = assembler();
    feed('99 PASV invalid', '230_no_space');
    expect(replies.map((r) => [r.code, r.text, r.malformed])).toEqual([
      [0, '99 PASV invalid', 'invalid reply code'],
      [230, '_no_space', 'missing space after reply code'],
    ]);
  });

  it('truncates a reply over the line bound, reports once, closes at its last line', () => {
    const { replies, limits, feed } = assembler({ maxLines: 3 });
    feed('213-status', 'a', 'b', 'c', 'd', '213 end', '213-again', '1', '2', '3', '213 end');
    expect(replies).toHaveLength(2);
    expect(replies[0]).toMatchObject({
      code: 213,
      frame: 6,
      firstFrame: 1,
      lines: ['213-status', 'a', 'b', '213 end'],
      text: 'status\na\nb\nend',
      malformed: 'reply truncated: 2 lines skipped',
    });
    expect(replies[1]).toMatchObject({ frame: 11, lines: ['213-again', '1', '2', '213 end'], malformed: 'reply truncated: 1 line skipped' });
    expect(limits).toEqual([{ frame: 4, message: 'multi-line 213 reply longer than 3 lines or 262144 bytes: truncated' }]);
  });

  it('a gap inside a multi-line reply: text lines after it stay in the reply, a line that opens a reply of its own ends it', () => {
    // A FEAT answer whose middle the capture lost (a lossy control connection cut short): the
    // feature lines after the hole are the same reply's, not replies without a code.
    const { a, replies, feed } = assembler();
    feed('211-Features:', ' EPRT');
    a.gapInside('capture gap inside multi-line reply');
    feed(' MDTM', ' PASV', '230 Login successful.');
    expect(replies).toMatchObject([
      { code: 211, firstFrame: 1, frame: 4, lines: ['211-Features:', ' EPRT', ' MDTM', ' PASV'], malformed: 'capture gap inside multi-line reply' },
      { code: 230, frame: 5, multiline: false },
    ]);
    expect(replies[1].malformed).toBeUndefined();
    // Its own closing line after the gap still closes it.
    const b = assembler();
    b.feed('211-Features:', ' EPRT');
    b.a.gapInside('capture gap inside multi-line reply');
    b.feed(' SIZE', '211 End');
    expect(b.replies).toMatchObject([{ code: 211, frame: 4, lines: ['211-Features:', ' EPRT', ' SIZE', '211 End'], malformed: 'capture gap inside multi-line reply' }]);
  });

  it('flush() closes an open reply as malformed', () => {
    const { a, replies, feed } = assembler();
    feed('220-hello', 'more');
    expect(a.inMultiline).toBe(true);
    a.flush(9, 0.9, 'no end of multi-line reply');
    expect(replies).toMatchObject([{ code: 220, frame: 9, firstFrame: 1, malformed: 'no end of multi-line reply' }]);
    expect(a.inMultiline).toBe(false);
  });
});
