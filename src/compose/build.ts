// Building the images of services with a `build` section (`up --build`, `compose build`).
import type { Engine } from "../engine/engine.ts";
import type { Builder } from "./up.ts";

/** The builder compose uses, or undefined while this bunker has no `build`. */
export function composeBuilder(_engine: Engine): Builder | undefined {
  return undefined;
}
