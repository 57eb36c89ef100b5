import { Component, createWeft, html, page, registry } from 'weft';
import { serve } from 'weft/node';
import { Counter } from './counter.js';

class Home extends Component<Record<string, never>> {
  mount() {
    return {};
  }
  override async render() {
    return page({ title: 'Home', body: html`<h1>Counter</h1>${await this.child(Counter)}` });
  }
}

registry.register('counter', Counter); // or decorate the class: @component('counter')
registry.register('home', Home);
const weft = createWeft().view('/', Home); // reads WEFT_SECRET; required in production
await serve(weft, { port: Number(process.env.PORT ?? 3000) });
