import { Component, html } from 'weft';
import { z } from 'zod';

export class Counter extends Component<{ count: number }> {
  static override events = { increment: true, add: z.object({ by: z.number().int() }) };

  mount() {
    return { count: 0 };
  }
  increment() {
    this.state.count++;
  }
  add({ by }: { by: number }) {
    this.state.count += by;
  }
  override render() {
    return html`<output>${this.state.count}</output>
      <button ${this.on('increment')}>+1</button>
      <button ${this.on('add', { by: 10 })}>+10</button>`;
  }
}
