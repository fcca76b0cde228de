/**
 * The C allocator's setting the server's process starts with: `npm start` and `npm run worker`
 * (package.json) set it before `node`, and the benches start the server the same way. glibc reads it
 * once, when the process starts; other C libraries ignore it.
 *
 * Why (decision 0030): glibc serves a request of 128 KiB or more with a mapping of its own, given
 * back to the system when freed — but the first time such a mapping is freed it raises that
 * threshold to the freed size (up to 32 MiB), and from then on large blocks come from its heap,
 * where a freed block stays resident for as long as anything above it lives. A server frees large
 * blocks from its start-up on, so every large buffer after the first — the embedded database's
 * start-up, a first import's answers, its statements' column arrays — stayed in its RSS after it was
 * collected: a just-started PGlite server (the import bench's) measured 237–255 MiB with the setting
 * against 279–304 without, and its first import of 20,000 events peaked at 374–395 MiB against
 * 407–453. Setting the threshold fixes it at glibc's own default, 128 KiB: large blocks always go
 * back when freed (test/unit/config/server-node-flags.test.ts shows it on this machine's glibc).
 */
export const MALLOC_MMAP_THRESHOLD_BYTES = 128 * 1024;

/** The environment variables `npm start` and `npm run worker` set for `node` (package.json); a test holds them in step. */
export const MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: String(MALLOC_MMAP_THRESHOLD_BYTES) };
