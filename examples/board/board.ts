/**
 * Nested components: a stateful board that renders stateful counters as children.
 * Each counter keeps its own count while the board adds, removes or renames —
 * the board's re-render gives every child the same id and params again, so the
 * browser keeps the child it has (docs/protocol.md, P1.3).
 */
import * as v from 'valibot';
import { Component, html } from 'weft';
import { Counter } from '../counter/counter.js';

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
    return html`<h2 class="title">${title}</h2>
<p><label>Title <input class="board-title" type="text" autocomplete="off" ${this.bind('title')}></label>
<button type="button" class="add" ${this.on('addCounter')}>Add a counter</button></p>
<ol class="board">${items}</ol>`;
  }
}
