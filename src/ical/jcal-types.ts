/**
 * Typed view of ical.js's parse output (jCal, RFC 7265). ical.js types it as `any`; jcal.ts checks its
 * shape once so the rest of the module works with real types. We keep to jCal rather than
 * ical.js's Component/Property wrappers because walking plain arrays is several times cheaper and
 * the sync engine parses thousands of objects per run.
 */
export type JCalParamValue = string | readonly string[];

export interface JCalProperty {
  /** Lower-case, as jCal has it. */
  readonly name: string;
  readonly params: Readonly<Record<string, JCalParamValue>>;
  /** jCal value type: "date-time", "date", "text", "recur", "period", "duration", … */
  readonly type: string;
  readonly values: readonly unknown[];
}

export interface JCalComponent {
  readonly name: string;
  readonly properties: readonly JCalProperty[];
  readonly components: readonly JCalComponent[];
}
