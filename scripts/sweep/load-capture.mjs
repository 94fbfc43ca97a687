/**
 * A capture as the sweeps replay it: every record, copied (a record's bytes live only during the
 * reader's call), with the file header, the interfaces and the pcapng secrets in their places, read
 * by the build under `root` (the sweeps compare builds).
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';

/** `events` in file order (records and secrets); `records`, the records alone. */
export async function loadCapture(root, path) {
  const { readCapture } = await import(root + '/dist/capture/read-capture.js');
  const events = [];
  const records = [];
  let header = null;
  const interfaces = [];
  const result = await readCapture(
    Readable.from([readFileSync(path)]),
    {
      onHeader: (h) => (header = h),
      onInterface: (i) => interfaces.push(i),
      onRecord: (r) => {
        const copy = { ...r, data: Uint8Array.from(r.data) };
        records.push(copy);
        events.push({ kind: 'r', r: copy });
      },
      onWarning: () => {},
      onSecrets: (type, data) => events.push({ kind: 's', type, data: Uint8Array.from(data) }),
    },
    { fileName: path },
  );
  return { header: header ?? result.header, interfaces, events, records, result };
}
