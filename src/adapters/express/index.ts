/**
 * @module
 * Weft as Express middleware. Requests no Weft route matches go to `next()`.
 * Mount it before body parsers. Mounted after `express.json()`, it re-serialises
 * the parsed body, but the parser has already applied its own size limit
 * (100 KB by default, not Weft's 1 MiB), so Weft warns once. Add `weftErrors()`
 * after it so the parser's own refusals (bad JSON, too large) reach the browser
 * as Weft's JSON errors rather than Express's HTML error page.
 *
 * @example
 * import express from 'express';
 * import { weft as weftMiddleware, weftErrors } from 'weft/express';
 * app.use(weftMiddleware(weft, { locals: (req, res) => ({ user: req.user }) }));
 * app.use(weftErrors(weft));
 */
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import type { Weft } from '../../app.js';
import { WeftError } from '../../core/errors.js';
import { createHttpHandler, jsonError } from '../../transport/http.js';
import { readNodeBody, toHttpRequest, writeResponse } from '../node/index.js';

export interface ExpressOptions {
  /**
   * Values passed to components as `context.locals`. Default: `res.locals`,
   * plus `user` from `req.user` (Passport and the like) when `res.locals` has
   * none, so `createWeft({ user: userFromLocals })` finds it.
   */
  locals?: (req: Request, res: Response) => Record<string, unknown>;
}

function expressLocals(req: Request, res: Response): Record<string, unknown> {
  const locals = res.locals as Record<string, unknown>;
  const user = (req as Request & { user?: unknown }).user;
  return user !== undefined && locals.user === undefined ? { ...locals, user } : locals;
}

function bodyReader(req: Request, parsedByOther: () => void) {
  return async (limit: number): Promise<string> => {
    const parsed: unknown = req.body;
    if (parsed === undefined || req.readable) return readNodeBody(req, limit);
    parsedByOther();
    const text = typeof parsed === 'string' ? parsed : Buffer.isBuffer(parsed) ? parsed.toString('utf8') : JSON.stringify(parsed);
    if (Buffer.byteLength(text) > limit) {
      throw new WeftError(413, 'too_large', `request body is over the ${limit}-byte limit`, { limit });
    }
    return text;
  };
}

export function weft(app: Weft, options: ExpressOptions = {}) {
  const handle = createHttpHandler(app);
  let warned = false;
  // An event body another parser read was cut at that parser's limit, not
  // Weft's: a bigger event fails there with its 413. Said once, not per event.
  const parsedByOther = (): void => {
    if (warned) return;
    warned = true;
    app.logger.warn(
      `Weft: a body parser mounted before Weft's middleware (express.json()?) read an event body, so its size limit applies to events instead of Weft's maxBodyBytes (${app.limits.maxBodyBytes} bytes); express.json()'s default is 100 KB. Mount Weft's middleware before the body parser, or give the parser the same limit: express.json({ limit: '1mb' }).`,
    );
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    const locals = options.locals?.(req, res) ?? expressLocals(req, res);
    // The socket's address: the app's `clientAddress` option, not Express's
    // `trust proxy` setting, decides how far forwarding headers are trusted, so
    // every adapter finds the same client.
    handle(toHttpRequest(req, req.socket.remoteAddress ?? '', locals, bodyReader(req, parsedByOther))).then((response) => {
      if (response) writeResponse(res, response);
      else next();
    }, next);
  };
}

/** body-parser's error types → Weft's errors (docs/protocol.md, P3.8). */
const PARSER_ERRORS: Record<string, () => WeftError> = {
  'entity.parse.failed': () => new WeftError(400, 'bad_json', 'body is not valid JSON'),
  'entity.too.large': () => new WeftError(413, 'too_large', 'request body is over the body parser\'s limit'),
  'encoding.unsupported': () => new WeftError(415, 'unsupported_media_type', 'unsupported body encoding'),
  'charset.unsupported': () => new WeftError(415, 'unsupported_media_type', 'unsupported body charset'),
};

/** The Weft error for a body-parser failure, or undefined for any other error. */
function parserError(err: unknown): WeftError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, status, expose, message } = err as { type?: unknown; status?: unknown; expose?: unknown; message?: unknown };
  if (typeof type === 'string') return Object.hasOwn(PARSER_ERRORS, type) ? PARSER_ERRORS[type]?.() : undefined;
  // body-parser raises an untyped, exposable 400 when the body cannot be decoded
  // (a corrupt gzip stream, say). 401/403 and the like are the app's to answer.
  if (status === 400 && expose === true) {
    return new WeftError(400, 'bad_request', `request body could not be read: ${String(message)}`);
  }
  return undefined;
}

/**
 * Error middleware: turns body-parser failures on Weft's event URLs into Weft's
 * JSON errors. Other errors and other URLs pass on to the next error handler.
 */
export function weftErrors(app: Weft): ErrorRequestHandler {
  const prefix = `${app.basePath}/`;
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    const mapped = req.path.startsWith(prefix) && !res.headersSent ? parserError(err) : undefined;
    if (!mapped) return next(err);
    writeResponse(res, jsonError(mapped));
  };
}

/** Serve live components' WebSocket on the server `app.listen()` returned (see `weft/node`). */
export { attachLive } from '../node/index.js';
