// `run`/`create` find their image locally, pulling it per --pull (missing, always, never) as docker does.
import { parseReference, familiarName } from "../image/reference.ts";
import { BunkerError, NotFoundError } from "../lib/errors.ts";
import type { Engine } from "./engine.ts";
import type { CopyEvents } from "../copy/types.ts";

export type PullPolicy = "missing" | "always" | "never";

export function parsePullPolicy(value: string | undefined): PullPolicy {
  const v = value ?? "missing";
  if (v !== "missing" && v !== "always" && v !== "never") throw new BunkerError(`invalid pull option: '${v}': must be one of "always", "missing" or "never"`);
  return v;
}

export async function ensureImage(engine: Engine, image: string, policy: PullPolicy, events: CopyEvents, platform?: string): Promise<void> {
  if (policy !== "always") {
    try {
      const found = engine.images.resolve(image);
      if (platform) await refuseOtherPlatform(engine, image, found.id, platform);
      return;
    } catch (e) {
      if (!(e instanceof NotFoundError) || policy === "never") throw e;
    }
    const ref = parseReference(image);
    process.stderr.write(`Unable to find image '${familiarName(ref)}${ref.digest ? `@${ref.digest}` : `:${ref.tag}`}' locally\n`);
  }
  // Imported only now (its own chunk): the registry client and manifest schemas would cost every `run` a few ms to load.
  const { pullImage } = await import("./pull-image.ts");
  await pullImage(engine, image, { events, platform });
}

/** As docker: --platform names what the local image must be; one of another platform is not silently run. */
async function refuseOtherPlatform(engine: Engine, image: string, id: string, platform: string): Promise<void> {
  // Loaded only for --platform: the manifest module's schemas cost every other run.
  const { formatPlatform, parsePlatform } = await import("../image/manifest.ts");
  const want = parsePlatform(platform);
  const config = engine.images.readConfig(id);
  const have = { os: config.os ?? "", architecture: config.architecture ?? "", variant: config.variant };
  if (have.os === want.os && have.architecture === want.architecture && (!want.variant || have.variant === want.variant)) return;
  throw new BunkerError(`image with reference ${image} was found but its platform (${formatPlatform(have)}) does not match the specified platform (${formatPlatform(want)}).`);
}
