// The stats table and the CPU % computation, without a container.
import { describe, expect, test } from "bun:test";
import { statsTable } from "../../../src/cli/commands/container/stats.ts";
import { type ContainerStats, cpuPercent, type StatsSample } from "../../../src/engine/container-stats.ts";

const MiB = 1024 * 1024;
const ID = "c8b796b458453fb2fc9325be3f31818021150c44c9e77e112a80c73882955560";

const at = (cpuNanos: number, ns: bigint): StatsSample => ({ cpuNanos, at: ns, memoryUsage: 0, memoryLimit: null, pids: 0, blockRead: 0, blockWrite: 0, netReceived: 0, netSent: 0 });

describe("cpuPercent: container CPU time over wall time (docker's formula with the host's CPU time as wall × CPUs)", () => {
  test("half a CPU over one second is 50%; two CPUs' worth is 200%", () => {
    expect(cpuPercent(at(0, 0n), at(5e8, 1_000_000_000n))).toBe(50);
    expect(cpuPercent(at(1e9, 0n), at(3e9, 1_000_000_000n))).toBe(200);
  });
  test("one sample (no interval) or a counter reset reads as 0%", () => {
    expect(cpuPercent(at(5e8, 7n), at(5e8, 7n))).toBe(0);
    expect(cpuPercent(at(9e9, 0n), at(1e9, 1_000_000_000n))).toBe(0);
  });
});

describe("statsTable is docker's default stats format", () => {
  const running: ContainerStats = {
    id: ID,
    name: "web",
    cpuPercent: 12.345,
    memoryUsage: 1.5 * MiB,
    memoryLimit: 128 * MiB,
    memoryPercent: (1.5 / 128) * 100,
    pids: 1,
    blockRead: 4_261_000,
    blockWrite: 0,
    netReceived: 1_296,
    netSent: 656,
  };
  const stopped: ContainerStats = { id: "ab".repeat(32), name: "old", cpuPercent: 0, memoryUsage: 0, memoryLimit: 0, memoryPercent: 0, pids: 0, blockRead: 0, blockWrite: 0, netReceived: 0, netSent: 0 };

  test("binary units for memory, decimal for block and network I/O, two decimals for percentages; stopped is zeros", () => {
    expect(statsTable([running, stopped], false)).toBe(
      [
        "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O        BLOCK I/O     PIDS",
        "c8b796b45845   web       12.35%    1.5MiB / 128MiB     1.17%     1.3kB / 656B   4.26MB / 0B   1",
        "abababababab   old       0.00%     0B / 0B             0.00%     0B / 0B        0B / 0B       0",
        "",
      ].join("\n"),
    );
  });

  test("no containers: the header alone; --no-trunc: the full id", () => {
    expect(statsTable([], false)).toBe("CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O   PIDS\n");
    expect(statsTable([running], true).split("\n")[1].startsWith(`${ID}   web`)).toBe(true);
  });
});
