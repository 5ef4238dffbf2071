// The X-Registry-Auth header: the credentials the docker client sends with
// pull, push and distribution requests, base64url of a JSON AuthConfig. The
// service uses them for that request only; without them it uses the stored ones.
import type { IncomingMessage } from "node:http";
import type { Credentials } from "../registry/credentials.ts";
import { ApiError } from "./errors.ts";

export function registryAuth(req: IncomingMessage): Credentials | undefined {
  const header = req.headers["x-registry-auth"];
  if (typeof header !== "string" || header === "") return undefined;
  let auth: { username?: unknown; password?: unknown; identitytoken?: unknown };
  try {
    auth = JSON.parse(Buffer.from(header, "base64").toString("utf8")); // Node's base64 decoder also takes the URL alphabet
  } catch {
    throw new ApiError(400, "invalid X-Registry-Auth header: not base64 JSON");
  }
  if (typeof auth?.username === "string" && auth.username !== "" && typeof auth.password === "string") return { username: auth.username, password: auth.password };
  return undefined;
}
