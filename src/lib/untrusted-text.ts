// Checks for text that comes from outside (image configs, Dockerfiles, compose
// files, env files, flags, API bodies) before it reaches a system call or a
// line of a file. A NUL cuts a C string short; a newline or carriage return
// starts a new line of /etc/hosts or resolv.conf. Values are quoted with
// JSON.stringify in messages, so the message itself stays one line.
import { BunkerError } from "./errors.ts";

/** The JSON path (Config.Env[2], Config.Volumes["/a"] as a key) of the first string or key holding a NUL, or null. */
export function findNul(value: unknown, path = ""): string | null {
  if (typeof value === "string") return value.includes("\0") ? path || "value" : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes("\0")) return `${path} key ${JSON.stringify(k)}`;
      const found = findNul(v, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return null;
}

/** Refuses an object (a container's config) with a NUL anywhere in it, as Go's exec refuses it: "invalid argument". */
export function refuseNul(value: unknown, what: string): void {
  const path = findNul(value);
  if (path) throw new BunkerError(`invalid argument: ${what} ${path} holds a NUL byte; remove it from the image, Dockerfile, compose file or flag it came from`);
}

/** True when S could be written as (part of) one line: no newline, carriage return or NUL. */
export const isOneLine = (s: string): boolean => !/[\n\r\0]/.test(s);

/** Refuses a value bound for a line of a file (/etc/hosts, resolv.conf) that would break out of it. */
export function requireOneLine(value: string, flag: string): void {
  if (!isOneLine(value)) throw new BunkerError(`invalid argument ${JSON.stringify(value)} for "${flag}" flag: it must not hold a newline, carriage return or NUL`);
}
