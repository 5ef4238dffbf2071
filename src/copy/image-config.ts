// An image config as it arrives from a registry or an archive: untrusted, so
// validated before anything is read from it, and its diff_ids must match the
// layers the image brings.
import { type ImageConfig, ImageConfigSchema } from "../image/config.ts";
import { firstIssue, parseJsonBytes } from "../image/json.ts";
import { BunkerError } from "../lib/errors.ts";

/**
 * `what` starts every error, e.g. "invalid archive: config c.json", followed by " is not JSON",
 * ": <field>: <problem>" or " lists N layers, but <layersWhat> M" (e.g. "the manifest has").
 */
export function parseImageConfig(bytes: Uint8Array, layers: number, what: string, layersWhat: string): ImageConfig {
  const parsed = ImageConfigSchema.safeParse(parseJsonBytes(bytes, () => new BunkerError(`${what} is not JSON`)));
  if (!parsed.success) throw new BunkerError(`${what}: ${firstIssue(parsed.error)}`);
  const count = parsed.data.rootfs.diff_ids.length;
  if (count !== layers) throw new BunkerError(`${what} lists ${count} layers, but ${layersWhat} ${layers}`);
  return parsed.data;
}
