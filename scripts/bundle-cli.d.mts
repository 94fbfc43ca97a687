/** Bundle dist/cli/run.js of the project at `root` into dist/cli/ftpcap.mjs; returns that path. */
export function bundleCli(root: string): string;
