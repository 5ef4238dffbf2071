// Image references, normalised exactly as docker does:
//   busybox -> docker.io/library/busybox:latest, and displayed without docker.io/library/.
import { BunkerError } from "../lib/errors.ts";
import { isDigest } from "./digest.ts";

export interface Reference {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

export const DEFAULT_DOMAIN = "docker.io";
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;

export function parseReference(input: string): Reference {
  const bad = (why: string) => new BunkerError(`invalid reference format: "${input}": ${why}`);
  // As docker: a bare 64-hex string is an image id, never a name.
  if (/^[a-f0-9]{64}$/.test(input)) throw bad("cannot specify 64-byte hexadecimal strings");
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw bad("invalid digest");
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad("invalid tag");
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf("/");
  const first = slash >= 0 ? rest.slice(0, slash) : "";
  if (slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase())) {
    if (!DOMAIN.test(first)) throw bad("invalid registry host");
    domain = first === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : first;
    path = rest.slice(slash + 1);
  }
  if (path === "") throw bad("empty name");
  for (const c of path.split("/")) {
    if (c !== c.toLowerCase()) throw bad("repository name must be lowercase");
    if (!COMPONENT.test(c)) throw bad("invalid repository name");
  }
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = `library/${path}`;
  if (!tag && !digest) tag = "latest";
  return { domain, path, tag, digest };
}

/** The repository as docker displays it: docker.io/library/x -> x, docker.io/u/x -> u/x. */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  return ref.path.startsWith("library/") ? ref.path.slice("library/".length) : ref.path;
}

export function fullName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The canonical string stored in the image index, e.g. docker.io/library/busybox:latest. */
export function canonical(ref: Reference): string {
  return `${fullName(ref)}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** Splits a canonical name:tag back into display repository and tag. */
export function displayParts(canonicalRef: string): { repository: string; tag: string } {
  const ref = parseReference(canonicalRef);
  return { repository: familiarName(ref), tag: ref.tag ?? "<none>" };
}

/** A canonical name as docker prints a tag: busybox:latest, localhost:5000/x:v1. */
export function familiarTag(canonicalRef: string): string {
  const { repository, tag } = displayParts(canonicalRef);
  return `${repository}:${tag}`;
}

/** The reference, or undefined when the input is no image name (an id prefix, an OCI ref.name like "v1.0+x"). */
export function tryParseReference(input: string): Reference | undefined {
  try {
    return parseReference(input);
  } catch {
    return undefined;
  }
}

/** The canonical form of a name, or undefined when it is none. */
export function tryCanonical(input: string): string | undefined {
  const parsed = tryParseReference(input);
  return parsed && canonical(parsed);
}
