import { describe, expect, test } from "bun:test";
import { checkRlimitsAllowed, hostHardLimits, parseUlimit, UNLIMITED } from "../../../src/runtime/rlimits.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max file size             unlimited            unlimited            bytes     
Max data size             unlimited            unlimited            bytes     
Max stack size            8388608              unlimited            bytes     
Max core file size        0                    unlimited            bytes     
Max resident set          unlimited            unlimited            bytes     
Max processes             95880                95880                processes 
Max open files            20000                20000                files     
Max locked memory         8388608              8388608              bytes     
Max address space         unlimited            unlimited            bytes     
Max file locks            unlimited            unlimited            locks     
Max pending signals       95880                95880                signals   
Max msgqueue size         819200               819200               bytes     
Max nice priority         0                    0                    
Max realtime priority     0                    0                    
Max realtime timeout      unlimited            unlimited            us        
`;

describe("--ulimit", () => {
  test("NAME=SOFT[:HARD], as Docker parses it", () => {
    expect(parseUlimit("nofile=100:200")).toEqual({ Name: "nofile", Soft: 100, Hard: 200 });
    expect(parseUlimit("nproc=50")).toEqual({ Name: "nproc", Soft: 50, Hard: 50 });
    expect(parseUlimit("core=-1")).toEqual({ Name: "core", Soft: -1, Hard: -1 });
    expect(parseUlimit("core=0:unlimited")).toEqual({ Name: "core", Soft: 0, Hard: -1 });
    expect(() => parseUlimit("nofile")).toThrow("invalid ulimit argument: nofile");
    expect(() => parseUlimit("bogus=1")).toThrow("invalid ulimit type: bogus");
    expect(() => parseUlimit("nofile=x")).toThrow("invalid ulimit argument: nofile=x");
    expect(() => parseUlimit("nofile=200:100")).toThrow("ulimit soft limit must be less than or equal to hard limit: 200 > 100");
  });

  test("the host's hard limits come from /proc/self/limits", () => {
    const hard = hostHardLimits(LIMITS);
    expect(hard[7]).toBe(20000); // RLIMIT_NOFILE
    expect(hard[3]).toBe(UNLIMITED); // RLIMIT_STACK
    expect(hard[8]).toBe(8388608); // RLIMIT_MEMLOCK
  });

  test("raising a hard limit without CAP_SYS_RESOURCE is refused before the container starts", () => {
    const check = (type: string, hard: number, canRaise = false) => () => checkRlimitsAllowed([{ type, hard }], () => hostHardLimits(LIMITS), () => canRaise);
    expect(check("RLIMIT_NOFILE", 30000)).toThrow("cannot set ulimit nofile to 30000: the hard limit here is 20000 and bunker lacks CAP_SYS_RESOURCE to raise it");
    expect(check("RLIMIT_NOFILE", UNLIMITED)).toThrow(/ulimit nofile to unlimited/);
    expect(check("RLIMIT_NOFILE", 20000)).not.toThrow();
    expect(check("RLIMIT_NOFILE", 100)).not.toThrow();
    expect(check("RLIMIT_CORE", UNLIMITED)).not.toThrow(); // already unlimited
    expect(check("RLIMIT_NOFILE", 30000, true)).not.toThrow();
  });
});
