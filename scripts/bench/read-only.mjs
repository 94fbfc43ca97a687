// The floor: ftpcap's capture reading alone (the reading thread: file reads and pcap-parser, the
// records handed to the main thread), with nothing done to the records. Prints {"packets":N}.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');
const { readCaptureFilesThreaded } = await import(join(dist, 'capture', 'read-parallel.js'));
let packets = 0;
await readCaptureFilesThreaded([process.argv[2]], { onRecord: () => void packets++, onWarning: () => undefined });
process.stdout.write(`${JSON.stringify({ packets })}\n`);
