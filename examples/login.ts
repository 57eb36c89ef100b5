/**
 * The examples' sign-in: a name, kept in a `user` cookie. It stands in for a
 * real login (use `createCookieSession()` or your framework's session for
 * that: this cookie is not signed) so the examples can show what Weft does
 * with a user: `this.user`, permissions, blobs bound to their user, live
 * sockets closed at sign-out.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Component, html, type UserInput, type Weft } from 'weft';
import { ExamplePage } from './layout.js';
import { stylesheetFallback } from './stylesheet.js';

const NAME = /^[A-Za-z0-9]{1,32}$/;

/** The name in the request's `user` cookie, if it holds a valid one. */
export function userOf(cookie: string | undefined): string | undefined {
  for (const part of (cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === 'user') {
      const value = part.slice(eq + 1).trim();
      return NAME.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/** The app's `user` option: a signed-in shopper, or anonymous. */
export function exampleUser({ request }: UserInput): { id: string } | undefined {
  const name = userOf(request.headers.cookie);
  return name === undefined ? undefined : { id: name };
}

/** Where to go after signing in: a path on this site, never another site. */
function safeNext(next: string | null): string {
  return next !== null && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/cart';
}

class LoginForm extends Component<Record<string, never>, { next?: string }> {
  mount() {
    return {};
  }
  override render() {
    return html`<form method="post" action="/login" class="login">
<input type="hidden" name="next" value="${safeNext(this.params.next ?? null)}">
<label>Name <input name="name" required pattern="[A-Za-z0-9]{1,32}" autocomplete="username"></label>
<button type="submit">Sign in</button>
</form>`;
  }
}

export class LoginPage extends ExamplePage<{ next?: string }> {
  protected readonly title = 'Sign in';
  protected async content() {
    return this.child(LoginForm, { ...(this.params.next !== undefined && { next: this.params.next }) });
  }
}
export { LoginForm };

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 4096) req.destroy(new Error('form too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

/** A form posted from another site is refused, as Weft refuses such events. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * `POST /login` and `POST /logout` for the examples, then the stylesheet
 * fallback for everything else.
 */
export function loginFallback(weft: Weft) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'POST' || (path !== '/login' && path !== '/logout')) return stylesheetFallback(req, res);
    if (!sameOrigin(req)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('cross-site form refused');
      return;
    }
    const form = await readForm(req).catch(() => undefined);
    if (!form) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('unreadable form');
      return;
    }
    if (path === '/logout') {
      const name = userOf(req.headers.cookie);
      // Open sockets of this shopper close, so nothing more reaches the old user's pages.
      if (name !== undefined) await weft.signOut({ id: name });
      res.writeHead(303, { location: '/', 'set-cookie': 'user=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly' }).end();
      return;
    }
    const name = form.get('name') ?? '';
    if (!NAME.test(name)) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('a name is letters and digits, at most 32');
      return;
    }
    res.writeHead(303, { location: safeNext(form.get('next')), 'set-cookie': `user=${name}; Path=/; SameSite=Lax; HttpOnly` }).end();
  };
}
