import express from 'express';
import { html, type SafeHtml, scripts } from 'weft';
import { attachLive, weft as weftMiddleware } from 'weft/express';
import { openNotes } from './db.js';
import { Notes } from './notes.js';
import { userFrom } from './session.js';
import { weft } from './weft.js';

const db = openNotes();
const app = express();

// Your login: whatever puts the user on the request.
app.use((req, res, next) => {
  res.locals.user = userFrom(req.headers.cookie);
  next();
});
// Weft's event endpoints, assets and views; everything else goes on to the app.
// Before express.json(): Weft reads its own event bodies, with its own limit.
app.use(weftMiddleware(weft, { locals: (_req, res) => ({ db, user: res.locals.user }) }));
app.use(express.json());

// The app's own layout, with Weft's scripts in <head>.
function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title>${scripts()}</head>
<body><nav>My app</nav><main>${body}</main></body>
</html>`.toString();
}

app.get('/notes', async (_req, res) => {
  const user = res.locals.user;
  if (!user) {
    res.status(401).send('Please sign in');
    return;
  }
  res.send(layout('Notes', await weft.renderHtml(Notes, {}, { locals: { db, user } })));
});

export const server = app.listen(Number(process.env.PORT ?? 3000));
attachLive(server, weft, { locals: (req) => ({ db, user: userFrom(req.headers.cookie) }) });
