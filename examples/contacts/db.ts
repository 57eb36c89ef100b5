/**
 * The contacts table for the click-to-load example, in an in-memory node:sqlite
 * database seeded with 100 deterministic rows.
 */
import { DatabaseSync } from 'node:sqlite';

export interface Contact {
  id: number;
  first_name: string;
  last_name: string;
  email: string;
  status: string;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'Dennis'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Allen', 'Ritchie'];

export function openContacts(count = 100): DatabaseSync {
  const db = new DatabaseSync(':memory:');
  db.exec(`CREATE TABLE contacts (
    id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    email TEXT NOT NULL, status TEXT NOT NULL)`);
  const insert = db.prepare('INSERT INTO contacts (id, first_name, last_name, email, status) VALUES (?, ?, ?, ?, ?)');
  db.exec('BEGIN');
  for (let id = 1; id <= count; id++) {
    const first = FIRST[(id - 1) % FIRST.length] as string;
    const last = LAST[Math.floor((id - 1) / FIRST.length) % LAST.length] as string;
    insert.run(id, first, last, `${first}.${last}.${id}@example.com`.toLowerCase(), id % 7 === 0 ? 'Inactive' : 'Active');
  }
  db.exec('COMMIT');
  return db;
}

/** One page of contacts, ordered by id, and whether another page follows. */
export function contactsPage(db: DatabaseSync, page: number, perPage: number): { rows: Contact[]; hasNext: boolean } {
  const rows = db
    .prepare('SELECT id, first_name, last_name, email, status FROM contacts ORDER BY id LIMIT ? OFFSET ?')
    .all(perPage + 1, (page - 1) * perPage) as unknown as Contact[];
  return { rows: rows.slice(0, perPage), hasNext: rows.length > perPage };
}
