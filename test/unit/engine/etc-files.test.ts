import { expect, test } from "bun:test";
import { containerResolvConf } from "../../../src/engine/etc-files.ts";

test("loopback nameservers are dropped; with none left, the upstream list or docker's fallback", () => {
  const host = "search lan\nnameserver 127.0.0.53\nnameserver 10.0.0.1\noptions edns0\n";
  expect(containerResolvConf(host, "bridge")).toBe("search lan\nnameserver 10.0.0.1\noptions edns0\n");
  expect(containerResolvConf("nameserver 127.0.0.53\n", "bridge", {}, "nameserver 192.168.1.1\n")).toBe("nameserver 192.168.1.1\n");
  expect(containerResolvConf("nameserver 127.0.0.53\n", "bridge")).toBe("nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  expect(containerResolvConf(host, "host")).toBe(host);
});

test("--dns, --dns-search and --dns-option replace the host's", () => {
  const out = containerResolvConf("search lan\nnameserver 10.0.0.1\noptions edns0\n", "bridge", { dns: ["1.1.1.1"], dnsSearch: ["a.test", "b.test"], dnsOptions: ["ndots:2", "timeout:1"] });
  expect(out).toBe("nameserver 1.1.1.1\nsearch a.test b.test\noptions ndots:2 timeout:1\n");
  expect(containerResolvConf("nameserver 10.0.0.1\n", "host", { dnsOptions: ["rotate"] })).toBe("nameserver 10.0.0.1\noptions rotate\n");
});
