/**
 * @module
 * Weft as Express middleware. Requests no Weft route matches go to `next()`.
 * Mount it before body parsers. Mounted after `express.json()`, it re-serialises
 * the parsed body and applies the same limits; add `weftErrors()` after it so the
 * parser's own refusals (bad JSON, too large) reach the browser as Weft's JSON
 * errors rather than Express's HTML error page.
 *
 * @example
 * import express from 'express';
 * import { weft as weftMiddleware, weftErrors } from 'weft/express';
 * app.use(weftMiddleware(weft, { locals: (req, res) => ({ user: req.user }) }));
 * app.use(weftErrors(weft));
 */
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import type { Weft } from '../../core/app.js';
import { WeftError } from '../../core/errors.js';
import { createHttpHandler, jsonError } from '../../transport/http.js';
import { readNodeBody, toHttpRequest, writeResponse } from '../node/index.js';

export interface ExpressOptions {
  /** Values passed to components as `context.locals`. Default: `res.locals`. */
  locals?: (req: Request, res: Response) => Record<string, unknown>;
}

function bodyReader(req: Request) {
  return async (limit: number): Promise<string> => {
    const parsed: unknown = req.body;
    if (parsed === undefined || req.readable) return readNodeBody(req, limit);
    const text = typeof parsed === 'string' ? parsed : Buffer.isBuffer(parsed) ? parsed.toString('utf8') : JSON.stringify(parsed);
    if (Buffer.byteLength(text) > limit) {
      throw new WeftError(413, 'too_large', `request body is over the ${limit}-byte limit`, { limit });
    }
    return text;
  };
}

export function weft(app: Weft, options: ExpressOptions = {}) {
  const handle = createHttpHandler(app);
  return (req: Request, res: Response, next: NextFunction): void => {
    const locals = options.locals?.(req, res) ?? (res.locals as Record<string, unknown>);
    handle(toHttpRequest(req, req.ip ?? req.socket.remoteAddress ?? '', locals, bodyReader(req))).then((response) => {
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

/**
 * Error middleware: turns body-parser failures on Weft's event URLs into Weft's
 * JSON errors. Other errors and other URLs pass on to the next error handler.
 */
export function weftErrors(app: Weft): ErrorRequestHandler {
  const prefix = `${app.basePath}/`;
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    const type = (err as { type?: unknown } | null)?.type;
    const make = typeof type === 'string' && Object.hasOwn(PARSER_ERRORS, type) ? PARSER_ERRORS[type] : undefined;
    if (!make || !req.path.startsWith(prefix) || res.headersSent) return next(err);
    writeResponse(res, jsonError(make()));
  };
}
