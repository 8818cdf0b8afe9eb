import type { ErrorBody, FieldIssue } from "../../worker/views/index.ts";

/** What an error answer says: the API's error body, or `http_error` for an answer without one. */
type ErrorAnswer = Omit<ErrorBody["error"], "code"> & { code: ErrorBody["error"]["code"] | "http_error" };

/** An API call that answered with an error. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, body: ErrorAnswer) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    this.details = body.details;
  }

  /** The field issues of a `validation_failed` answer; empty for any other error. */
  get issues(): FieldIssue[] {
    const issues = this.details?.issues;
    if (!Array.isArray(issues)) return [];
    return issues.filter(
      (i): i is FieldIssue => typeof i === "object" && i !== null && typeof i.path === "string" && typeof i.message === "string",
    );
  }

  /** Seconds to wait before retrying a 429 `rate_limited` answer, when the API said. */
  get retryAfterSeconds(): number | undefined {
    const seconds = this.details?.retryAfterSeconds;
    return typeof seconds === "number" && Number.isFinite(seconds) ? seconds : undefined;
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === "object" && value !== null && "error" in value;
}

/** Calls the API with the session cookie; throws {@link ApiError} on an error answer. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  const response = await fetch(path, { ...init, headers, credentials: "same-origin" });
  const body: unknown = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      isErrorBody(body) ? body.error : { code: "http_error", message: `HTTP ${response.status}` },
    );
  }
  return body as T;
}

/** POSTs `body` as JSON. */
export function post<T>(path: string, body?: unknown): Promise<T> {
  return api<T>(path, { method: "POST", ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** A short, human sentence for an error a page cannot place anywhere more specific. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === "rate_limited") return `Too many requests. ${retryText(error.retryAfterSeconds)}`;
    return error.message;
  }
  return "The server did not answer. Check your connection and try again.";
}

/** "Try again in 3 minutes." from a number of seconds. */
export function retryText(seconds: number | undefined): string {
  if (seconds === undefined) return "Try again later.";
  if (seconds < 60) return `Try again in ${seconds} second${seconds === 1 ? "" : "s"}.`;
  const minutes = Math.ceil(seconds / 60);
  return `Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}
