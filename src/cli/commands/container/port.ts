import type { ContainerRecord } from "../../../engine/container-store.ts";
import { BunkerError } from "../../../lib/errors.ts";
import type { PortMap } from "../../../network/ports.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { naturalCompare } from "../../format.ts";

/** The published ports: what a running container's start bound (network/attach.ts); a stopped one has none. */
function publishedPorts(record: ContainerRecord): PortMap {
  return record.State.Running ? (record.NetworkSettings?.Ports ?? {}) : {};
}

/** Go's net.JoinHostPort: an IPv6 address goes in brackets. */
function joinHostPort(ip: string, port: string): string {
  return `${ip.includes(":") ? `[${ip}]` : ip}:${port}`;
}

export default defineBunkerCommand({
  name: "port",
  description: "List port mappings or a specific mapping for the container",
  usage: "CONTAINER [PRIVATE_PORT[/PROTO]]",
  flags: [],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, { positionals }) {
    const [ref, wanted] = positionals;
    let key: string | undefined;
    if (wanted !== undefined) {
      const [port, proto] = wanted.split("/", 2);
      if (!/^\d+$/.test(port) || Number(port) > 65535) throw new BunkerError(`invalid port (${port}): strconv.ParseUint: parsing "${port}": invalid syntax`, 1);
      key = `${port}/${proto || "tcp"}`;
    }
    const engine = ctx.engine();
    let record: ContainerRecord | undefined;
    const failed = await eachArgument([ref], (r) => {
      record = engine.containers.load(engine.containers.resolve(r));
    });
    if (!record) return failed;
    const ports = publishedPorts(record);
    let out: string[];
    if (key !== undefined) {
      const bindings = ports[key];
      if (!bindings?.length) {
        process.stderr.write(`Error: No public port '${key}' published for ${ref}\n`); // docker's words, without our prefix
        return 1;
      }
      out = bindings.map((b) => joinHostPort(b.HostIp, b.HostPort));
    } else out = Object.entries(ports).flatMap(([from, bindings]) => (bindings ?? []).map((b) => `${from} -> ${joinHostPort(b.HostIp, b.HostPort)}`));
    if (out.length > 0) process.stdout.write(`${out.sort(naturalCompare).join("\n")}\n`);
  },
});
