/** The sign-up form driven with no server: field errors, kept input, success. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeftError, mountComponent } from 'weft/testing';
import { Signup } from './signup.js';

describe('Signup', () => {
  it('renders an empty form with no errors', async () => {
    const form = await mountComponent(Signup);
    assert.match(form.html, /<form hx-post="\/components\/signup\/"/);
    assert.doesNotMatch(form.html, /class="error"/);
  });

  it('shows one message per wrong field and keeps what was typed', async () => {
    const form = await mountComponent(Signup);
    const html = await form.fire('submit', { name: '  ', email: 'ada@', plan: 'gold' });
    assert.deepEqual(form.errors, {
      name: 'Tell us your name.',
      email: 'That does not look like an email address.',
      plan: 'Pick a plan.',
    });
    assert.match(html, /<span class="error" data-for="email">That does not look like an email address\.<\/span>/);
    assert.match(html, /name="email" value="ada@"/);
    assert.equal(form.state.welcome, null);
  });

  it('escapes what the user typed when it comes back', async () => {
    const form = await mountComponent(Signup);
    const html = await form.fire('submit', { name: '<b>x</b>', email: '"><script>', plan: 'free' });
    assert.match(html, /value="&lt;b&gt;x&lt;\/b&gt;"/);
    assert.doesNotMatch(html, /<script>/);
  });

  it('welcomes a valid sign-up, and reset starts again', async () => {
    const form = await mountComponent(Signup);
    const html = await form.fire('submit', { name: ' Ada ', email: 'ada@example.com', plan: 'pro' });
    assert.deepEqual(form.errors, {});
    assert.match(html, /Welcome, Ada! A pro account is on its way to ada@example\.com\./);
    await form.fire('reset');
    assert.deepEqual(form.state, { name: '', email: '', plan: '', welcome: null });
  });

  it('refuses a payload a form cannot send (422) before the handler runs, keeping its state', async () => {
    const form = await mountComponent(Signup);
    for (const payload of [{ name: { toString: 1 } }, { email: ['a@b.c'] }, { plan: 1 }, { name: 'x'.repeat(201) }]) {
      await assert.rejects(form.fire('submit', payload as never), isWeftError(422, 'invalid_payload'));
    }
    assert.deepEqual(form.state, { name: '', email: '', plan: '', welcome: null });
  });

  it('shows the messages when a field is missing altogether', async () => {
    const form = await mountComponent(Signup);
    await form.fire('submit', {});
    assert.deepEqual(Object.keys(form.errors).sort(), ['email', 'name', 'plan']);
  });

  it('never takes state from the browser', async () => {
    const form = await mountComponent(Signup);
    await assert.rejects(form.fire('submit', {}, { updates: { welcome: 'hi' } }), isWeftError(400, 'locked_field'));
  });
});
