// The user's reader on its own: the file streamed through `pcap-parser`, each packet counted and
// dropped, on the main thread. Issue 15's floor for `summary`. Prints {"packets":N}.
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';

const pcapParser = createRequire(import.meta.url)('pcap-parser');
let packets = 0;
const parser = pcapParser.parse(createReadStream(process.argv[2], { highWaterMark: 4 << 20 }));
parser.on('packet', () => void packets++);
parser.on('end', () => process.stdout.write(`${JSON.stringify({ packets })}\n`));
parser.on('error', (err) => {
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 1;
});
