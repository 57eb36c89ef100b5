/**
 * @module
 * Throttles clients that keep sending state blobs with bad signatures: someone
 * guessing at a secret or fuzzing the endpoint. After `points` failures within
 * `durationSeconds` a client gets 429 with `Retry-After` until the window ends
 * (Livewire v4 does the same: 10 checksum failures per IP in 600 s).
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { WeftError } from '../core/errors.js';

export interface SignatureThrottleOptions {
  points: number;
  durationSeconds: number;
}

export class SignatureThrottle {
  readonly #limiter: RateLimiterMemory;
  readonly #points: number;

  constructor(options: SignatureThrottleOptions) {
    this.#points = options.points;
    this.#limiter = new RateLimiterMemory({
      keyPrefix: 'weft-sig',
      points: options.points,
      duration: options.durationSeconds,
    });
  }

  /** Throws 429 if `client` has used up its failures. */
  async check(client: string): Promise<void> {
    const res = await this.#limiter.get(client);
    if (res && res.consumedPoints >= this.#points) throw this.#tooMany(res);
  }

  /** Counts one failure against `client`. */
  async fail(client: string): Promise<void> {
    try {
      await this.#limiter.consume(client);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
    }
  }

  #tooMany(res: RateLimiterRes): WeftError {
    const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    return new WeftError(
      429,
      'throttled',
      `too many requests with invalid state signatures; retry in ${retryAfter}s`,
      { retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  }
}
