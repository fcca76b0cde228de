export interface BlockedSlotView {
  id: string;
  userId: string;
  start: string;
  end: string;
  title: string;
  /** `manual` slots are made in Tandem and never pushed; `imported` come from a connected calendar. */
  source: 'manual' | 'imported';
  remoteCalendarId: string | null;
  allDay: boolean;
  /** Imported events marked free, cancelled or declined are shown but do not block. */
  blocks: boolean;
}
