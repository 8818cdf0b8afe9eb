import { z } from "@hono/zod-openapi";
import { errorStatus, type AppError, type ErrorCode } from "../errors.ts";

const errorCodes = Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]];

/** The body of every error answer (docs/architecture.md: one shape, a stable code). */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
      requestId: z.string().optional(),
    }),
  })
  .openapi("Error");
export type ErrorBody = z.infer<typeof ErrorResponse>;

/** One field problem of a 400 `validation_failed` answer (`details.issues`). */
export interface FieldIssue {
  path: string;
  message: string;
}

export function errorBody(error: AppError, requestId?: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
      ...(requestId ? { requestId } : {}),
    },
  };
}
