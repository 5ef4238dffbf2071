// /volumes through the docker CLI and raw HTTP: each answer is what `bunker
// volume …` prints for the same store, with dockerd's status codes.
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
  test("create, ls, inspect, rm and prune print what bunker's own CLI prints", () => {
    expect(s.docker(["volume", "create", "--label", "team=a", "apivol"]).stdout).toBe("apivol\n");
    expect(s.docker(["volume", "create", "other"]).stdout).toBe("other\n");
    for (const args of [["volume", "ls"], ["volume", "ls", "-f", "label=team=a"], ["volume", "ls", "-q", "-f", "dangling=true"], ["volume", "inspect", "apivol"], ["volume", "ls", "--format", "{{.Name}} {{.Labels}}"]]) {
      const viaApi = s.docker(args);
      expect(viaApi.exitCode).toBe(0);
      expect(viaApi.stdout).toBe(b.ok(args));
    }
    // In use: dockerd's 409 with its message; -f does not force it.
    const c = b.ok(["create", "-v", "apivol:/data", "busybox", "true"]).trim();
    const busy = s.docker(["volume", "rm", "-f", "apivol"]);
    expect(busy.exitCode).toBe(1);
    expect(busy.stderr).toContain(`remove apivol: volume is in use - [${c}]`);
    // Pruned: only unused ones, all of them with -a (API 1.42 on), anonymous ones without.
    expect(s.docker(["volume", "prune", "-f"]).stdout).toBe("Total reclaimed space: 0B\n");
    expect(s.docker(["volume", "prune", "-af"]).stdout).toBe("Deleted Volumes:\nother\n\nTotal reclaimed space: 0B\n");
    b.ok(["rm", c]);
    expect(s.docker(["volume", "rm", "apivol"]).stdout).toBe("apivol\n");
    b.ok(["volume", "create", "again"]);
    expect(b.ok(["volume", "prune", "-af"])).toBe("Deleted Volumes:\nagain\n\nTotal reclaimed space: 0B\n");
  });

  test("refusals: an unknown driver, a bad name, a missing volume", () => {
    expect(s.docker(["volume", "create", "-d", "nfs", "x"]).stderr).toContain('plugin "nfs" not found');
    expect(s.docker(["volume", "create", "bad/name"]).stderr).toContain("includes invalid characters for a local volume name");
    const missing = s.docker(["volume", "inspect", "nosuch"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("No such volume: nosuch");
  });
});

describe("HTTP", () => {
  test("status codes and bodies", async () => {
    const post = (path: string, body?: unknown) => s.api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const created = await post("/volumes/create", { Name: "raw", Labels: { k: "v" }, DriverOpts: { o: "x" } });
    expect(created.status).toBe(201);
    const volume = await created.json();
    expect(volume).toEqual(JSON.parse(b.ok(["volume", "inspect", "raw"]))[0]);
    expect(await (await s.api("/volumes/raw")).json()).toEqual(volume);
    // Creating an existing name answers that volume, as dockerd does.
    expect((await post("/volumes/create", { Name: "raw" })).status).toBe(201);
    const anonymous = (await (await post("/volumes/create")).json()) as { Name: string };
    expect(anonymous.Name).toMatch(/^[0-9a-f]{64}$/);
    const list = (await (await s.api(`/volumes?filters=${encodeURIComponent('{"label":{"k=v":true}}')}`)).json()) as { Volumes: { Name: string }[]; Warnings: string[] };
    expect(list).toEqual({ Volumes: [volume], Warnings: [] });
    expect((await s.api(`/volumes?filters=${encodeURIComponent('{"bogus":["x"]}')}`)).status).toBe(400);
    expect((await post("/volumes/create", { Name: 5 })).status).toBe(400);
    expect((await s.api("/volumes/nosuch")).status).toBe(404);
    expect((await s.api("/volumes/nosuch", { method: "DELETE" })).status).toBe(404);
    expect((await s.api("/volumes/nosuch?force=1", { method: "DELETE" })).status).toBe(204);
    // API 1.41 prunes every unused volume; 1.42 on only anonymous ones unless all=true; label! keeps what it names.
    const kept = await (await post(`/v1.41/volumes/prune?filters=${encodeURIComponent('{"label!":["k"]}')}`)).json();
    expect(kept).toEqual({ VolumesDeleted: [anonymous.Name], SpaceReclaimed: 0 });
    expect(await (await post("/v1.43/volumes/prune")).json()).toEqual({ VolumesDeleted: [], SpaceReclaimed: 0 });
    expect(await (await post(`/v1.43/volumes/prune?filters=${encodeURIComponent('{"all":["true"]}')}`)).json()).toEqual({ VolumesDeleted: ["raw"], SpaceReclaimed: 0 });
  });
});
