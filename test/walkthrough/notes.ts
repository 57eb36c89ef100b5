import type { DatabaseSync } from 'node:sqlite';
import { Component, html, IsAuthenticated } from 'weft';
import { z } from 'zod';
import { addNote, notesOf } from './db.js';

export interface User {
  name: string;
}

declare module 'weft' {
  // What every request hands to components as `context.locals`.
  interface Locals {
    db: DatabaseSync;
    user?: User;
  }
  // What components see as `this.user`.
  interface Register {
    user: User;
  }
}

export class Notes extends Component<{ author: string }> {
  // Signed-in users only: anyone else gets 401 "Authentication required".
  static override permissions = [IsAuthenticated];
  static override events = { add: z.object({ text: z.string().trim().min(1).max(500) }) };

  mount() {
    return { author: this.user?.name ?? '' };
  }
  add({ text }: { text: string }) {
    // The state blob is bound to the user it was issued to: another user's
    // request with it is refused before this runs.
    addNote(this.local('db'), this.state.author, text);
  }
  override render() {
    const notes = notesOf(this.local('db'), this.state.author);
    return html`<h2>${this.state.author}'s notes</h2>
      <ul>${notes.map((note) => html`<li>${note.text}</li>`)}</ul>
      <form ${this.on('add')}><input name="text" required> <button>Add</button></form>`;
  }
}
