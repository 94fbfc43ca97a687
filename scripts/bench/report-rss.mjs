// Preloaded into a measured Node process (node --import): on exit, report the process's peak
// resident set (all threads) on standard error, for the bench runner to pick up.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `\nBENCH-MAXRSS-KB ${process.resourceUsage().maxRSS}\n`);
});
