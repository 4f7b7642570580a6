import type { IncomingMessage, ServerResponse } from "node:http";

/** Small node:http helpers and Polar's error bodies, shared by the API, the pages and admin. */

export interface ValidationIssue {
  loc: Array<string | number>;
  msg: string;
  type: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
}

/** An error answered in Polar's own shape; thrown anywhere below a route handler. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

/** FastAPI's request validation error, which the SDK parses as `HTTPValidationError`. */
export const validationError = (...detail: ValidationIssue[]): ApiError => new ApiError(422, { detail });

/**
 * Polar's 422 as its handler writes it (server/polar/exception_handlers.py): the exception's
 * class next to the items, `RequestValidationError` for the request's schema and
 * `PolarRequestValidationError` for what a service refuses after it.
 */
export const namedValidationError = (error: "RequestValidationError" | "PolarRequestValidationError", detail: ValidationIssue[]): ApiError =>
  new ApiError(422, { error, detail });

/** Polar's `ResourceNotFound`, which the SDK parses as its `ResourceNotFound` error. */
export const notFound = (): ApiError => new ApiError(404, { error: "ResourceNotFound", detail: "Not found" });

const INVALID_TOKEN_DESCRIPTION = "The access token provided is expired, revoked, malformed, or invalid for other reasons.";

/** Polar's answer to a missing, unknown or revoked token (RFC 6750 style). */
export const invalidToken = (): ApiError =>
  new ApiError(
    401,
    { error: "invalid_token", error_description: INVALID_TOKEN_DESCRIPTION },
    { "www-authenticate": `Bearer error="invalid_token", error_description="${INVALID_TOKEN_DESCRIPTION}"` },
  );

const MAX_BODY_BYTES = 1_000_000;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, { detail: "Request body too large" });
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** FastAPI's answer to a body that is not JSON: a 422 whose `loc` points at the offending byte. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = Number(/position (\d+)/.exec((error as Error).message)?.[1] ?? 0);
    throw validationError({ type: "json_invalid", loc: ["body", position], msg: "JSON decode error", input: {}, ctx: { error: (error as Error).message } });
  }
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams(await readBody(req));
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  // Exactly `application/json` as FastAPI sends it: the SDK's error messages mention any other.
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // No scripts at all on the emulator's pages; styles are inline.
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'",
};

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { ...PAGE_HEADERS, "content-length": Buffer.byteLength(html) });
  res.end(html);
}

/** 303 so that the browser follows a form POST with a GET. */
export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, "content-length": 0, "cache-control": "no-store" });
  res.end();
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
