// System endpoints: /_ping, /version, /info, /system/df and /auth.
import { arch, release } from "node:os";
import { storeUsage } from "../../engine/store-usage.ts";
import { systemInfo } from "../../engine/system-info.ts";
import { familiarTag } from "../../image/reference.ts";
import { RegistryClient, RegistryError } from "../../registry/client.ts";
import { registryDomain } from "../../registry/credentials.ts";
import { BUILD_INFO } from "../../build-info.ts";
import { ApiError } from "../errors.ts";
import { Reply, type Router } from "../router.ts";
import { API_VERSION, BUNKER_COMPONENT, DOCKER_VERSION, MIN_API_VERSION } from "../version.ts";

/** Go's GOARCH spelling, which /version uses. */
const goArch = () => (arch() === "x64" ? "amd64" : arch());
const unixSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

function ping(): Reply {
  return new Reply(200, "OK", {
    "Api-Version": API_VERSION,
    "Docker-Experimental": "false",
    "Builder-Version": "1", // the classic builder (POST /build), not BuildKit
    "Cache-Control": "no-cache, no-store, must-revalidate",
    Pragma: "no-cache",
  });
}

function version() {
  const engine = {
    Version: DOCKER_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: BUILD_INFO.commit,
    GoVersion: `bun${Bun.version}`, // no Go here: the runtime bunker is built with
    Os: "linux",
    Arch: goArch(),
    KernelVersion: release(),
    BuildTime: BUILD_INFO.built,
  };
  const { Version, ...details } = engine;
  return {
    Platform: { Name: "bunker" },
    Components: [{ Name: "Engine", Version, Details: { ...details, Experimental: "false" } }, BUNKER_COMPONENT],
    ...engine,
  };
}

/** dockerd's DiskUsage: the same counts as `bunker system df`, in the API's object shapes. */
function diskUsage(engine: Parameters<typeof storeUsage>[0]) {
  const u = storeUsage(engine);
  return {
    LayersSize: u.images.size,
    Images: u.images.items.map(({ image, size, shared, containers }) => ({
      Id: image.id,
      ParentId: "",
      RepoTags: image.names.map(familiarTag),
      RepoDigests: image.repoDigests ?? [],
      Created: unixSeconds(image.created),
      Size: size,
      SharedSize: shared,
      Labels: null,
      Containers: containers,
    })),
    Containers: u.containers.items.map(({ record: c, size }) => ({
      Id: c.Id,
      Names: [c.Name],
      Image: c.Config.Image,
      ImageID: c.Image,
      Command: [c.Path, ...c.Args].join(" "),
      Created: unixSeconds(c.Created),
      State: c.State.Status,
      SizeRw: size,
      Labels: c.Config.Labels,
    })),
    Volumes: u.volumes.items.map(({ volume: { Anonymous: _, ...v }, links, size }) => ({ ...v, UsageData: { Size: size, RefCount: links } })),
    BuildCache: u.buildCache.items.map((o) => ({ ID: o.id, Type: "regular", Size: o.size, CreatedAt: o.created, LastUsedAt: o.lastUsed, UsageCount: 0, InUse: false, Shared: false })),
  };
}

interface AuthConfig {
  username?: string;
  password?: string;
  serveraddress?: string;
  identitytoken?: string;
}

/** Checks the credentials against the registry, as `bunker login` does; stores nothing (the client keeps them). */
async function auth(body: AuthConfig | undefined) {
  if (!body?.username || !body.password) throw new ApiError(400, "username and password are required");
  const domain = registryDomain(body.serveraddress || "docker.io");
  try {
    await RegistryClient.for(domain, "", { credentials: { username: body.username, password: body.password } }).ping();
  } catch (e) {
    if (e instanceof RegistryError && e.exitCode === 1) throw new ApiError(401, e.message); // refused credentials, as dockerd answers
    throw e;
  }
  return { Status: "Login Succeeded", IdentityToken: "" };
}

export function systemRoutes(r: Router): void {
  r.get("/_ping", ping)
    .head("/_ping", ping)
    .get("/version", version)
    .get("/info", (ctx) => systemInfo(ctx.engine()))
    .get("/system/df", (ctx) => diskUsage(ctx.engine()))
    .post("/auth", async (ctx) => auth(await ctx.json<AuthConfig>()));
}
