// A request's JSON body checked against its zod schema at the edge: a body that
// does not fit is a 400 naming the first field that is wrong, as dockerd names it.
import type { z } from "zod";
import { ApiError } from "./errors.ts";

export function parseBody<T extends z.ZodTypeAny>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join(".");
  throw new ApiError(400, field ? `invalid ${field}: ${issue.message}` : `invalid request body: ${issue.message}`);
}
