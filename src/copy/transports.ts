// A transport reference -> the source or destination it names. A plain name
// means the registry here: the store's side of pull and push is fixed by the command.
import type { Platform } from "../image/manifest.ts";
import type { RegistryOptions } from "../registry/client.ts";
import type { ImageStore } from "../image/store.ts";
import { fileOutput, outputPathProblem } from "../image/tar-writer.ts";
import { BunkerError } from "../lib/errors.ts";
import { ArchiveDestination, LayoutDirDestination } from "./archive-destination.ts";
import { ArchiveSource, LayoutDirSource } from "./archive-source.ts";
import type { TransportRef } from "./reference.ts";
import { RegistryDestination, RegistrySource } from "./registry.ts";
import type { ImageDestination, ImageSource, WrittenManifest } from "./types.ts";

/** REGISTRY: options for a registry source or destination (an API client's credentials). */
export function sourceFor(ref: TransportRef, store: ImageStore, platform: Platform, registry: RegistryOptions = {}): ImageSource {
  switch (ref.transport) {
    case "name":
    case "docker":
      return new RegistrySource(ref.name, platform, registry);
    case "oci":
      return new LayoutDirSource(ref.path, { platform, select: ref.tag });
    case "oci-archive":
      return ArchiveSource.file(store, ref.path, { layout: "oci", platform, select: ref.tag });
    case "docker-archive":
      return ArchiveSource.file(store, ref.path, { layout: "docker-archive", platform, select: ref.name });
  }
}

export function destinationFor(ref: TransportRef, registry: RegistryOptions = {}): ImageDestination<WrittenManifest[]> {
  switch (ref.transport) {
    case "name":
    case "docker":
      return new RegistryDestination(ref.name, registry);
    case "oci":
      return new LayoutDirDestination(ref.path, ref.tag);
    case "oci-archive":
      return new ArchiveDestination("oci-archive", archiveFile(ref.path), ref.tag);
    case "docker-archive":
      return new ArchiveDestination("docker-archive", archiveFile(ref.path), ref.name);
  }
}

function archiveFile(path: string) {
  const problem = outputPathProblem(path);
  if (problem) throw new BunkerError(problem);
  return () => fileOutput(path);
}
