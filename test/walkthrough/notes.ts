import type { DatabaseSync } from 'node:sqlite';
import { Component, html, WeftError } from 'weft';
import { z } from 'zod';
import { addNote, notesOf } from './db.js';

export interface User {
  name: string;
}

// What every request hands to components as `context.locals`.
declare module 'weft' {
  interface Locals {
    db: DatabaseSync;
    user?: User;
  }
}

export class Notes extends Component<{ author: string }> {
  static override events = { add: z.object({ text: z.string().trim().min(1).max(500) }) };

  mount() {
    const user = this.context.locals.user;
    if (!user) throw new WeftError(401, 'signed_out', 'sign in to see your notes');
    return { author: user.name };
  }
  add({ text }: { text: string }) {
    // The state says whose notes these are; the request says who is asking.
    if (this.context.locals.user?.name !== this.state.author) {
      throw new WeftError(403, 'not_your_notes', 'these notes belong to another user');
    }
    addNote(this.local('db'), this.state.author, text);
  }
  override render() {
    const notes = notesOf(this.local('db'), this.state.author);
    return html`<h2>${this.state.author}'s notes</h2>
      <ul>${notes.map((note) => html`<li>${note.text}</li>`)}</ul>
      <form ${this.on('add')}><input name="text" required> <button>Add</button></form>`;
  }
}
