/**
 * Components that bring their own CSS and JS (`static css`, `static js`). A
 * page links each once, however many instances it shows; an event whose
 * response brings a component type the page has not shown yet brings that
 * type's CSS and JS with it (docs/composition.md, "Assets").
 *
 * - `Note`: CSS and JS in files next to this one.
 * - `Meter`: CSS written in the class, JS in a file. The board shows none until
 *   "Add a meter", so its files arrive with that event's response.
 * - `RoomWidgetBoard`: the same board, live: a meter added on one page is
 *   pushed to every page of the room, over its WebSocket, with the meter's
 *   files if that page has not loaded them yet.
 */
import * as v from 'valibot';
import { Component, html } from 'weft';

/** A note whose text shows and hides in the browser alone (note.js). */
export class Note extends Component<Record<string, never>, { title: string; text: string }> {
  static override css = new URL('./note.css', import.meta.url);
  static override js = new URL('./note.js', import.meta.url);

  mount() {
    return {};
  }

  override render() {
    return html`<div class="note">
<button type="button" class="note-toggle" aria-expanded="true">${this.params.title}</button>
<p class="note-body">${this.params.text}</p>
</div>`;
  }
}

/** A meter counted up in the browser alone (meter.js); the server renders it at 0. */
export class Meter extends Component<Record<string, never>> {
  static override css = `.meter { display: inline-flex; gap: 0.5em; align-items: center; margin-right: 1em; }
.meter-bar { display: inline-block; width: 3em; height: 0.75em; background-color: rgb(22, 163, 74); }`;
  static override js = new URL('./meter.js', import.meta.url);

  mount() {
    return {};
  }

  override render() {
    return html`<span class="meter"><span class="meter-bar"></span><output class="meter-value">0</output>
<button type="button" class="meter-bump">+1</button></span>`;
  }
}

/** Most meters on the board. */
export const MAX_METERS = 10;

/** Three notes, and the meters added so far. */
export class WidgetBoard<P extends object = Record<string, unknown>> extends Component<{ meters: number }, P> {
  static override events = { addMeter: true };
  static override locked = ['meters'];

  mount() {
    return { meters: 0 };
  }

  addMeter(): void {
    this.state.meters = Math.min(MAX_METERS, this.state.meters + 1);
  }

  override async render() {
    const notes = [];
    for (const [title, text] of [
      ['One page, one link', 'Three notes, and the page links note.css and note.js once.'],
      ['Behaviour', 'Each title shows and hides its text, with no request: note.js does it.'],
      ['New types', 'The first meter brings its CSS and JS with the response that adds it.'],
    ] as const) {
      notes.push(await this.child(Note, { title, text }));
    }
    const meters = [];
    for (let i = 0; i < this.state.meters; i++) meters.push(await this.child(Meter));
    return html`${notes}
<p><button type="button" class="add-meter" ${this.on('addMeter')}>Add a meter</button></p>
<div class="meters">${meters}</div>`;
  }
}

/**
 * A room's board: every page showing room `?room=` (letters and digits) shows
 * the meters any of them added.
 */
export class RoomWidgetBoard extends WidgetBoard<{ room?: string }> {
  static override events = {
    addMeter: true,
    setMeters: v.object({ meters: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_METERS)) }),
  };
  static override paramsSchema = v.object({ room: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9]{1,32}$/)), 'lobby') });

  override groups() {
    return [`widgets-${this.params.room ?? 'lobby'}`];
  }

  /** Adds a meter here, and tells the room's other pages how many there are now. */
  override async addMeter(): Promise<void> {
    super.addMeter();
    await this.broadcast(this.groups()[0] as string, 'setMeters', { meters: this.state.meters });
  }

  setMeters({ meters }: { meters: number }): void {
    this.state.meters = meters;
  }
}
