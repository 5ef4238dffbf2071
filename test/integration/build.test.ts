// `build`: Dockerfiles built through the compiled binary into images that run,
// with the step cache, .dockerignore, multi-stage targets and RUN mounts.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNKER, Bunker, expectOneLineError, mountsUnder } from "./harness.ts";

let b: Bunker;
const contexts: string[] = [];
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => {
  for (const c of contexts) rmSync(c, { recursive: true, force: true });
  b.cleanup();
});

/** A context directory with these files (the Dockerfile among them). */
function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "bunker-build-ctx-"));
  contexts.push(dir);
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  return dir;
}

/** stderr's step lines: "#n CACHED" or "#n DONE", by step title. */
function stepResults(stderr: string): Record<string, string> {
  const titles = new Map<string, string>();
  const results: Record<string, string> = {};
  for (const line of stderr.split("\n")) {
    const head = line.match(/^#(\d+) \[[^\]]+\] (.*)$/);
    if (head) titles.set(head[1], head[2]);
    const end = line.match(/^#(\d+) (CACHED|DONE)/);
    if (end) results[titles.get(end[1])!] = end[2];
  }
  return results;
}

const inspectConfig = (ref: string) => JSON.parse(b.ok(["image", "inspect", ref]))[0];

test("a built image runs, with the config and history its Dockerfile gave it", () => {
  const ctx = context({
    "app.sh": "echo from app\n",
    Dockerfile: [
      "FROM busybox",
      "ARG WHO=world",
      'ENV GREETING="hello there" PATH=/app:$PATH',
      "WORKDIR /app",
      "COPY --chmod=0755 app.sh ./",
      'RUN echo "$GREETING $WHO" > greeting',
      "LABEL org.example.v=1",
      "EXPOSE 8080 53/udp",
      "VOLUME /data",
      "USER 1000:1000",
      "STOPSIGNAL SIGINT",
      "HEALTHCHECK --interval=5s --start-interval=1s --retries=2 CMD true",
      'ENTRYPOINT ["/bin/sh", "-c"]',
      'CMD ["cat greeting; app.sh"]',
      "",
    ].join("\n"),
  });
  const r = b.run(["build", "-t", "built:1", "-t", "built:2", ctx]);
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toBe("");
  expect(b.ok(["run", "--rm", "built:1"])).toBe("hello there world\nfrom app\n");
  const img = inspectConfig("built:2");
  const env: string[] = img.Config.Env;
  expect(env).toContain("GREETING=hello there");
  expect(env.find((e) => e.startsWith("PATH="))).toBe("PATH=/app:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  expect(env.some((e) => e.startsWith("WHO="))).toBe(false); // ARGs are no part of the image
  expect(img.RepoTags.sort()).toEqual(["built:1", "built:2"]);
  expect(img.Config).toMatchObject({
    WorkingDir: "/app",
    User: "1000:1000",
    Labels: { "org.example.v": "1" },
    ExposedPorts: { "8080/tcp": {}, "53/udp": {} },
    Volumes: { "/data": {} },
    StopSignal: "SIGINT",
    Healthcheck: { Test: ["CMD-SHELL", "true"], Interval: 5e9, StartInterval: 1e9, Retries: 2 },
    Entrypoint: ["/bin/sh", "-c"],
    Cmd: ["cat greeting; app.sh"],
  });
  // History: a layer for COPY and RUN, empty layers for the config steps.
  const history = b.ok(["history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}", "built:1"]).trim().split("\n").reverse();
  expect(history.slice(1).map((h) => h.split("|")[0].split(" ")[0])).toEqual(["ENV", "WORKDIR", "COPY", "RUN", "LABEL", "EXPOSE", "VOLUME", "USER", "STOPSIGNAL", "HEALTHCHECK", "ENTRYPOINT", "CMD"]);
  expect(img.RootFS.Layers).toHaveLength(3);
});

test("a rebuild is fully cached with the same id; editing a copied file rebuilds from its COPY on, and nothing before", () => {
  const files = { "a.txt": "one\n", Dockerfile: "FROM busybox\nENV X=1\nRUN echo first > /first\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy\nCMD cat /copy\n" };
  const ctx = context(files);
  const first = b.run(["build", "-q", ctx]);
  expect(first.exitCode).toBe(0);
  const id = first.stdout.trim();
  expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);

  const again = b.run(["build", ctx]);
  expect(Object.values(stepResults(again.stderr))).toEqual(["CACHED", "CACHED", "CACHED", "CACHED", "CACHED"]);
  expect(again.stderr).toContain(`writing image ${id}`);

  writeFileSync(join(ctx, "a.txt"), "two\n");
  const edited = b.run(["build", "-t", "edited", ctx]);
  expect(stepResults(edited.stderr)).toEqual({
    "ENV X=1": "CACHED",
    "RUN echo first > /first": "CACHED",
    "COPY a.txt /a.txt": "DONE",
    "RUN cat /a.txt > /copy": "DONE",
    'CMD ["/bin/sh","-c","cat /copy"]': "DONE",
  });
  expect(b.ok(["run", "--rm", "edited"])).toBe("two\n");
  // --no-cache runs every step again.
  expect(Object.values(stepResults(b.run(["build", "--no-cache", ctx]).stderr))).not.toContain("CACHED");
});

test(".dockerignore leaves files out, ! brings them back, and touching an ignored file changes nothing", () => {
  const ctx = context({
    ".dockerignore": "*.log\nsecret/\n**/tmp\n!keep.log\n",
    "a.log": "x",
    "keep.log": "kept",
    "secret/key": "k",
    "src/tmp/t": "t",
    "src/main.c": "int main;",
    Dockerfile: "FROM busybox\nCOPY . /ctx\nRUN find /ctx | sort > /list\nCMD cat /list\n",
  });
  const id = b.run(["build", "-q", ctx]).stdout.trim();
  expect(b.ok(["run", "--rm", id])).toBe(["/ctx", "/ctx/.dockerignore", "/ctx/Dockerfile", "/ctx/keep.log", "/ctx/src", "/ctx/src/main.c", ""].join("\n"));
  writeFileSync(join(ctx, "a.log"), "changed");
  writeFileSync(join(ctx, "secret/key"), "changed");
  const again = b.run(["build", ctx]);
  expect(Object.values(stepResults(again.stderr))).toEqual(["CACHED", "CACHED", "CACHED"]);
  expect(again.stderr).toContain(`writing image ${id}`);
});

test("symlinks in the context never reach outside it", () => {
  const ctx = context({ "dir/file": "inside", Dockerfile: "FROM busybox\nCOPY dir /dir\n" });
  symlinkSync("/etc/hostname", join(ctx, "dir", "abs")); // copied as the link itself
  symlinkSync("/etc", join(ctx, "escape"));
  b.ok(["build", "-t", "links", ctx]);
  expect(b.ok(["run", "--rm", "links", "readlink", "/dir/abs"])).toBe("/etc/hostname\n");
  // A source through a link to /etc resolves inside the context, where there is no etc/hostname.
  writeFileSync(join(ctx, "Dockerfile"), "FROM busybox\nCOPY escape/hostname /h\n");
  const r = b.run(["build", ctx]);
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toContain('"escape/hostname" not found');
});

test("multi-stage: --target builds only the stages it needs; COPY --from takes a stage's files", () => {
  const ctx = context({
    Dockerfile: [
      "FROM busybox AS base",
      "RUN echo base > /base",
      "FROM busybox AS unrelated",
      "RUN echo unrelated-step",
      "FROM base AS builder",
      "RUN echo built > /artifact",
      "FROM scratch AS final",
      "COPY --from=builder /artifact /bin/busybox /",
      'ENTRYPOINT ["/busybox", "cat", "/artifact"]',
      "",
    ].join("\n"),
  });
  const r = b.run(["build", "--target", "builder", "-t", "builder-only", ctx]);
  expect(r.exitCode).toBe(0);
  expect(r.stderr).not.toContain("unrelated");
  expect(b.ok(["run", "--rm", "builder-only", "cat", "/base", "/artifact"])).toBe("base\nbuilt\n");

  const full = b.run(["build", "-t", "final", ctx]);
  expect(full.stderr).not.toContain("unrelated");
  expect(b.ok(["run", "--rm", "final"])).toBe("built\n");
  expect(inspectConfig("final").RootFS.Layers).toHaveLength(1);
  expectOneLineError(b.run(["build", "--target", "nope", ctx]), 1, /target stage "nope" could not be found/);
});

test("RUN --mount: a cache keeps its content between builds; cache, bind, tmpfs and secret mounts never end up in the image", () => {
  const dockerfile = (n: number) => `FROM busybox\nRUN --mount=type=cache,target=/var/cache/app echo ${n} >> /var/cache/app/runs && cat /var/cache/app/runs > /seen\n`;
  const ctx = context({ Dockerfile: dockerfile(1) });
  b.ok(["build", "-t", "cached-mount", ctx]);
  writeFileSync(join(ctx, "Dockerfile"), dockerfile(2));
  b.ok(["build", "-t", "cached-mount", ctx]);
  expect(b.ok(["run", "--rm", "cached-mount", "cat", "/seen"])).toBe("1\n2\n");
  expect(b.run(["run", "--rm", "cached-mount", "ls", "/var/cache/app"]).exitCode).not.toBe(0);

  // bind (the context, read-only by default), tmpfs and secret mounts: seen by the step, absent from the image.
  writeFileSync(join(ctx, "token"), "s3cret");
  writeFileSync(join(ctx, "data.txt"), "bound");
  writeFileSync(
    join(ctx, "Dockerfile"),
    "FROM busybox\nRUN --mount=type=bind,target=/ctx --mount=type=tmpfs,target=/scratch --mount=type=secret,id=tok " +
      "sh -c 'cat /ctx/data.txt /run/secrets/tok > /seen; echo x > /scratch/f; touch /ctx/w 2>/dev/null || echo ro >> /seen'\n",
  );
  b.ok(["build", "--secret", `id=tok,src=${join(ctx, "token")}`, "-t", "mounts", ctx]);
  expect(b.ok(["run", "--rm", "mounts", "sh", "-c", "cat /seen; ls -d /ctx /scratch /run/secrets/tok 2>&1 | grep -c 'No such'"])).toBe("bounds3cretro\n3\n");

  writeFileSync(join(ctx, "Dockerfile"), "FROM busybox\nRUN --mount=type=cache,target=/x,id=../../etc true\n");
  expectOneLineError(b.run(["build", ctx]), 1, /id "..\/..\/etc" must not contain ".."/);
  writeFileSync(join(ctx, "Dockerfile"), "FROM busybox\nRUN --mount=type=tmpfs,target=../x true\n");
  expectOneLineError(b.run(["build", ctx]), 1, /target "..\/x" must not contain ".."/);
});

test("a failing RUN shows its command, output and exit code, exits 1, and leaves no image or container", () => {
  const before = b.ok(["images", "-a", "-q"]);
  const visible = b.ok(["images", "-q"]);
  const ctx = context({ Dockerfile: "FROM busybox\nRUN echo partial > /p\nRUN echo about to fail; exit 3\n" });
  const r = b.run(["build", "-t", "broken", ctx]);
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toContain("about to fail");
  expect(r.stderr).toMatch(/process "\/bin\/sh -c echo about to fail; exit 3" did not complete successfully: exit code: 3/);
  expect(b.run(["image", "inspect", "broken"]).exitCode).not.toBe(0);
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
  // Only the successful step's state is kept (for the cache), listed by `images -a` alone.
  expect(b.ok(["images", "-q"])).toBe(visible);
  expect(b.ok(["images", "-a", "-q"]).split("\n").length).toBe(before.split("\n").length + 1);
  // With -q the output is shown only because the step failed.
  const quiet = b.run(["build", "-q", ctx]);
  expect(quiet.exitCode).toBe(1);
  expect(quiet.stdout).toBe("");
  expect(quiet.stderr).toContain("about to fail");
});

test("Dockerfile errors name the file and line", () => {
  const ctx = context({ Dockerfile: "FROM busybox\n\n# comment\nRUNN echo\n" });
  expectOneLineError(b.run(["build", ctx]), 1, /Dockerfile:4: unknown instruction: RUNN/);
  expectOneLineError(b.run(["build", "--platform", "linux/s390x-not", ctx]), 1, /bunker builds for the host only/);
});

test("contexts: -f PATH with its own .dockerignore, -f - on stdin, a tar on stdin; --iidfile, --build-arg, --label", () => {
  const ctx = context({ "x.txt": "x", "y.txt": "y", "build/app.Dockerfile": "FROM busybox\nARG V=default\nCOPY . /c\nRUN echo $V > /v\n", "build/app.Dockerfile.dockerignore": "y.txt\n" });
  const iid = join(ctx, "iid");
  b.ok(["build", "-f", join(ctx, "build/app.Dockerfile"), "--iidfile", iid, "--build-arg", "V=given", "--label", "team=a", "-t", "ctx1", ctx]);
  expect(b.ok(["run", "--rm", "ctx1", "sh", "-c", "cat /v; ls /c"])).toBe("given\nbuild\nx.txt\n");
  expect(inspectConfig("ctx1").Id).toBe(readFileSync(iid, "utf8"));
  expect(inspectConfig("ctx1").Config.Labels).toEqual({ team: "a" });

  b.ok(["build", "-f", "-", "-t", "ctx2", ctx], { stdin: "FROM busybox\nCOPY x.txt /\n" });
  expect(b.ok(["run", "--rm", "ctx2", "cat", "/x.txt"])).toBe("x");

  const tar = Bun.spawnSync(["tar", "-C", ctx, "-c", "x.txt", "build"]).stdout;
  b.ok(["build", "-f", "build/app.Dockerfile", "-t", "ctx3", "-"], { stdin: tar });
  expect(b.ok(["run", "--rm", "ctx3", "cat", "/v"])).toBe("default\n");
});

test("heredocs, ADD of a local tar, COPY --chown, SHELL and ONBUILD", () => {
  const ctx = context({ "files/in.txt": "in tar\n" });
  Bun.spawnSync(["tar", "-C", join(ctx, "files"), "-czf", join(ctx, "files.tar.gz"), "in.txt"]);
  writeFileSync(
    join(ctx, "Dockerfile"),
    [
      "FROM busybox",
      "ENV NAME=heredoc",
      "RUN <<EOF",
      "echo line one > /h",
      "echo $NAME >> /h",
      "EOF",
      "COPY <<CONF /etc/app.conf",
      'name="$NAME"',
      "CONF",
      "ADD files.tar.gz /unpacked/",
      "COPY --chown=nobody:nogroup files/in.txt /owned",
      'SHELL ["/bin/sh", "-ec"]',
      "RUN echo $0 > /shell-opts",
      "ONBUILD RUN echo triggered > /onbuild",
      "",
    ].join("\n"),
  );
  b.ok(["build", "-t", "parent", ctx]);
  expect(b.ok(["run", "--rm", "parent", "sh", "-c", "cat /h /etc/app.conf /unpacked/in.txt; stat -c %U:%G /owned; test -e /onbuild || echo no-trigger"])).toBe(
    "line one\nheredoc\nname=\"heredoc\"\nin tar\nnobody:nogroup\nno-trigger\n",
  );
  const child = context({ Dockerfile: "FROM parent\nRUN true\n" });
  b.ok(["build", "-t", "child", child]);
  expect(b.ok(["run", "--rm", "child", "cat", "/onbuild"])).toBe("triggered\n");
});

test("parallel builds of the same Dockerfile share the cache safely", async () => {
  const ctx = context({ Dockerfile: "FROM busybox\nRUN echo shared > /s\nCMD cat /s\n" });
  const results = await Promise.all([1, 2, 3].map((i) => b.runAsync(["build", "-q", "-t", `par${i}`, ctx])));
  for (const r of results) expect(r.exitCode).toBe(0);
  for (const i of [1, 2, 3]) expect(b.ok(["run", "--rm", `par${i}`])).toBe("shared\n");
  const again = b.run(["build", ctx]);
  expect(Object.values(stepResults(again.stderr))).toEqual(["CACHED", "CACHED"]);
});

test("Ctrl-C during a RUN stops the build: no container, mount or image is left", async () => {
  const ctx = context({ Dockerfile: "FROM busybox\nRUN echo started; sleep 600\n" });
  const p = Bun.spawn([BUNKER, "--root", b.root, "build", "-t", "interrupted", ctx], { stdout: "pipe", stderr: "pipe" });
  const reader = p.stderr.getReader();
  let seen = "";
  while (!seen.includes("started\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  p.kill("SIGINT");
  expect(await p.exited).toBe(130);
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
  expect(b.run(["image", "inspect", "interrupted"]).exitCode).not.toBe(0);
  expect(mountsUnder(b.root)).toEqual([]);
});

test("ADD of a URL checks --checksum; the file is kept with mode 0600", async () => {
  const body = "downloaded\n";
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(body) });
  try {
    const sum = `sha256:${new Bun.CryptoHasher("sha256").update(body).digest("hex")}`;
    const url = `http://127.0.0.1:${server.port}/files/file.txt`;
    const ctx = context({ Dockerfile: `FROM busybox\nADD --checksum=${sum} ${url} /d/\n` });
    await b.okAsync(["build", "-t", "added", ctx]);
    expect(b.ok(["run", "--rm", "added", "sh", "-c", "cat /d/file.txt; stat -c %a /d/file.txt"])).toBe("downloaded\n600\n");
    writeFileSync(join(ctx, "Dockerfile"), `FROM busybox\nADD --checksum=sha256:${"0".repeat(64)} ${url} /d/\n`);
    const r = await b.runAsync(["build", ctx]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("checksum mismatch");
  } finally {
    server.stop(true);
  }
});

test("builder prune removes the cache (and with --all the cache mounts); built images stay", () => {
  const ctx = context({ Dockerfile: "FROM busybox\nRUN --mount=type=cache,target=/c echo kept > /c/f && echo layer > /l\nRUN echo two > /t\n" });
  b.ok(["build", "-t", "survivor", ctx]);
  const out = b.ok(["builder", "prune", "-f"]);
  expect(out).toMatch(/^Deleted build cache objects:\n\d+ cache objects\ndeleted: sha256:/);
  expect(out).toMatch(/Total reclaimed space: /);
  expect(b.ok(["run", "--rm", "survivor", "cat", "/l", "/t"])).toBe("layer\ntwo\n");
  // The cache is gone, so the steps run again; the cache mount is still there until --all.
  const again = b.run(["build", ctx]);
  expect(again.stderr).not.toContain("CACHED");
  expect(b.ok(["builder", "prune", "-f", "--all"])).toContain("Total reclaimed space");
  writeFileSync(join(ctx, "Dockerfile"), "FROM busybox\nRUN --mount=type=cache,target=/c ls /c > /seen\n");
  b.ok(["build", "-t", "after-prune", ctx]);
  expect(b.ok(["run", "--rm", "after-prune", "cat", "/seen"])).toBe("");
});
