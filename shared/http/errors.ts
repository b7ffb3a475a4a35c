import type { HttpResponseInit } from '@azure/functions';

/** The one error shape every endpoint answers: `{ "error": { "code", "message" } }`. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** A rejection a handler can throw; the adapter turns it into the JSON error response. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

export function jsonError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): HttpResponseInit {
  const body: ErrorBody = { error: { code, message } };
  return {
    status,
    jsonBody: body,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  };
}

export function problemResponse(p: HttpProblem): HttpResponseInit {
  return jsonError(p.status, p.code, p.message, p.headers);
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status,
    jsonBody: body,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  };
}
