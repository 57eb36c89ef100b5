/**
 * What the example pages share: a small stylesheet and the page around each
 * example (title, link back to the index, heading).
 */
import { Component, type ComponentClass, html, page, type SafeHtml } from 'weft';
import { STYLESHEET_PATH } from './stylesheet.js';

/** Passed to `page({ head })`: the examples' stylesheet, a file (no inline style). */
export const exampleStyles = html`<link rel="stylesheet" href="${STYLESHEET_PATH}">`;

/**
 * The Content-Security-Policy nonce the host made for this response, if its
 * policy uses one: the host puts it in `locals.cspNonce`, and `page()` writes it
 * on the script tags.
 */
export function cspNonce(locals: Record<string, unknown>): string | undefined {
  return typeof locals.cspNonce === 'string' ? locals.cspNonce : undefined;
}

/**
 * A page that shows one example. Pages declare no events, so they render bare
 * (no state) and are simply re-rendered on each GET.
 */
export abstract class ExamplePage<P extends object = Record<string, never>> extends Component<Record<string, never>, P> {
  /** The document title and the page's heading. */
  protected abstract readonly title: string;
  /** False when the example shows its own heading. */
  protected readonly heading: boolean = true;
  /** True for a page that shows a streamed component with Weft's own client (`weft-stream`). */
  protected readonly stream: boolean = false;
  /** More for `<head>`, after the examples' stylesheet (an htmx extension's script, say). */
  protected head(): SafeHtml | undefined {
    return undefined;
  }

  mount() {
    return {};
  }

  /** The example itself, below the heading. */
  protected abstract content(): Promise<SafeHtml>;

  override async render() {
    return page({
      head: html`${exampleStyles}${this.head()}`,
      nonce: cspNonce(this.context.locals),
      stream: this.stream,
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
