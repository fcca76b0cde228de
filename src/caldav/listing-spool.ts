/**
 * A listing's answer on disk. A first import asks for every object's calendar-data in its one
 * sync-collection request (sync-collection.ts): the answer is as large as the calendar (6 MB for
 * 5,000 events, ~25 MB for 20,000), so it is written to a file as it arrives and read back a group
 * of members at a time — the listing on the event loop, a turn between groups; the objects batch by
 * batch, as the engine asks for them, on the multiget reader's thread — and memory stays bounded by
 * the batch, not by the calendar (decision 0020).
 *
 * The file is removed from the directory as soon as it is opened: only this process's descriptor
 * reaches it, and the system frees it when the descriptor is closed or the process ends, however
 * it ends — a crash leaves nothing behind. It holds calendar data (no credentials), readable only
 * by this user while it exists.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CalDavError } from './errors.ts';

/**
 * The largest listing kept on disk (1 GiB): ~800,000 events of the bench's size, far past what the item cap
 * (SYNC_MAX_ITEMS_PER_CALENDAR, 50,000) imports; a larger answer is refused and the listing asked for without the data.
 */
export const MAX_SPOOLED_BYTES = 1024 * 1024 * 1024;

export class ListingSpool {
  private size = 0;
  private closed = false;

  private constructor(
    /** A descriptor of this process: worker threads read it too (fds are shared by a process's threads). */
    readonly fd: number,
    private readonly url: string,
    private readonly maxBytes: number,
  ) {}

  /**
   * A new file in the system's temporary folder (TMPDIR). A folder that cannot take it is a
   * `refused_response`, like an answer too large: the listing is then asked for without the data.
   */
  static create(url: string, maxBytes = MAX_SPOOLED_BYTES): ListingSpool {
    const path = join(tmpdir(), `tandem-listing-${process.pid}-${randomBytes(8).toString('hex')}`);
    let fd: number;
    try {
      fd = openSync(path, 'wx+', 0o600);
    } catch (cause) {
      throw unusableFolder(url, cause);
    }
    try {
      unlinkSync(path);
    } catch (cause) {
      closeSync(fd);
      throw unusableFolder(url, cause);
    }
    return new ListingSpool(fd, url, maxBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.size;
  }

  /** Appends a piece of the answer (the transport's bodySink). */
  readonly write = (chunk: Uint8Array): void => {
    if (this.size + chunk.byteLength > this.maxBytes) {
      throw new CalDavError({
        kind: 'refused_response',
        url: this.url,
        message: `the listing's answer exceeds the ${this.maxBytes}-byte limit`,
      });
    }
    let written = 0;
    try {
      while (written < chunk.byteLength) written += writeSync(this.fd, chunk, written, chunk.byteLength - written, this.size + written);
    } catch (cause) {
      // A full disk, most likely: the listing is asked for again without the data.
      throw unusableFolder(this.url, cause);
    }
    this.size += chunk.byteLength;
  };

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Bytes [start, end) of a spool file, by descriptor (on any thread of the process). */
export function readSpooled(fd: number, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  let done = 0;
  while (done < out.length) {
    const got = readSync(fd, out, done, out.length - done, start + done);
    if (got === 0) throw new Error(`the listing file ended at ${start + done} of ${end} bytes`);
    done += got;
  }
  return out;
}

function unusableFolder(url: string, cause: unknown): CalDavError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new CalDavError({
    kind: 'refused_response',
    url,
    message: `the listing's answer could not be kept in the temporary folder (${tmpdir()}): ${reason}`,
    cause,
  });
}
