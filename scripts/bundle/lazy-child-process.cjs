'use strict';
/**
 * What the CLI's bundle gives commander for `node:child_process` (scripts/bundle-cli.mjs: an
 * esbuild alias; ftpcap's own code names it only through createRequire, which the alias does not
 * touch). Commander requires it when it loads, for subcommands that are programs of their own,
 * which ftpcap has none of; Node's module (and the net, dgram and stream modules it loads) cost
 * ~5 ms of every start. This stand-in loads it the first time commander would use it.
 */
const { createRequire } = require('node:module');

let real;
module.exports = new Proxy({}, { get: (_, name) => (real ??= createRequire(__filename)('node:child_process'))[name] });
