/**
 * Several capture files read as one capture, one after another: the files of one ring buffer
 * (tcpdump -C/-W, dumpcap -b), so that a connection running from one file into the next is seen
 * whole. Frame numbers count on through the files (as in the file `mergecap -a` would write from
 * them); byte offsets count on through the files as they lie on disk, headers included, so the
 * capture's `bytes` is their total size; pcapng interface ids are offset per file so they stay
 * distinct. A warning's frame and offset are counted the same way, and its message, which
 * speaks of the one file, starts with that file's name. The capture header is the first file's.
 * With one path it is readCapture on that file.
 */
import { basename } from 'node:path';
import type { CaptureInput } from './chunks.js';
import { openCaptureFile } from './open-capture.js';
import { readCapture } from './read-capture.js';
import {
  CaptureError,
  type CaptureInterface,
  type CaptureReadResult,
  type CaptureRecord,
  type CaptureSink,
} from './types.js';
import type { Warning } from '../warnings/catalog.js';

/** How a path becomes bytes (default: a file stream, '-' for standard input). */
export type OpenCapture = (path: string) => CaptureInput;

export async function readCaptureFiles(
  paths: string[],
  sink: CaptureSink,
  open: OpenCapture = openCaptureFile,
): Promise<CaptureReadResult> {
  if (paths.length === 0) throw new CaptureError('no capture file given');
  if (paths.length === 1) return readCapture(open(paths[0]), sink, { fileName: paths[0] });
  let frames = 0;
  let bytes = 0;
  let ifaceBase = 0;
  let first: CaptureReadResult | null = null;
  const interfaces: CaptureInterface[] = [];
  for (const path of paths) {
    const name = basename(path);
    const frameBase = frames;
    const byteBase = bytes;
    const idBase = ifaceBase;
    const shifted: CaptureSink = {
      onHeader: first === null ? sink.onHeader?.bind(sink) : undefined,
      onInterface: (iface) => {
        const moved = { ...iface, id: iface.id + idBase };
        interfaces.push(moved);
        sink.onInterface?.(moved);
      },
      onRecord: (r: CaptureRecord) => {
        r.frame += frameBase;
        r.offset += byteBase;
        r.interfaceId += idBase;
        sink.onRecord(r);
      },
      onSecrets: sink.onSecrets?.bind(sink),
      onWarning: (w: Warning) => {
        // A ring's files: the message names the file (its frame numbers are the file's own).
        const moved: Warning = { ...w, message: `${name}: ${w.message}` };
        if (w.frame !== undefined) moved.frame = w.frame + frameBase;
        if (w.offset !== undefined) moved.offset = w.offset + byteBase;
        sink.onWarning(moved);
      },
    };
    let result: CaptureReadResult;
    try {
      result = await readCapture(open(path), shifted, { fileName: path });
    } catch (err) {
      if (err instanceof CaptureError) {
        throw new CaptureError(`${name}: ${err.message}`, err.offset, err.frame === undefined ? undefined : err.frame + frameBase);
      }
      throw err;
    }
    first ??= result;
    frames += result.packets;
    bytes += result.bytes;
    ifaceBase += result.interfaces.length;
  }
  return { header: first!.header, interfaces, packets: frames, bytes };
}
