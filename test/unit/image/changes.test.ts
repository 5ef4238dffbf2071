import { expect, test } from "bun:test";
import { applyChange } from "../../../src/image/changes.ts";
import type { ContainerConfig } from "../../../src/image/config.ts";

const apply = (changes: string[], config: ContainerConfig = {}) => {
  for (const c of changes) applyChange(config, c);
  return config;
};

test.each<[string[], ContainerConfig]>([
  [['CMD ["sh", "-c", "echo hi"]'], { Cmd: ["sh", "-c", "echo hi"] }],
  [["CMD echo hi"], { Cmd: ["/bin/sh", "-c", "echo hi"] }],
  [["CMD [not json"], { Cmd: ["/bin/sh", "-c", "[not json"] }],
  [['ENTRYPOINT ["/init"]'], { Entrypoint: ["/init"] }],
  [["cmd true"], { Cmd: ["/bin/sh", "-c", "true"] }], // instructions are case-insensitive
  [["ENV A=1 B=\"two words\" C='x y' D="], { Env: ["A=1", "B=two words", "C=x y", "D="] }],
  [["ENV LEGACY some value"], { Env: ["LEGACY=some value"] }],
  [["ENV A=1", "ENV B=2", "ENV A=3"], { Env: ["A=3", "B=2"] }],
  [['LABEL k=v "com.example.key"=1 "with space"="a \\"b\\""', "LABEL k=w"], { Labels: { k: "w", "com.example.key": "1", "with space": 'a "b"' } }],
  [["EXPOSE 80 443/udp"], { ExposedPorts: { "80/tcp": {}, "443/udp": {} } }],
  [['VOLUME ["/a", "/b"]', "VOLUME /c /d"], { Volumes: { "/a": {}, "/b": {}, "/c": {}, "/d": {} } }],
  [["WORKDIR /srv/app", "USER nobody:nogroup", "STOPSIGNAL SIGINT"], { WorkingDir: "/srv/app", User: "nobody:nogroup", StopSignal: "SIGINT" }],
])("%j", (changes, expected) => {
  expect(apply(changes)).toEqual(expected);
});

test("ENV updates the existing list in place", () => {
  expect(apply(["ENV PATH=/opt/bin"], { Env: ["PATH=/bin", "HOME=/root"] }).Env).toEqual(["PATH=/opt/bin", "HOME=/root"]);
});

test.each([
  ["FROM busybox", /FROM is not supported/],
  ["RUN true", /RUN is not supported/],
  ["", /expected an instruction/],
  ["ENV", /ENV needs KEY=VALUE/],
])("%j is refused", (change, message) => {
  expect(() => apply([change])).toThrow(message);
});
