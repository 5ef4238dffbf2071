import { describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { DEFAULT_SHM_SIZE, hostDevice, hostDevices, parseDevice, parseList, type ResourceFlags, resourceConfig } from "../../../src/engine/resources.ts";

const MiB = 1024 * 1024;
const config = (f: Partial<ResourceFlags>) => resourceConfig({ devices: [], ...f });

describe("resourceConfig", () => {
  test("nothing given: docker's zero values, 64 MiB of shm and no pids limit", () => {
    expect(config({})).toEqual({
      Memory: 0,
      MemorySwap: 0,
      MemoryReservation: 0,
      NanoCpus: 0,
      CpuShares: 0,
      CpusetCpus: "",
      CpusetMems: "",
      PidsLimit: null,
      ShmSize: DEFAULT_SHM_SIZE,
      Devices: [],
    });
  });

  test("values in docker's units; swap defaults to twice the memory", () => {
    const c = config({ memory: "32m", memoryReservation: "16m", cpus: "0.5", cpuShares: "512", cpusetCpus: "0", cpusetMems: "0", pidsLimit: "50", shmSize: "1g" });
    expect(c).toMatchObject({ Memory: 32 * MiB, MemorySwap: 64 * MiB, MemoryReservation: 16 * MiB, NanoCpus: 500_000_000, CpuShares: 512 });
    expect(c).toMatchObject({ CpusetCpus: "0", CpusetMems: "0", PidsLimit: 50, ShmSize: 1024 * MiB });
  });

  test("--memory-swap: explicit, or -1 for unlimited", () => {
    expect(config({ memory: "32m", memorySwap: "100m" }).MemorySwap).toBe(100 * MiB);
    expect(config({ memory: "32m", memorySwap: "-1" }).MemorySwap).toBe(-1);
  });

  test("--pids-limit 0 and -1 both mean unlimited (null)", () => {
    expect(config({ pidsLimit: "0" }).PidsLimit).toBeNull();
    expect(config({ pidsLimit: "-1" }).PidsLimit).toBeNull();
  });

  test("flag syntax errors read as docker's CLI prints them", () => {
    expect(() => config({ memory: "32x" })).toThrow(`invalid argument "32x" for "-m, --memory" flag: invalid suffix: 'x'`);
    expect(() => config({ memorySwap: "lots" })).toThrow(`invalid argument "lots" for "--memory-swap" flag: invalid size: 'lots'`);
    expect(() => config({ cpus: "half" })).toThrow(`invalid argument "half" for "--cpus" flag: failed to parse half as a rational number`);
    expect(() => config({ cpuShares: "1.5" })).toThrow(`invalid argument "1.5" for "-c, --cpu-shares" flag: strconv.ParseInt`);
    expect(() => config({ pidsLimit: "many" })).toThrow(`invalid argument "many" for "--pids-limit" flag`);
    expect(() => config({ shmSize: "big" })).toThrow(`invalid argument "big" for "--shm-size" flag: invalid size: 'big'`);
    expect(() => config({ devices: ["a:b:c:d"] })).toThrow(`invalid argument "a:b:c:d" for "--device" flag: bad format for path: a:b:c:d`);
  });

  test("the daemon's checks", () => {
    expect(() => config({ memory: "4m" })).toThrow("Minimum memory limit allowed is 6MB");
    expect(() => config({ memory: "32m", memorySwap: "16m" })).toThrow("Minimum memoryswap limit should be larger than memory limit, see usage");
    expect(() => config({ memorySwap: "64m" })).toThrow("You should always set the Memory limit when using Memoryswap limit, see usage");
    expect(() => config({ memoryReservation: "1m" })).toThrow("Minimum memory reservation allowed is 6MB");
    expect(() => config({ memory: "32m", memoryReservation: "64m" })).toThrow("Minimum memory limit can not be less than memory reservation limit");
    const n = availableParallelism();
    const range = `Range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`;
    expect(() => config({ cpus: String(n + 1) })).toThrow(range);
    expect(() => config({ cpus: "-1" })).toThrow(range);
    expect(() => config({ cpus: "0.001" })).toThrow(range);
    expect(() => config({ cpusetCpus: "1-0" })).toThrow("Invalid value 1-0 for cpuset cpus");
    expect(() => config({ cpusetCpus: "4096" })).toThrow(/^Requested CPUs are not available - requested 4096, available: /);
    expect(() => config({ cpusetMems: "x" })).toThrow("Invalid value x for cpuset mems");
  });
});

describe("parseList", () => {
  test("the kernel's list format", () => {
    expect(parseList("0")).toEqual([0]);
    expect(parseList("0-2,5")).toEqual([0, 1, 2, 5]);
    expect(parseList("")).toBeNull();
    expect(parseList("1-")).toBeNull();
    expect(parseList("2-1")).toBeNull();
  });
});

describe("parseDevice (--device)", () => {
  const dev = (PathOnHost: string, PathInContainer: string, CgroupPermissions = "rwm") => ({ PathOnHost, PathInContainer, CgroupPermissions });
  test("HOST, HOST:CONTAINER, HOST:PERMS and HOST:CONTAINER:PERMS", () => {
    expect(parseDevice("/dev/null")).toEqual(dev("/dev/null", "/dev/null"));
    expect(parseDevice("/dev/null:/dev/mynull")).toEqual(dev("/dev/null", "/dev/mynull"));
    expect(parseDevice("/dev/null:rw")).toEqual(dev("/dev/null", "/dev/null", "rw"));
    expect(parseDevice("/dev/null:/dev/x/../mynull:r")).toEqual(dev("/dev/null", "/dev/mynull", "r"));
  });

  test("docker's errors", () => {
    expect(() => parseDevice(":/dev/x")).toThrow("bad format for path: :/dev/x");
    expect(() => parseDevice("/dev/null:/dev/x:rwx")).toThrow("bad mode specified: rwx");
    expect(() => parseDevice("/dev/null:/dev/x:rr")).toThrow("bad mode specified: rr");
    expect(() => parseDevice("/dev/null:relative")).toThrow("relative is not an absolute path");
  });
});

describe("hostDevice", () => {
  test("a host node's type, numbers and mode", () => {
    expect(hostDevice("/dev/null")).toEqual({ type: "c", major: 1, minor: 3, fileMode: 0o666 });
  });

  test("not a node, or missing", () => {
    expect(() => hostDevice("/etc/hostname")).toThrow('error gathering device information while adding custom device "/etc/hostname": not a device node');
    expect(() => hostDevice("/dev/bunker-nope")).toThrow("no such file or directory");
  });
});

describe("hostDevices (--privileged)", () => {
  test("the host's char and block nodes; not its console, ptmx, or anything under pts, shm or mqueue", () => {
    const all = hostDevices();
    expect(all).toContainEqual({ path: "/dev/null", type: "c", major: 1, minor: 3, fileMode: 0o666 });
    for (const d of all) {
      expect(d.path).not.toMatch(/^\/dev\/(console|ptmx)$|^\/dev\/(pts|shm|mqueue)\//);
      expect(["c", "b"]).toContain(d.type);
    }
  });
});
