/** The shape of every part of the error table (services/app-error.ts): code → HTTP status and message. */
export interface ErrorCodeEntry {
  readonly status: number;
  /** What a person reads: true, and says what to do where there is something to do. */
  readonly message: string;
}

export type ErrorCodeTable = Readonly<Record<string, ErrorCodeEntry>>;
