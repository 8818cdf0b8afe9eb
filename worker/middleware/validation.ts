import type { Hook } from "@hono/zod-openapi";
import type { z } from "zod";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import type { FieldIssue } from "../views/error.ts";

export function describeIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
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
