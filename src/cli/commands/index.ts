// The command table. The build splits each dynamic import() into its own
// chunk of the executable, so an invocation loads and evaluates only the
// code of the command it runs.
import type { BunkerCommand } from "../command.ts";

type Loader = () => Promise<{ default: BunkerCommand }>;

export const COMMANDS: Record<string, Loader> = {
  run: () => import("./container/run.ts"),
  create: () => import("./container/create.ts"),
  start: () => import("./container/start.ts"),
  ps: () => import("./container/ps.ts"),
  rm: () => import("./container/rm.ts"),
  update: () => import("./container/update.ts"),
  stats: () => import("./container/stats.ts"),
  inspect: () => import("./inspect.ts"),
  import: () => import("./image/import.ts"),
  images: () => import("./image/images.ts"),
  rmi: () => import("./image/rmi.ts"),
  save: () => import("./image/save.ts"),
  load: () => import("./image/load.ts"),
  history: () => import("./image/history.ts"),
  pull: () => import("./image/pull.ts"),
  push: () => import("./image/push.ts"),
  tag: () => import("./image/tag.ts"),
  search: () => import("./image/search.ts"),
  login: () => import("./registry/login.ts"),
  logout: () => import("./registry/logout.ts"),
  version: () => import("./version.ts"),
};

/** `bunker image ls`, `bunker container rm`, …: docker's management commands map onto the same verbs. */
export const GROUPS: Record<string, Record<string, Loader>> = {
  image: {
    ls: COMMANDS.images,
    list: COMMANDS.images,
    rm: COMMANDS.rmi,
    remove: COMMANDS.rmi,
    import: COMMANDS.import,
    inspect: () => import("./image/inspect.ts"),
    save: COMMANDS.save,
    load: COMMANDS.load,
    history: COMMANDS.history,
    prune: () => import("./image/prune.ts"),
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
    update: COMMANDS.update,
    stats: COMMANDS.stats,
  },
  volume: {
    create: () => import("./volume/create.ts"),
    ls: () => import("./volume/ls.ts"),
    list: () => import("./volume/ls.ts"),
    inspect: () => import("./volume/inspect.ts"),
    rm: () => import("./volume/rm.ts"),
    remove: () => import("./volume/rm.ts"),
    prune: () => import("./volume/prune.ts"),
  },
};

export const DESCRIPTIONS: [string, string][] = [
  ["run", "Create and run a new container from an image"],
  ["create", "Create a new container"],
  ["start", "Start one or more stopped containers"],
  ["ps", "List containers"],
  ["rm", "Remove one or more containers"],
  ["update", "Update configuration of one or more containers"],
  ["stats", "Display a live stream of container(s) resource usage statistics"],
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
  ["container", "Manage containers (run, create, start, ls, rm, inspect, update, stats)"],
  ["volume", "Manage volumes (create, ls, inspect, rm, prune)"],
];
