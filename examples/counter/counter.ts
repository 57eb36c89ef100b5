/**
 * The counter: the smallest stateful component. Two events without payload, one
 * with a validated payload, and an input bound to state with `bind()`.
 */
import * as v from 'valibot';
import { Component, html } from 'weft';

export interface CounterState {
  count: number;
  note: string;
}

export class Counter extends Component<CounterState, { start?: number }> {
  static override events = {
    increment: true,
    decrement: true,
    add: v.object({ by: v.pipe(v.number(), v.integer(), v.minValue(-100), v.maxValue(100)) }),
  };

  mount(): CounterState {
    return { count: Number(this.params.start ?? 0), note: '' };
  }

  increment(): void {
    this.state.count++;
  }

  decrement(): void {
    this.state.count--;
  }

  add({ by }: { by: number }): void {
    this.state.count += by;
  }

  override render() {
    return html`<p>Count: <output class="count">${this.state.count}</output></p>
<button type="button" class="dec" ${this.on('decrement')}>−1</button>
<button type="button" class="inc" ${this.on('increment')}>+1</button>
<button type="button" class="add10" ${this.on('add', { by: 10 })}>+10</button>
<p><label>Note <input class="note" type="text" autocomplete="off" ${this.bind('note')}></label></p>
<p class="echo">Saved note: ${this.state.note || '(empty)'}</p>`;
  }
}
