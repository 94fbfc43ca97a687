/** Bundle dist/cli/run.js of the project at `root` into dist/cli/ftpcap.cjs and make its code cache; returns the bundle's path. */
export function bundleCli(root: string): string;
/** The Node options of bin/ftpcap's first line. */
export function shebangNodeOptions(root: string): string[];
/** The variables bin/ftpcap's first line removes from the environment. */
export function shebangUnsetVariables(root: string): string[];
/** The name the bundle's code reads for import.meta.url. */
export const BUNDLE_URL_NAME: string;
