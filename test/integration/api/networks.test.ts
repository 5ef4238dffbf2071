// /networks through the docker CLI and raw HTTP: each answer is what `bunker
// network …` prints for the same store, with dockerd's status codes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Bunker } from "../harness.ts";
import { type ApiService, serviceFor } from "./api-harness.ts";

let b: Bunker;
let s: ApiService;

beforeAll(async () => {
  b = Bunker.withBusybox();
  s = await serviceFor(b);
});

afterAll(async () => {
  expect(await s.stop()).toBe(0);
  b.cleanup();
});

describe("the docker CLI", () => {
  test("create, ls, inspect and rm print what bunker's own CLI prints", () => {
    const created = s.docker(["network", "create", "--subnet", "10.231.7.0/24", "--ip-range", "10.231.7.128/25", "--label", "team=a", "apinet"]);
    expect(created.exitCode).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    for (const args of [["network", "ls"], ["network", "ls", "--no-trunc", "-f", "label=team=a"], ["network", "ls", "-q", "-f", "type=custom"], ["network", "inspect", "apinet"], ["network", "inspect", "-f", "{{json .IPAM}}", id.slice(0, 12)]]) {
      const viaApi = s.docker(args);
      expect(viaApi.exitCode).toBe(0);
      expect(viaApi.stdout).toBe(b.ok(args));
    }
    expect(JSON.parse(b.ok(["network", "inspect", "-f", "{{json .IPAM.Config}}", "apinet"]))).toEqual([{ Subnet: "10.231.7.0/24", Gateway: "10.231.7.1", IPRange: "10.231.7.128/25" }]);
    // A container's address comes from the ip range.
    const c = b.ok(["run", "-d", "--network", "apinet", "busybox", "sleep", "1000"]).trim();
    expect(b.ok(["inspect", "-f", "{{.NetworkSettings.Networks.apinet.IPAddress}}", c]).trim()).toMatch(/^10\.231\.7\.(12[89]|1[3-9][0-9]|2[0-5][0-9])$/);
    // In use: dockerd's 403 with its message.
    const busy = s.docker(["network", "rm", "apinet"]);
    expect(busy.exitCode).toBe(1);
    expect(busy.stderr).toContain("has active endpoints");
    b.ok(["rm", "-f", c]);
    expect(s.docker(["network", "rm", "apinet"]).stdout).toBe("apinet\n");
  });

  test("connect and disconnect a running container, with aliases and an address", () => {
    b.ok(["network", "create", "--subnet", "10.231.8.0/24", "conn"]);
    const c = b.ok(["run", "-d", "--name", "netpeer", "busybox", "sleep", "1000"]).trim();
    const r = s.docker(["network", "connect", "--alias", "db", "--ip", "10.231.8.9", "conn", "netpeer"]);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(b.ok(["exec", c, "ip", "-4", "addr"])).toContain("10.231.8.9/24");
    expect(JSON.parse(b.ok(["inspect", "-f", "{{json .NetworkSettings.Networks.conn.Aliases}}", c]))).toEqual(["db"]);
    expect(s.docker(["network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}", "conn"]).stdout).toBe("netpeer 10.231.8.9/24\n");
    // Connected twice: dockerd's refusal.
    expect(s.docker(["network", "connect", "conn", "netpeer"]).stderr).toContain("endpoint with name netpeer already exists in network conn");
    expect(s.docker(["network", "disconnect", "conn", "netpeer"]).exitCode).toBe(0);
    expect(b.ok(["exec", c, "ip", "-4", "addr"])).not.toContain("10.231.8.9");
    expect(s.docker(["network", "disconnect", "conn", "netpeer"]).exitCode).toBe(1);
    expect(s.docker(["network", "disconnect", "-f", "conn", "netpeer"]).exitCode).toBe(0);
    b.ok(["rm", "-f", c]);
    b.ok(["network", "rm", "conn"]);
  });

  test("prune prints what bunker's prune prints", () => {
    // (apinet, made and removed above, must be gone: the first test's cleanup.)
    b.ok(["network", "create", "unused1"]);
    const viaApi = s.docker(["network", "prune", "-f"]);
    expect(viaApi.exitCode).toBe(0);
    expect(viaApi.stdout).toBe("Deleted Networks:\nunused1\n\n");
    b.ok(["network", "create", "unused2"]);
    expect(b.ok(["network", "prune", "-f"])).toBe("Deleted Networks:\nunused2\n\n");
  });

  test("refusals: a predefined network, a taken name, IPv6, an unknown driver", () => {
    const bridge = s.docker(["network", "rm", "bridge"]);
    expect(bridge.exitCode).toBe(1);
    expect(bridge.stderr).toContain("Error response from daemon: bridge is a pre-defined network and cannot be removed");
    b.ok(["network", "create", "taken"]);
    expect(s.docker(["network", "create", "taken"]).stderr).toContain("network with name taken already exists");
    expect(s.docker(["network", "create", "--ipv6", "six"]).stderr).toContain("IPv4 only");
    expect(s.docker(["network", "create", "-d", "overlay", "ovl"]).stderr).toContain('plugin "overlay" not found');
    expect(s.docker(["network", "inspect", "nosuch"]).stderr).toContain("network nosuch not found");
    b.ok(["network", "rm", "taken"]);
  });
});

describe("HTTP", () => {
  test("status codes and bodies", async () => {
    const created = await s.api("/v1.43/networks/create", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ Name: "raw", Labels: { k: "v" }, IPAM: { Config: [{ Subnet: "10.231.9.0/24", AuxiliaryAddresses: { r: "10.231.9.2" } }] } }) });
    expect(created.status).toBe(201);
    const { Id, Warning } = (await created.json()) as { Id: string; Warning: string };
    expect(Warning).toBe("");
    const inspected = await (await s.api(`/networks/${Id}`)).json();
    expect(inspected).toEqual(JSON.parse(b.ok(["network", "inspect", "raw"]))[0]);
    expect((await s.api(`/networks/${Id}?scope=swarm`)).status).toBe(404);
    const listed = (await (await s.api(`/networks?filters=${encodeURIComponent(JSON.stringify({ label: { "k=v": true } }))}`)).json()) as { Name: string }[];
    expect(listed.map((n) => n.Name)).toEqual(["raw"]);
    expect((await s.api(`/networks?filters=${encodeURIComponent('{"bogus":["x"]}')}`)).status).toBe(400);
    expect((await s.api("/networks/create", { method: "POST", body: "{" })).status).toBe(400);
    expect((await s.api("/networks/create", { method: "POST", body: JSON.stringify({ Name: 7 }) })).status).toBe(400);
    expect((await s.api("/networks/create", { method: "POST", body: JSON.stringify({ Name: "raw" }) })).status).toBe(409);
    expect((await s.api("/networks/bridge", { method: "DELETE" })).status).toBe(403);
    expect((await s.api("/networks/nosuch/connect", { method: "POST", body: JSON.stringify({ Container: "x" }) })).status).toBe(404);
    expect((await s.api(`/networks/${Id}/connect`, { method: "POST", body: JSON.stringify({ Container: "nosuch" }) })).status).toBe(404);
    const pruned = await (await s.api(`/networks/prune?filters=${encodeURIComponent('{"label":["k=v"]}')}`, { method: "POST" })).json();
    expect(pruned).toEqual({ NetworksDeleted: ["raw"] });
    expect((await s.api(`/networks/${Id}`, { method: "DELETE" })).status).toBe(404);
  });
});
