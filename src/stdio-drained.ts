/**
 * Resolves once everything written to stdout and stderr so far has been handed to the OS (or the
 * reader went away). A process that exits earlier loses whatever a slow pipe had not read yet.
 */
export function stdioDrained(): Promise<void> {
  return Promise.all(
    [process.stdout, process.stderr].map(
      (stream) => new Promise<void>((resolve) => (stream.destroyed ? resolve() : stream.write('', () => resolve()))),
    ),
  ).then(() => undefined);
}
