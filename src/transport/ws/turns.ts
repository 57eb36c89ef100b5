/**
 * @module
 * Spreads the work of a large group message over event-loop turns.
 *
 * A message to a group of ten thousand pages means ten thousand roots to run
 * and render. Started all at once, each root's async steps interleave with all
 * the others', so every root's intermediate strings and buffers are alive at
 * the same time (the garbage collector then copies and promotes them), no
 * socket gets its push until nearly all are rendered, and other sockets'
 * messages wait behind the whole batch. Started a slice at a time, a root
 * usually runs from message to sent frame before the next slice starts.
 *
 * Starts keep their arrival order across every socket of the process, so each
 * root still sees its group messages in the order they came.
 */

/** Roots started per turn. Enough that a small group starts at once; small enough that one slice's garbage stays young. */
export const PER_TURN = 64;

/** Calls each start in arrival order: up to {@link PER_TURN} per event-loop turn, the rest on later turns. */
export class TurnQueue {
  readonly #perTurn: number;
  #waiting: (() => void)[] = [];
  #next = 0;
  #startedThisTurn = 0;
  #scheduled = false;

  constructor(perTurn = PER_TURN) {
    this.#perTurn = perTurn;
  }

  /** Starts waiting (not yet started). */
  get size(): number {
    return this.#waiting.length - this.#next;
  }

  start(fn: () => void): void {
    if (this.size === 0 && this.#startedThisTurn < this.#perTurn) {
      this.#startedThisTurn++;
      this.#schedule();
      fn();
      return;
    }
    this.#waiting.push(fn);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate runs after the poll phase: other sockets' messages are read between slices.
    setImmediate(() => this.#turn());
  }

  #turn(): void {
    this.#scheduled = false;
    this.#startedThisTurn = 0;
    while (this.size > 0 && this.#startedThisTurn < this.#perTurn) {
      const fn = this.#waiting[this.#next] as () => void;
      this.#waiting[this.#next++] = noop; // let it be collected
      this.#startedThisTurn++;
      fn();
    }
    if (this.size === 0) {
      this.#waiting = [];
      this.#next = 0;
    }
    // Another turn to run what is left, or to reset the count after a busy one.
    if (this.size > 0 || this.#startedThisTurn > 0) this.#schedule();
  }
}

function noop(): void {}
