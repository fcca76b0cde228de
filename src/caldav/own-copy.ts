/**
 * A string that refers to nothing else. V8 makes a substring of 13 characters or more a view that
 * keeps its whole parent alive (and a concatenation a pair holding both parts): an href read out of
 * a listing's text would keep that text — a whole group of a first import's listing, calendar data
 * and all — for as long as the import keeps the href (decision 0020, ninth and eleventh sessions).
 *
 * A JSON string literal is always read into a new flat string; any character survives the round
 * trip (JSON.stringify escapes what it must). Of the copies measured (20,000 hrefs: JSON 9–16 ms,
 * Buffer round trip 19–27 ms) the fastest that is flat.
 */
export function ownCopy(slice: string): string {
  return JSON.parse(JSON.stringify(slice)) as string;
}
