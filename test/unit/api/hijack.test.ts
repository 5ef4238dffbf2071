// The hijack helper through a real server: a route registered with { hijack: true }
// echoes its input. An upgraded client shuts its write side and still reads the
// answer; a client that does not upgrade gets the 200 raw-stream variant.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { Router } from "../../../src/api/router.ts";
import { ApiServer } from "../../../src/api/server.ts";
import type { Engine } from "../../../src/engine/engine.ts";

let dir: string;
let sock: string;
const listener = createServer();

beforeAll(async () => {
  dir = mkdtempSync("/tmp/bunker-hijack-");
  sock = join(dir, "api.sock");
  const router = new Router().post(
    "/echo",
    (ctx) => {
      const stream = ctx.hijack();
      stream.on("data", (d: Buffer) => stream.write(`echo:${d}`));
      stream.on("end", () => stream.end("bye")); // stdin ended; output still flows
    },
    { hijack: true },
  );
  new ApiServer({ router, engine: () => ({}) as Engine, idleMs: 0, onIdle() {} }).serve(listener);
  await new Promise<void>((resolve) => listener.listen(sock, resolve));
});

afterAll(() => {
  listener.close();
  rmSync(dir, { recursive: true, force: true });
});

test("Upgrade: tcp gets 101 and the socket, half-close included", async () => {
  const got = await new Promise<string>((resolve) => {
    const c = connect(sock);
    let text = "";
    c.on("data", (d) => {
      text += d;
      if (text.endsWith("\r\n\r\n")) c.end("hello"); // the head has come: send stdin and shut the write side
    });
    c.on("close", () => resolve(text));
    c.write("POST /v1.50/echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
  });
  expect(got).toStartWith("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
  expect(got).toEndWith("\r\n\r\necho:hellobye");
});

test("without Upgrade: 200 raw-stream, the request body in and the response body out", async () => {
  const r = await fetch("http://x/echo", { unix: sock, method: "POST", body: "hello" } as RequestInit);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toBe("application/vnd.docker.raw-stream");
  expect(await r.text()).toBe("echo:hellobye");
});

test("an upgrade to a route that does not hijack is refused in one JSON line", async () => {
  const got = await new Promise<string>((resolve) => {
    const c = connect(sock);
    let text = "";
    c.on("data", (d) => (text += d));
    c.on("close", () => resolve(text));
    c.write("GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
  });
  expect(got).toStartWith("HTTP/1.1 404 Not Found\r\n");
  expect(got).toEndWith('{"message":"page not found"}\n');
});
