/** One answered member of a calendar-multiget (or calendar-query) answer. */
export interface MultigetItem {
  href: string;
  etag: string | null;
  calendarData: string | null;
  /** 200 when the data came back; the member's own status (404…) otherwise. */
  status: number;
}
