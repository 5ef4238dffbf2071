// OCI whiteout names (image-spec layer.md). A whiteout deletes a lower-layer path;
// the opaque marker hides a whole lower-layer directory.

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_MARKER = ".wh..wh..opq";

export type Whiteout =
  | { kind: "opaque" } // hide the lower contents of the parent directory
  | { kind: "remove"; name: string } // hide the sibling `name`
  | { kind: "meta" } // other ".wh..wh." names are AUFS bookkeeping: ignore
  | { kind: "invalid" }; // names nothing, or "." / "..": would hit the parent itself

/** Classifies the last path component of an entry; null when it is no whiteout. */
export function parseWhiteout(base: string): Whiteout | null {
  if (!base.startsWith(WHITEOUT_PREFIX)) return null;
  if (base === OPAQUE_MARKER) return { kind: "opaque" };
  if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return { kind: "meta" };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === "" || name === "." || name === "..") return { kind: "invalid" };
  return { kind: "remove", name };
}
