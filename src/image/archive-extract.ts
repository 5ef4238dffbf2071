// Unpacks an image archive (`docker save`, `podman save`, an OCI layout tarball)
// into an empty scratch directory. The archive is untrusted, so only regular
// files are written, under names checked to stay inside the directory. Links
// are never created: podman's and older docker's archives use symlinks such as
// <id>/layer.tar -> ../<hex>.tar, so each is remembered as an alias of the
// member it names and followed when a member is looked up.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import tar from "tar-stream";
import { drainedOrClosed } from "../lib/drained.ts";
import { BunkerError } from "../lib/errors.ts";
import { decompress } from "./decompress.ts";

const MAX_LINK_HOPS = 16;

/** The member name as a clean relative path ("" for the root), refusing absolute names and "..". */
export function memberName(name: string): string {
  if (name.startsWith("/")) throw new BunkerError(`invalid archive: entry ${JSON.stringify(name)} has an absolute name`);
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new BunkerError(`invalid archive: entry ${JSON.stringify(name)} escapes the archive`);
  return parts.join("/");
}

/** Where a symlink in the archive points, as a member name; it must stay inside the archive. */
export function linkTarget(member: string, target: string): string {
  if (target.startsWith("/")) throw new BunkerError(`invalid archive: entry ${JSON.stringify(member)} links to an absolute path`);
  const parts = member.split("/").slice(0, -1);
  for (const p of target.split("/")) {
    if (p === "" || p === ".") continue;
    if (p !== "..") parts.push(p);
    else if (parts.pop() === undefined) throw new BunkerError(`invalid archive: entry ${JSON.stringify(member)} links outside the archive`);
  }
  return parts.join("/");
}

/** The files of an image archive on disk (extracted, or an OCI layout directory as it is), looked up by member name. */
export class UnpackedArchive {
  constructor(
    readonly dir: string,
    private readonly files: Set<string>,
    private readonly links: Map<string, string>,
    /** What errors call it: "invalid archive: …", "invalid OCI layout: …". */
    readonly label = "archive",
  ) {}

  /** An error about the archive's content. */
  invalid(message: string): BunkerError {
    return new BunkerError(`invalid ${this.label}: ${message}`);
  }

  /** The path on disk of a regular file in the archive, following the archive's links; undefined if there is none. */
  find(name: string): string | undefined {
    let member = memberName(name);
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      if (this.files.has(member)) return join(this.dir, member);
      const next = this.links.get(member);
      if (next === undefined) return undefined;
      member = next;
    }
    throw this.invalid(`too many links from ${JSON.stringify(name)}`);
  }

  /** Like find, but a missing file is an error naming what needed it. */
  path(name: string, what: string): string {
    const path = this.find(name);
    if (!path) throw this.invalid(`${what} ${JSON.stringify(name)} is not in the ${this.label}`);
    return path;
  }

  /** A metadata file (manifest, config, index), refused above `limit` bytes: it is read into memory. */
  read(name: string, what: string, limit: number): Buffer {
    const path = this.path(name, what);
    const size = statSync(path).size;
    if (size > limit) throw this.invalid(`${what} ${JSON.stringify(name)} is ${size} bytes, over the ${limit}-byte limit`);
    return readFileSync(path);
  }
}

/** An OCI layout directory as it is (the user's own files: its regular files are taken as they are, links not followed). */
export function layoutDirectory(dir: string): UnpackedArchive {
  const files = new Set<string>();
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const member = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(member);
      else if (entry.isFile()) files.add(member);
    }
  };
  walk("");
  return new UnpackedArchive(dir, files, new Map(), "OCI layout");
}

/** Extracts `input` (tar, or tar compressed with gzip or zstd) into the EXISTING empty directory `dir`. */
export async function extractArchive(input: AsyncIterable<Uint8Array>, dir: string): Promise<UnpackedArchive> {
  const files = new Set<string>();
  const links = new Map<string, string>();
  const extract = tar.extract();
  // Fed in the background with backpressure; extract's async iterator below sees any error.
  const feeding = (async () => {
    try {
      for await (const chunk of decompress(input)) {
        if (extract.destroyed) return;
        if (!extract.write(chunk)) await drainedOrClosed(extract);
      }
      extract.end(null);
    } catch (e) {
      extract.destroy(e as Error);
    }
  })();
  try {
    for await (const entry of extract) {
      const { header } = entry;
      const member = memberName(header.name);
      switch (header.type) {
        case "file":
        case "contiguous-file": {
          if (member === "") throw new BunkerError(`invalid archive: entry ${JSON.stringify(header.name)} is a file without a name`);
          mkdirSync(dirname(join(dir, member)), { recursive: true });
          // No link is ever created in `dir`, so opening a path in it cannot be redirected elsewhere.
          const fd = openSync(join(dir, member), "w", 0o600);
          try {
            for await (const chunk of entry as AsyncIterable<Uint8Array>) for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
          } finally {
            closeSync(fd);
          }
          files.add(member);
          links.delete(member); // a later entry of the same name replaces an earlier one, as tar does
          break;
        }
        case "directory":
          entry.resume();
          break;
        case "symlink":
        case "link": {
          // A symlink's target is relative to its directory; a hard link's names a member from the root.
          const linkname = header.linkname ?? "";
          links.set(member, header.type === "symlink" ? linkTarget(member, linkname) : memberName(linkname));
          files.delete(member);
          entry.resume();
          break;
        }
        default:
          throw new BunkerError(`invalid archive: entry ${JSON.stringify(header.name)} is a ${header.type}; an image archive holds only files`);
      }
    }
    await feeding;
  } catch (e) {
    extract.destroy();
    await feeding;
    if (e instanceof BunkerError) throw e;
    // tar-stream's "invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?": compression was handled already.
    const message = String((e as Error)?.message ?? e).split("\n")[0].replace(/\. Maybe .*$/, "");
    throw new BunkerError(`invalid archive: ${message.replace(/^./, (c) => c.toLowerCase())}`);
  }
  return new UnpackedArchive(dir, files, links);
}
