import type { Database } from '../store/database.ts';
import type { Role } from '../store/schema.ts';
import type { SecretBox } from './secrets/secret-box.ts';

/** Who is calling: every use case that reads or writes workspace data takes one. */
export interface Actor {
  workspaceId: string;
  userId: string;
  role: Role;
}

/** What every use case may need, wired once at start-up (main.ts) and passed in. */
export interface ServiceContext {
  db: Database;
  now: () => Date;
  publicUrl: string;
  /** Seals manage links inside queued e-mails (issue 11); without it the e-mails carry no link. */
  secretBox?: SecretBox;
}
