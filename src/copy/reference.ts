// Transport references, in containers/image's syntax (containers-transports(5)):
//   docker://NAME                  a registry
//   oci:PATH[:TAG]                 an OCI image layout directory; TAG is an index entry's ref.name
//   oci-archive:PATH[:TAG]         the same layout as a tar file
//   docker-archive:PATH[:NAME]     a `docker save` tar file; NAME a tag in its manifest.json
//   NAME                           docker's plain image name: the caller says where it points
// As there, the first ":" after the transport ends PATH, so a path cannot hold one.
import { BunkerError } from "../lib/errors.ts";
import { parseReference } from "../image/reference.ts";

export type TransportRef =
  | { transport: "name"; name: string }
  | { transport: "docker"; name: string }
  | { transport: "oci" | "oci-archive"; path: string; tag?: string }
  | { transport: "docker-archive"; path: string; name?: string };

const PATH_TRANSPORTS = ["oci", "oci-archive", "docker-archive"] as const;

/** containers/image transports bunker does not offer: named as such, never mistaken for an image name. */
const FOREIGN_TRANSPORTS = new Set(["containers-storage", "docker-daemon", "dir", "ostree", "sif", "tarball"]);

/** A ref.name as the OCI layout spec allows it (a tag, or a whole reference). */
const OCI_REF_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/;

const SUPPORTED = "use docker://, oci:, oci-archive: or docker-archive:";

export function parseTransportRef(input: string): TransportRef {
  const m = /^([a-z][a-z0-9-]*):(.*)$/s.exec(input);
  if (!m) return { transport: "name", name: input };
  const [, prefix, rest] = m;
  // `docker:dind` is the image docker, tag dind: only `docker://` names the transport.
  if (prefix === "docker" && rest.startsWith("//")) return { transport: "docker", name: checkName(rest.slice(2), input) };
  if ((PATH_TRANSPORTS as readonly string[]).includes(prefix)) return pathRef(prefix as (typeof PATH_TRANSPORTS)[number], rest, input);
  // `localhost:5000/x` and `busybox:1` are names; `foo:/x` and `foo://x` can only mean a transport.
  if (FOREIGN_TRANSPORTS.has(prefix) || /^[/.]/.test(rest)) throw new BunkerError(`unsupported transport "${prefix}" in "${input}": ${SUPPORTED}`);
  return { transport: "name", name: input };
}

function pathRef(transport: (typeof PATH_TRANSPORTS)[number], rest: string, input: string): TransportRef {
  const colon = rest.indexOf(":");
  const path = colon < 0 ? rest : rest.slice(0, colon);
  const tag = colon < 0 ? undefined : rest.slice(colon + 1);
  if (path === "") throw new BunkerError(`invalid reference "${input}": ${transport}: needs a path`);
  if (tag === "") throw new BunkerError(`invalid reference "${input}": empty name after the path`);
  if (transport === "docker-archive") {
    if (tag !== undefined && parseReference(tag).digest) throw new BunkerError(`invalid reference "${input}": a docker-archive name cannot have a digest`);
    return { transport, path, name: tag };
  }
  if (tag !== undefined && !OCI_REF_NAME.test(tag)) throw new BunkerError(`invalid reference "${input}": invalid OCI reference name "${tag}"`);
  return { transport, path, tag };
}

function checkName(name: string, input: string): string {
  if (name === "") throw new BunkerError(`invalid reference "${input}": docker:// needs an image name`);
  return name;
}
