// The images of a project: `compose images`, and `down --rmi`.
import type { Engine } from "../engine/engine.ts";
import { removeImage } from "../engine/remove-image.ts";
import { BunkerError } from "../lib/errors.ts";
import type { Project } from "./load.ts";
import { progress } from "./output.ts";
import { serviceImage } from "./service-config.ts";

/** --rmi local: the images the project builds (no image: key); all: every service's image. */
export function removeProjectImages(engine: Engine, project: Project, which: "local" | "all"): void {
  const images = new Set<string>();
  for (const [name, s] of Object.entries(project.allServices)) if (which === "all" || !s.image) images.add(serviceImage(project, name, s));
  for (const image of images) {
    try {
      removeImage(engine, image, false);
      progress("Image", image, "Removed");
    } catch (e) {
      if (!(e instanceof BunkerError)) throw e; // absent, or still used elsewhere: docker compose moves on too
    }
  }
}
