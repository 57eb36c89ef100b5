/**
 * Nested components: a stateful board that renders stateful counters as children.
 * Each counter keeps its own count while the board adds, removes or renames —
 * the board's re-render gives every child the same id and params again, so the
 * browser keeps the child it has (docs/protocol.md, P1.3).
 *
 * The list is capped: every event re-renders every counter, and the state blob
 * can be replayed, so a board that grew without end would make each request
 * cost more. Weft refuses a render past `maxChildren` anyway (P4.2); the cap
 * here is the app saying so first, in a message a person can act on.
 */
import * as v from 'valibot';
import { Component, html } from 'weft';
import { Counter } from '../counter/counter.js';

/** Most counters on one board. */
export const MAX_COUNTERS = 20;

export interface BoardState {
  title: string;
  /** Keys of the counters on the board, in order; a key never comes back once removed. */
  counters: number[];
  nextKey: number;
}

export class Board extends Component<BoardState> {
  static override events = {
    addCounter: true,
    removeCounter: v.object({ key: v.number() }),
  };
  static override locked = ['counters', 'nextKey'];

  mount(): BoardState {
    return { title: 'My counters', counters: [1], nextKey: 2 };
  }

  addCounter(): void {
    if (this.state.counters.length >= MAX_COUNTERS) {
      this.errors.counters = `A board holds at most ${MAX_COUNTERS} counters. Remove one to add another.`;
      return;
    }
    this.state.counters.push(this.state.nextKey++);
  }

  removeCounter({ key }: { key: number }): void {
    this.state.counters = this.state.counters.filter((k) => k !== key);
  }

  override async render() {
    const { title, counters } = this.state;
    const items = [];
    for (const key of counters) {
      // The key keeps each counter's id stable when one before it is removed.
      items.push(html`<li class="board-item" data-key="${key}">${await this.child(Counter, {}, { key })}
<button type="button" class="remove" ${this.on('removeCounter', { key })}>Remove</button></li>`);
    }
    const full = counters.length >= MAX_COUNTERS;
    return html`<h2 class="title">${title}</h2>
<p><label>Title <input class="board-title" type="text" autocomplete="off" ${this.bind('title')}></label>
<button type="button" class="add" ${this.on('addCounter')} ${full ? html`disabled` : ''}>Add a counter</button>
<span class="count-of">${counters.length} of ${MAX_COUNTERS}</span></p>
${this.errors.counters ? html`<p class="error">${this.errors.counters}</p>` : ''}
<ol class="board">${items}</ol>`;
  }
}
