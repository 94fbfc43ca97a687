import { it } from 'vitest';
import { createReadStream, readdirSync } from 'node:fs';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import { readTsharkTsv, readZeekLog, parseYaml } from './peer-readers.js';
import { checkTsharkFtp, checkTsharkDatachan, checkTsharkLinks } from './tshark-checks.js';
import { checkZeekFtpLog, checkZeekFilesLog } from './zeek-checks.js';
import { checkSuricata, eveEvents } from './suricata-checks.js';
import { readFileSync } from 'node:fs';
it('scratch', async () => {
  const D = '/work/shared/captures/';
  for (const src of ['zeek', 'suricata-verify']) for (const f of readdirSync(D + src).filter((x) => x.endsWith('.pcap'))) {
    const b = D + src + '/' + f.slice(0, -5);
    const a = await analyzeStream(createReadStream(b + '.pcap'), { fileName: f, showPasswords: true });
    const t1 = checkTsharkFtp(f, a, readTsharkTsv(b + '.tshark-ftp.tsv'));
    const t2 = checkTsharkDatachan(f, a, readTsharkTsv(b + '.tshark-ftp-datachan.tsv'));
    const t3 = checkTsharkLinks(f, a, readTsharkTsv(b + '.tshark-ftp-data-streams.tsv'));
    const yamls = readdirSync(D + src).filter((x) => x.startsWith(f.slice(0, -5) + '.') && x.endsWith('.test.yaml'));
    const s = yamls.map((y) => checkSuricata(f, a, y, parseYaml(readFileSync(D + src + '/' + y, 'utf8'))));
    console.log(f, 'ftp', t1.facts, t1.reverseFacts, 'dc', t2.facts, t2.reverseFacts, 'links', t3.facts, t3.reverseFacts, 'suri', s.map((x) => x.facts));
    if (process.env.EVE) console.log(JSON.stringify(eveEvents(a)));
  }
});
