// The --format flag's cheap part: whether it asks for anything but the default
// table. The template engine itself (src/cli/template/) is imported, as its own
// chunk, only when it does, so `ps` and `images` do not pay for it.
export function isDefaultFormat(format: string | undefined): boolean {
  return format === undefined || format === "" || format === "table";
}

export function loadTemplates(): Promise<typeof import("./template/index.ts")> {
  return import("./template/index.ts");
}
