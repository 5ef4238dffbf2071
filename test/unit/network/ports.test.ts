import { expect, test } from "bun:test";
import { type PortMap, parseExpose, parsePublish } from "../../../src/network/ports.ts";

const publish = (...specs: string[]) => {
  const m: PortMap = {};
  for (const s of specs) parsePublish(s, m);
  return m;
};

test("-p forms: container port alone, host:container, ip:host:container, ip::container, /udp", () => {
  expect(publish("80")).toEqual({ "80/tcp": [{ HostIp: "", HostPort: "" }] });
  expect(publish("8080:80")).toEqual({ "80/tcp": [{ HostIp: "", HostPort: "8080" }] });
  expect(publish("127.0.0.1:8080:80/udp")).toEqual({ "80/udp": [{ HostIp: "127.0.0.1", HostPort: "8080" }] });
  expect(publish("127.0.0.1::80")).toEqual({ "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] });
  expect(publish("0.0.0.0:1:2")).toEqual({ "2/tcp": [{ HostIp: "", HostPort: "1" }] });
  expect(publish("8080:80", "8081:80")).toEqual({ "80/tcp": [{ HostIp: "", HostPort: "8080" }, { HostIp: "", HostPort: "8081" }] });
});

test("-p ranges expand pairwise", () => {
  expect(publish("9000-9001:80-81")).toEqual({ "80/tcp": [{ HostIp: "", HostPort: "9000" }], "81/tcp": [{ HostIp: "", HostPort: "9001" }] });
  expect(publish("80-81")).toEqual({ "80/tcp": [{ HostIp: "", HostPort: "" }], "81/tcp": [{ HostIp: "", HostPort: "" }] });
  expect(() => publish("9000-9002:80-81")).toThrow("both ranges must be the same length");
});

test("-p refuses bad ports, protocols and addresses with docker's words", () => {
  expect(() => publish("99999:80")).toThrow("invalid hostPort: 99999");
  expect(() => publish("80:0")).toThrow("invalid containerPort: 0");
  expect(() => publish("80:x")).toThrow("invalid containerPort: x");
  expect(() => publish("80/sctp")).toThrow("invalid proto: sctp");
  expect(() => publish("300.1.1.1:80:80")).toThrow("invalid IP address");
});

test("--expose takes ports and ranges", () => {
  const exposed: Record<string, object> = {};
  parseExpose("80", exposed);
  parseExpose("7000-7001/udp", exposed);
  expect(Object.keys(exposed)).toEqual(["80/tcp", "7000/udp", "7001/udp"]);
});
