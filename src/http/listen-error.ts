/**
 * What to tell someone whose `npm start` could not listen: which port, and how to pick another,
 * instead of Node's bare `listen EADDRINUSE`. Null for errors that are not about the address.
 */
export function listenErrorMessage(error: unknown, where: { port: number; host: string }): string | null {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  const other = where.port === 3000 ? 3001 : where.port + 1;
  if (code === 'EADDRINUSE') {
    return `Port ${where.port} is already in use (another Tandem, or another program, is listening on it).\nChoose another port, for example: PORT=${other} npm start`;
  }
  if (code === 'EACCES') {
    return `Port ${where.port} needs privileges this process does not have.\nChoose a port above 1023, for example: PORT=${other > 1023 ? other : 3000} npm start`;
  }
  if (code === 'EADDRNOTAVAIL') {
    return `HOST=${where.host} is not an address of this machine.\nLeave HOST unset to listen on every interface, or name one of this machine's addresses.`;
  }
  return null;
}
