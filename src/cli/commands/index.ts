// The command table. Loaders use require(), not import(): in the compiled
// bundle only require() defers a module's evaluation, so an invocation pays
// only for the command it runs.
import type { BunkerCommand } from "../command.ts";

type Loader = () => { default: BunkerCommand };

export const COMMANDS: Record<string, Loader> = {
  run: () => require("./container/run.ts"),
  create: () => require("./container/create.ts"),
  start: () => require("./container/start.ts"),
  ps: () => require("./container/ps.ts"),
  rm: () => require("./container/rm.ts"),
  inspect: () => require("./inspect.ts"),
  import: () => require("./image/import.ts"),
  images: () => require("./image/images.ts"),
  rmi: () => require("./image/rmi.ts"),
  save: () => require("./image/save.ts"),
  load: () => require("./image/load.ts"),
  history: () => require("./image/history.ts"),
  pull: () => require("./image/pull.ts"),
  push: () => require("./image/push.ts"),
  tag: () => require("./image/tag.ts"),
  search: () => require("./image/search.ts"),
  login: () => require("./registry/login.ts"),
  logout: () => require("./registry/logout.ts"),
  version: () => require("./version.ts"),
};

/** `bunker image ls`, `bunker container rm`, …: docker's management commands map onto the same verbs. */
export const GROUPS: Record<string, Record<string, Loader>> = {
  image: {
    ls: COMMANDS.images,
    list: COMMANDS.images,
    rm: COMMANDS.rmi,
    remove: COMMANDS.rmi,
    import: COMMANDS.import,
    inspect: () => require("./image/inspect.ts"),
    save: COMMANDS.save,
    load: COMMANDS.load,
    history: COMMANDS.history,
    prune: () => require("./image/prune.ts"),
    pull: COMMANDS.pull,
    push: COMMANDS.push,
    tag: COMMANDS.tag,
  },
  container: {
    run: COMMANDS.run,
    create: COMMANDS.create,
    start: COMMANDS.start,
    ls: COMMANDS.ps,
    list: COMMANDS.ps,
    ps: COMMANDS.ps,
    rm: COMMANDS.rm,
    remove: COMMANDS.rm,
    inspect: COMMANDS.inspect,
  },
};

export const DESCRIPTIONS: [string, string][] = [
  ["run", "Create and run a new container from an image"],
  ["create", "Create a new container"],
  ["start", "Start one or more stopped containers"],
  ["ps", "List containers"],
  ["rm", "Remove one or more containers"],
  ["inspect", "Return low-level information on bunker objects"],
  ["import", "Import the contents from a tarball to create a filesystem image"],
  ["images", "List images"],
  ["rmi", "Remove one or more images"],
  ["save", "Save one or more images to a tar archive (streamed to STDOUT by default)"],
  ["load", "Load an image from a tar archive or STDIN"],
  ["history", "Show the history of an image"],
  ["pull", "Download an image from a registry"],
  ["push", "Upload an image to a registry"],
  ["tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"],
  ["search", "Search a registry for images"],
  ["login", "Authenticate to a registry"],
  ["logout", "Log out from a registry"],
  ["version", "Show the bunker version information"],
  ["image", "Manage images (ls, rm, import, inspect, save, load, history, prune, pull, push, tag)"],
  ["container", "Manage containers (run, create, start, ls, rm, inspect)"],
];
