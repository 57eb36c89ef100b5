import { DatabaseSync } from 'node:sqlite';

export interface Note {
  id: number;
  text: string;
}

export function openNotes(path = ':memory:'): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec('CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, author TEXT NOT NULL, text TEXT NOT NULL)');
  return db;
}

export function notesOf(db: DatabaseSync, author: string): Note[] {
  return db.prepare('SELECT id, text FROM notes WHERE author = ? ORDER BY id').all(author) as unknown as Note[];
}

export function addNote(db: DatabaseSync, author: string, text: string): void {
  db.prepare('INSERT INTO notes (author, text) VALUES (?, ?)').run(author, text);
}
