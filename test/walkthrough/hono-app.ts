import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { html } from 'hono/html';
import { scripts } from 'weft';
import { createFetchMiddleware } from 'weft/fetch';
import { openNotes } from './db.js';
import { Notes, type User } from './notes.js';
import { userFrom } from './session.js';
import { weft } from './weft.js';

const db = openNotes();
const app = new Hono<{ Variables: { user: User | undefined } }>();

app.use(async (c, next) => {
  c.set('user', userFrom(c.req.header('cookie')));
  await next();
});
// Weft's routes; everything else goes on to the app's routes and its notFound.
const weftRoutes = createFetchMiddleware(weft);
app.use(async (c, next) => {
  const locals = { db, user: c.get('user') };
  return (await weftRoutes(c.req.raw, { ip: getConnInfo(c).remote.address, locals })) ?? next();
});

app.get('/notes', async (c) => {
  const user = c.get('user');
  if (!user) return c.text('Please sign in', 401);
  // Weft's HTML goes into hono/html (and JSX) as it is, not escaped again.
  return c.html(html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Notes</title>${scripts()}</head>
<body><nav>My app</nav><main>${await weft.renderHtml(Notes, {}, { locals: { db, user } })}</main></body>
</html>`);
});

export const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) });
