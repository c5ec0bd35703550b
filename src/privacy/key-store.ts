// One AES-256 key per person, kept outside the event log in its own SQLite file (keys.sqlite), so that
// erasing a person deletes the only thing that can read their data (crypto-shredding, DESIGN.md §5).
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DomainError } from '../commands/domain-error.js';

export const KEY_BYTES = 32;

/** What the vault needs from a key store: a key to seal with, and the key (if any is left) to open with. */
export interface PersonKeys {
  /** The person's key, created on first use; throws PersonErasedError once the person was erased. */
  keyFor(personId: string): Buffer;
  /** The person's key, or undefined when it was erased (or never existed). */
  existingKey(personId: string): Buffer | undefined;
}

export interface PersonKeyStatus {
  readonly personId: string;
  readonly createdAt: string;
  /** Set once the key was erased. */
  readonly erasedAt?: string;
}

/** New personal data for a person who was erased is refused: their key must never come back. */
export class PersonErasedError extends DomainError {
  constructor(readonly personId: string) {
    super('person_erased', `person ${personId} was erased; their personal data cannot be recorded again`);
    this.name = 'PersonErasedError';
  }
}

interface Row {
  person_id: string;
  key: Buffer | null;
  created_at: string;
  erased_at: string | null;
}

export class PersonKeyStore implements PersonKeys {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, Buffer, string]>;
  private readonly select: Database.Statement<[string], Row>;
  private readonly overwrite: Database.Statement<[string]>;
  private readonly forget: Database.Statement<[string, string]>;

  /** `file` may be ':memory:' (tests); otherwise it is created readable by its owner only. */
  constructor(
    readonly file: string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    if (file !== ':memory:') {
      mkdirSync(dirname(file), { recursive: true });
      // SQLite gives its -wal and -shm files the database file's permissions.
      closeSync(openSync(file, 'a', 0o600));
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // A key must be on disk before the event it sealed is: FULL, whatever the event store does.
    this.db.pragma('synchronous = FULL');
    // Freed content is overwritten with zeros, so an erased key leaves no copy in a free page.
    this.db.pragma('secure_delete = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS person_keys (
        person_id TEXT PRIMARY KEY,
        key BLOB,
        created_at TEXT NOT NULL,
        erased_at TEXT,
        CHECK ((key IS NULL) = (erased_at IS NOT NULL))
      ) WITHOUT ROWID`);
    this.insert = this.db.prepare(
      'INSERT INTO person_keys (person_id, key, created_at) VALUES (?, ?, ?) ON CONFLICT (person_id) DO NOTHING',
    );
    this.select = this.db.prepare('SELECT * FROM person_keys WHERE person_id = ?');
    this.overwrite = this.db.prepare(
      `UPDATE person_keys SET key = zeroblob(${KEY_BYTES}) WHERE person_id = ? AND key IS NOT NULL`,
    );
    this.forget = this.db.prepare('UPDATE person_keys SET key = NULL, erased_at = ? WHERE person_id = ?');
  }

  keyFor(personId: string): Buffer {
    const fresh = randomBytes(KEY_BYTES);
    this.insert.run(personId, fresh, this.clock().toISOString());
    fresh.fill(0);
    const row = this.select.get(personId);
    if (!row?.key) throw new PersonErasedError(personId);
    return row.key;
  }

  existingKey(personId: string): Buffer | undefined {
    return this.select.get(personId)?.key ?? undefined;
  }

  status(personId: string): PersonKeyStatus | undefined {
    const row = this.select.get(personId);
    if (!row) return undefined;
    const status = { personId, createdAt: row.created_at };
    return row.erased_at === null ? status : { ...status, erasedAt: row.erased_at };
  }

  /**
   * Erases the person's key: overwritten in place, then dropped, and the write-ahead log emptied, so
   * that no page of the file still holds it. The person stays known as erased. Undefined for an
   * unknown person; erasing twice keeps the first erasure's time.
   */
  erase(personId: string): PersonKeyStatus | undefined {
    const erasedAt = this.clock().toISOString();
    const status = this.db
      .transaction(() => {
        const found = this.status(personId);
        if (!found || found.erasedAt) return found;
        this.overwrite.run(personId);
        this.forget.run(erasedAt, personId);
        return { ...found, erasedAt };
      })
      .immediate(); // read then write: a deferred transaction could not upgrade if another process wrote
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return status;
  }

  close(): void {
    this.db.close();
  }
}
