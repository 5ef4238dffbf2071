// The names a completion offers, listed by running bunker itself, as a user would.
export type NameKind = "containers" | "running" | "images" | "volumes" | "networks";

const LISTINGS: Record<NameKind, string[]> = {
  containers: ["ps", "-a", "--format", "{{.Names}}"],
  running: ["ps", "--format", "{{.Names}}"],
  images: ["images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "dangling=false"],
  volumes: ["volume", "ls", "-q"],
  networks: ["network", "ls", "--format", "{{.Name}}"],
};

/** Every name of these kinds; a listing that fails (no network command yet) offers none. */
export async function listNames(kinds: NameKind[], globals: string[]): Promise<string[]> {
  const lists = await Promise.all(
    kinds.map(async (kind) => {
      const p = Bun.spawn([process.execPath, ...globals, ...LISTINGS[kind]], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
      const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
      return code === 0 ? out.split("\n").filter((n) => n && !n.includes("<none>")) : [];
    }),
  );
  return lists.flat();
}
