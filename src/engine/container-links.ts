// Docker's legacy links (`--link NAME[:ALIAS]`): the linking container gets an
// /etc/hosts line for the linked one (alias, host name, name) and its
// <ALIAS>_PORT…, <ALIAS>_NAME and <ALIAS>_ENV_… variables, read when it starts.
// HostConfig.Links keeps them in docker's form, "/db:/web/alias".
import { BunkerError } from "../lib/errors.ts";
import type { ContainerRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";

interface Link {
  /** The linked container's name. */
  target: string;
  alias: string;
}

/** HostConfig.Links for `--link` values of a container named NAME; every target must exist now, as docker checks, and is kept by its name. */
export function linksField(engine: Engine, specs: string[], networkMode: string, name: string): string[] | null {
  if (specs.length === 0) return null;
  if (networkMode === "host" || networkMode.startsWith("container:")) throw new BunkerError(`conflicting options: ${networkMode === "host" ? "host" : "container"} type networking can't be used with links. This would result in undefined behavior`);
  return specs.map((spec) => {
    const [target, alias = target, extra] = spec.split(":");
    if (!target || !alias || extra !== undefined) throw new BunkerError(`invalid argument "${spec}" for "--link" flag: give NAME or NAME:ALIAS`);
    let child: string;
    try {
      child = engine.containers.load(engine.containers.resolve(target)).Name;
    } catch {
      throw new BunkerError(`could not get container for ${target}: No such container: ${target}`);
    }
    return `${child}:/${name}/${alias}`;
  });
}

const parse = (field: string): Link => {
  const [target, path] = field.split(":");
  return { target: target.slice(1), alias: path.slice(path.lastIndexOf("/") + 1) };
};

interface Linked {
  link: Link;
  child: ContainerRecord;
  address: string;
}

/**
 * The containers R links to, found among the RUNNING ones, with the address R reaches each at: a start is
 * refused otherwise, as docker's; `lenient` (rewriting a running container's hosts file) leaves them out.
 */
function linkedContainers(r: ContainerRecord, running: ContainerRecord[], lenient: boolean): Linked[] {
  return (r.HostConfig.Links ?? []).flatMap((field) => {
    const link = parse(field);
    const refuse = (why: string): Linked[] => {
      if (lenient) return [];
      throw new BunkerError(why);
    };
    const child = running.find((c) => c.Name === `/${link.target}`);
    if (!child) return refuse(`Cannot link to a non running container: /${link.target} AS ${r.Name}/${link.alias}`);
    const mine = Object.values(r.NetworkSettings?.Networks ?? {}).map((e) => e.NetworkID);
    const shared = Object.values(child.NetworkSettings?.Networks ?? {}).find((e) => mine.includes(e.NetworkID) && e.IPAddress);
    if (!shared) return refuse(`Cannot link to ${link.target}, as it does not belong to the network of ${r.Name.slice(1)}`);
    return [{ link, child, address: shared.IPAddress }];
  });
}

/** Docker's variables for one link (moby's links.Link.ToEnv, without the _START/_END of port ranges). */
function linkEnv(parentName: string, { link, child, address }: Linked): string[] {
  const alias = link.alias.toUpperCase().replaceAll("-", "_");
  const ports = Object.keys(child.Config.ExposedPorts ?? {})
    .map((key) => {
      const [port, proto = "tcp"] = key.split("/");
      return { port: Number(port), proto };
    })
    .sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
  const env: string[] = [];
  // The default port: the lowest TCP one, else the lowest of the first protocol by name (moby's withTCPPriority).
  const first = [...ports].sort((a, b) => (a.proto === b.proto ? a.port - b.port : a.proto === "tcp" ? -1 : b.proto === "tcp" ? 1 : a.proto.localeCompare(b.proto)))[0];
  if (first) env.push(`${alias}_PORT=${first.proto}://${address}:${first.port}`);
  for (const { port, proto } of ports) {
    const key = `${alias}_PORT_${port}_${proto.toUpperCase()}`;
    env.push(`${key}=${proto}://${address}:${port}`, `${key}_ADDR=${address}`, `${key}_PORT=${port}`, `${key}_PROTO=${proto}`);
  }
  env.push(`${alias}_NAME=${parentName}/${link.alias}`);
  for (const variable of child.Config.Env ?? []) {
    const eq = variable.indexOf("=");
    const name = variable.slice(0, eq);
    // As docker: a build's HOME and PATH say nothing about the linked container.
    if (eq > 0 && name !== "HOME" && name !== "PATH") env.push(`${alias}_ENV_${name}=${variable.slice(eq + 1)}`);
  }
  return env;
}

/** /etc/hosts lines for R's links: "IP alias hostname [name]". */
const hostLines = (linked: Linked[]) =>
  linked.map(({ link, child, address }) => {
    const name = child.Name.slice(1);
    return `${address}\t${[link.alias, child.Config.Hostname, ...(link.alias !== name ? [name] : [])].join(" ")}`;
  });

/** What R's links add at its start: /etc/hosts lines and environment variables. */
export function linkAdditions(r: ContainerRecord, running: ContainerRecord[]): { hosts: string[]; env: string[] } {
  const linked = linkedContainers(r, running, false);
  return { hosts: hostLines(linked), env: linked.flatMap((l) => linkEnv(r.Name, l)) };
}

/** The /etc/hosts lines of a running container's links that still run (its hosts file being rewritten). */
export const linkHosts = (r: ContainerRecord, running: ContainerRecord[]) => hostLines(linkedContainers(r, running, true));
