import type { Hook } from "@hono/zod-openapi";
import type { z } from "zod";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import type { FieldIssue } from "../views/error.ts";

/** At most this many issues are answered, each path and message shortened: a 400 stays small whatever was sent. */
export const maxIssues = 20;
const maxIssueText = 300;

const shorten = (text: string) => (text.length > maxIssueText ? `${text.slice(0, maxIssueText - 1)}…` : text);

export function describeIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.slice(0, maxIssues).map((issue) => ({
    path: shorten(issue.path.map(String).join(".")),
    message: shorten(issue.message),
  }));
}

/** Turns every zod failure at the edge into 400 `validation_failed` with the issues. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) {
    throw new AppError("validation_failed", "The request is invalid.", {
      issues: describeIssues(result.error),
    });
  }
};
