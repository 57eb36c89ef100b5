/**
 * What the example pages share: a small stylesheet and the page around each
 * example (title, link back to the index, heading).
 */
import { Component, type ComponentClass, html, page, type SafeHtml } from 'weft';

/**
 * Passed to `page({ head })`. Kept inline so the examples need no static-file
 * route; a component that owns its CSS would ship it with the component instead.
 */
export const exampleStyles = html`<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
  body { margin: 0; }
  main { max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
  a { color: #2563eb; }
  button { font: inherit; padding: .3rem .8rem; border-radius: .4rem; border: 1px solid #94a3b8; background: Canvas; color: CanvasText; cursor: pointer; }
  button:hover:not(:disabled) { border-color: #2563eb; }
  button:disabled { opacity: .45; cursor: not-allowed; }
  input[type=text] { font: inherit; padding: .25rem .5rem; border: 1px solid #94a3b8; border-radius: .4rem; }
  button.primary, button.add-to-cart:not(:disabled) { background: #2563eb; border-color: #2563eb; color: white; }
  button.selected { outline: 2px solid #2563eb; outline-offset: 1px; }
  .htmx-request { opacity: .7; transition: opacity .2s; }
  [weft-error] { outline: 2px solid #b91c1c; outline-offset: 4px; }
  .sizes { display: flex; gap: .5rem; margin: 1rem 0; }
  .low-stock { display: block; font-size: .75rem; color: #b45309; }
  .error { color: #b91c1c; }
  .brand, .description { color: GrayText; margin: 0; }
  .price { font-size: 1.25rem; font-weight: 600; }
  output.count { font-size: 2rem; font-weight: 600; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #cbd5e1; }
  .items { padding-left: 1.2rem; }
  .product-layout { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 2rem; }
  html.weft-disconnected [weft-live] { opacity: .6; }
</style>`;

/**
 * A page that shows one example. Pages declare no events, so they render bare
 * (no state) and are simply re-rendered on each GET.
 */
export abstract class ExamplePage<P extends object = Record<string, never>> extends Component<Record<string, never>, P> {
  /** The document title and the page's heading. */
  protected abstract readonly title: string;
  /** False when the example shows its own heading. */
  protected readonly heading: boolean = true;

  mount() {
    return {};
  }

  /** The example itself, below the heading. */
  protected abstract content(): Promise<SafeHtml>;

  override async render() {
    return page({
      head: exampleStyles,
      title: this.title,
      body: html`<main>
<p><a href="/">← Examples</a></p>
${this.heading && html`<h1>${this.title}</h1>`}
${await this.content()}
</main>`,
    });
  }
}

/** A page that shows one component under a heading, and nothing else. */
export function pageOf(title: string, type: ComponentClass): ComponentClass {
  return class extends ExamplePage {
    protected readonly title = title;
    protected async content() {
      return this.child(type);
    }
  };
}
