// Networks: list, inspect, create, remove, connect, disconnect, prune. The
// shapes are the engine's, the same `bunker network ls|inspect` print.
import { z } from "zod";
import { networkStore } from "../../engine/container-network.ts";
import { connectNetwork, createNetwork, disconnectNetwork, inspectNetwork, listNetworks, NETWORK_FILTERS, pruneNetworks, removeNetwork } from "../../engine/networks.ts";
import { ForbiddenError, NotFoundError } from "../../lib/errors.ts";
import { ApiError } from "../errors.ts";
import { queryFilters } from "../filters.ts";
import { parseBody } from "../body.ts";
import { Reply, type RequestContext, type Router } from "../router.ts";

const labels = z.record(z.string()).nullish();

const CreateBody = z.object({
  Name: z.string().min(1),
  CheckDuplicate: z.boolean().nullish(),
  Driver: z.string().nullish(),
  Scope: z.string().nullish(),
  Internal: z.boolean().nullish(),
  Attachable: z.boolean().nullish(),
  Ingress: z.boolean().nullish(),
  ConfigOnly: z.boolean().nullish(),
  EnableIPv6: z.boolean().nullish(),
  EnableIPv4: z.boolean().nullish(),
  IPAM: z
    .object({
      Driver: z.string().nullish(),
      Config: z.array(z.object({ Subnet: z.string().nullish(), IPRange: z.string().nullish(), Gateway: z.string().nullish(), AuxiliaryAddresses: labels })).nullish(),
      Options: labels,
    })
    .nullish(),
  Options: labels,
  Labels: labels,
});

const ConnectBody = z.object({
  Container: z.string().min(1),
  EndpointConfig: z
    .object({
      Aliases: z.array(z.string()).nullish(),
      IPAMConfig: z.object({ IPv4Address: z.string().nullish(), IPv6Address: z.string().nullish(), LinkLocalIPs: z.array(z.string()).nullish() }).nullish(),
    })
    .nullish(),
});

const DisconnectBody = z.object({ Container: z.string().min(1), Force: z.boolean().nullish() });

async function create(ctx: RequestContext) {
  const body = parseBody(CreateBody, await ctx.json());
  const driver = body.Driver || "bridge";
  if (driver === "host" || driver === "null") throw new ForbiddenError(`only one instance of "${driver}" network is allowed`);
  if (body.EnableIPv6) throw new ApiError(400, "bunker's networks are IPv4 only: create the network without EnableIPv6");
  if (body.Ingress) throw new ApiError(400, "ingress networks need a swarm, which bunker does not run");
  if (body.ConfigOnly) throw new ApiError(400, "config-only networks need a swarm, which bunker does not run");
  if (body.IPAM?.Driver && body.IPAM.Driver !== "default") throw new NotFoundError(`plugin "${body.IPAM.Driver}" not found: bunker has the default IPAM driver only`);
  const pools = body.IPAM?.Config ?? [];
  if (pools.length > 1) throw new ApiError(400, "bunker's bridge networks have one IPv4 subnet: give at most one IPAM config");
  const pool = pools[0];
  if (pool && !pool.Subnet && (pool.Gateway || pool.IPRange)) throw new ApiError(400, "a gateway or an ip range needs its subnet: give IPAM.Config[0].Subnet");
  const n = createNetwork(ctx.engine(), {
    name: body.Name,
    driver,
    subnet: pool?.Subnet || undefined,
    gateway: pool?.Gateway || undefined,
    ipRange: pool?.IPRange || undefined,
    auxAddresses: pool?.AuxiliaryAddresses ?? undefined,
    internal: body.Internal ?? false,
    attachable: body.Attachable ?? false,
    options: body.Options ?? {},
    labels: body.Labels ?? {},
  });
  return new Reply(201, { Id: n.Id, Warning: "" });
}

/** Network REF; a scope other than local finds nothing, as on a dockerd without swarm. */
function find(ctx: RequestContext) {
  const scope = ctx.query.get("scope");
  if (scope && scope !== "local") throw new NotFoundError(`network ${ctx.params.id} not found`);
  return networkStore(ctx.engine()).find(ctx.params.id);
}

export function networkRoutes(r: Router): void {
  r.get("/networks", (ctx) => {
    const engine = ctx.engine();
    // dockerd lists networks without their containers; inspect has them.
    return listNetworks(engine, queryFilters(ctx.query, NETWORK_FILTERS)).map((n) => ({ ...n, Containers: {} }));
  })
    .get("/networks/{id}", (ctx) => inspectNetwork(ctx.engine(), find(ctx)))
    .post("/networks/create", create)
    .delete("/networks/{id}", (ctx) => {
      removeNetwork(ctx.engine(), ctx.params.id);
    })
    .post("/networks/{id}/connect", async (ctx) => {
      const body = parseBody(ConnectBody, await ctx.json());
      const ipam = body.EndpointConfig?.IPAMConfig;
      if (ipam?.IPv6Address) throw new ApiError(400, "bunker's networks are IPv4 only: connect without IPv6Address");
      if (ipam?.LinkLocalIPs?.length) throw new ApiError(400, "bunker does not assign link-local addresses: connect without LinkLocalIPs");
      connectNetwork(ctx.engine(), ctx.params.id, body.Container, { ip: ipam?.IPv4Address || undefined, aliases: body.EndpointConfig?.Aliases ?? [] });
      return new Reply(200);
    })
    .post("/networks/{id}/disconnect", async (ctx) => {
      const body = parseBody(DisconnectBody, await ctx.json());
      disconnectNetwork(ctx.engine(), ctx.params.id, body.Container, body.Force ?? false);
      return new Reply(200);
    })
    .post("/networks/prune", (ctx) => {
      const filters = queryFilters(ctx.query, ["label", "label!"]);
      return { NetworksDeleted: pruneNetworks(ctx.engine(), (n) => filters.labels(n.Labels) && filters.notLabels(n.Labels)) };
    });
}
