import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestClient } from 'weft/testing';
import { openNotes } from './db.js';
import { Notes } from './notes.js';
import { weft } from './weft.js';

test('a user adds a note over HTTP', async () => {
  const db = openNotes();
  const ada = { name: 'ada' };
  const client = await createTestClient(weft, { locals: { db, user: ada } });
  try {
    const first = await weft.render(Notes, {}, { locals: { db, user: ada } });
    const res = await client.fire(Notes, first.blob, 'add', { text: 'Buy milk' });
    assert.equal(res.status, 200);
    assert.match(res.text, /<li>Buy milk<\/li>/);

    const empty = await client.fire(Notes, res.state, 'add', { text: '  ' });
    assert.equal(empty.status, 422);
  } finally {
    await client.close();
  }
});

test('another user cannot add to ada\'s notes', async () => {
  const db = openNotes();
  const adas = await weft.render(Notes, {}, { locals: { db, user: { name: 'ada' } } });
  const client = await createTestClient(weft, { locals: { db, user: { name: 'mallory' } } });
  try {
    const res = await client.fire(Notes, adas.blob, 'add', { text: 'hi' });
    assert.equal(res.status, 403);
    assert.equal(res.json?.code, 'state_user');
  } finally {
    await client.close();
  }
});
