// Logical lines -> instructions, each instruction's arguments taken apart
// (flags, forms, key=value pairs) but not substituted. Every mistake names the
// file and line.
import type { CommandForm, Dockerfile, Flags, Heredoc, Instruction, Kind } from "./ast.ts";
import { DockerfileError } from "./error.ts";
import { type LogicalLine, splitLines } from "./lines.ts";
import { jsonArray, splitWords } from "./words.ts";

const FLAGS: Partial<Record<Kind, string[]>> = {
  FROM: ["platform"],
  RUN: ["mount", "network", "security"],
  COPY: ["from", "chown", "chmod", "link", "parents", "exclude"],
  ADD: ["chown", "chmod", "checksum", "link", "keep-git-dir", "exclude"],
  HEALTHCHECK: ["interval", "timeout", "start-period", "start-interval", "retries"],
};
/** Flags that may be given more than once. */
const REPEATABLE = new Set(["mount", "exclude"]);
const KINDS = new Set<string>([
  "FROM", "RUN", "CMD", "ENTRYPOINT", "SHELL", "ENV", "LABEL", "ARG", "EXPOSE", "VOLUME",
  "WORKDIR", "USER", "STOPSIGNAL", "MAINTAINER", "COPY", "ADD", "HEALTHCHECK", "ONBUILD",
]);
const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

export function parseDockerfile(source: string, file = "Dockerfile"): Dockerfile {
  const { directives, escape, lines } = splitLines(source, file);
  const instructions = lines.map((l) => parseInstruction(l, escape, file));
  const first = instructions.find((i) => i.kind !== "ARG");
  if (!first) throw new DockerfileError(file, lines.at(-1)?.line ?? 1, "the Dockerfile has no FROM instruction: a build needs at least one stage");
  if (first.kind !== "FROM") throw new DockerfileError(file, first.line, `${first.kind} before any FROM: only ARG may come before the first FROM`);
  return { ...(directives.syntax ? { syntax: directives.syntax } : {}), escape, instructions };
}

function parseInstruction(l: LogicalLine, escape: string, file: string): Instruction {
  const fail = (msg: string): never => {
    throw new DockerfileError(file, l.line, msg);
  };
  const m = l.text.match(/^(\S+)\s*(.*)$/s)!;
  const kind = m[1].toUpperCase() as Kind;
  if (!KINDS.has(kind)) fail(`unknown instruction: ${m[1]}`);
  const { flags, rest } = takeFlags(m[2], kind, fail);
  const base = { line: l.line, flags };
  const need = (ok: boolean, msg: string) => ok || fail(`${kind} ${msg}`);

  switch (kind) {
    case "FROM": {
      const w = splitWords(rest, escape);
      need(w.length === 1 || (w.length === 3 && w[1].toUpperCase() === "AS"), "requires either one or three arguments: FROM IMAGE [AS NAME]");
      const name = w[2]?.toLowerCase();
      if (name !== undefined && !STAGE_NAME.test(name)) fail(`invalid name for build stage: "${w[2]}", name can't start with a number or contain symbols`);
      return { ...base, kind: "FROM", image: w[0], ...(name !== undefined ? { name } : {}) };
    }
    case "RUN":
      need(rest !== "", "requires at least one argument");
      return { ...base, kind: "RUN", command: commandForm(rest), heredocs: l.heredocs };
    case "CMD":
    case "ENTRYPOINT":
      return { ...base, kind, command: commandForm(rest) };
    case "SHELL": {
      const shell = jsonArray(rest);
      need(shell !== null && shell.length > 0, "requires the arguments to be in JSON form, e.g. SHELL [\"/bin/sh\", \"-c\"]");
      return { ...base, kind: "SHELL", shell: shell! };
    }
    case "ENV":
    case "LABEL":
      return { ...base, kind, pairs: keyValues(rest, escape, kind, fail) };
    case "ARG": {
      const words = splitWords(rest, escape);
      need(words.length > 0, "requires at least one argument");
      const args = words.map((w) => {
        const i = w.indexOf("=");
        const name = i < 0 ? w : w.slice(0, i);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`invalid name "${name}": ARG names are letters, digits and _`);
        return i < 0 ? { name } : { name, value: w.slice(i + 1) };
      });
      return { ...base, kind: "ARG", args };
    }
    case "EXPOSE":
    case "VOLUME": {
      const values = (kind === "VOLUME" ? jsonArray(rest) : null) ?? splitWords(rest, escape);
      need(values.length > 0, "requires at least one argument");
      return { ...base, kind, values };
    }
    case "WORKDIR":
    case "USER":
    case "STOPSIGNAL":
    case "MAINTAINER":
      need(rest !== "", "requires exactly one argument");
      return { ...base, kind, value: rest };
    case "COPY":
    case "ADD": {
      const words = jsonArray(rest) ?? splitWords(rest, escape);
      need(words.length >= 2, "requires at least two arguments, but only one was provided. Destination could not be determined");
      return { ...base, kind, sources: words.slice(0, -1), dest: words.at(-1)!, heredocs: l.heredocs };
    }
    case "HEALTHCHECK": {
      const [word, ...more] = rest.split(/\s+/);
      if (word.toUpperCase() === "NONE") {
        need(more.length === 0 && Object.keys(flags).length === 0, "NONE takes no arguments or flags");
        return { ...base, kind: "HEALTHCHECK", command: null };
      }
      need(word.toUpperCase() === "CMD", "requires NONE or CMD followed by a command");
      const text = rest.slice(word.length).trim();
      need(text !== "", "CMD requires a command");
      const form = commandForm(text);
      return { ...base, kind: "HEALTHCHECK", command: "json" in form ? ["CMD", ...form.json] : ["CMD-SHELL", form.shell] };
    }
    case "ONBUILD": {
      need(rest !== "", "requires at least one argument");
      const inner = parseInstruction({ line: l.line, text: rest, heredocs: l.heredocs }, escape, file);
      if (inner.kind === "ONBUILD" || inner.kind === "FROM" || inner.kind === "MAINTAINER") fail(`${inner.kind} isn't allowed as an ONBUILD trigger`);
      return { ...base, kind: "ONBUILD", instruction: inner, text: rest };
    }
  }
  return fail(`unknown instruction: ${m[1]}`);
}

/** Leading `--name=value` words. Unknown flags are errors, as docker's. */
function takeFlags(text: string, kind: Kind, fail: (msg: string) => never): { flags: Flags; rest: string } {
  const flags: Flags = {};
  let rest = text;
  for (;;) {
    const m = rest.match(/^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?:\s+|$)/);
    if (!m) break;
    const name = m[1].toLowerCase();
    if (!FLAGS[kind]?.includes(name)) fail(`unknown flag: --${m[1]}`);
    if (name in flags && !REPEATABLE.has(name)) fail(`${kind} --${name} given more than once`);
    (flags[name] ??= []).push(m[2] ?? "true");
    rest = rest.slice(m[0].length);
  }
  return { flags, rest: rest.trim() };
}

function commandForm(text: string): CommandForm {
  const json = jsonArray(text);
  return json ? { json } : { shell: text };
}

/** `K=V K2="v 2"`, or the legacy `K V…` form (one pair, the rest of the line). Quotes stay for substitution. */
function keyValues(text: string, escape: string, kind: string, fail: (msg: string) => never): [string, string][] {
  const words = splitWords(text, escape);
  if (words.length === 0) fail(`${kind} requires at least one argument`);
  if (!words[0].includes("=")) {
    if (words.length < 2) fail(`${kind} must have two arguments: ${kind} KEY VALUE, or ${kind} KEY=VALUE`);
    return [[words[0], text.slice(text.indexOf(words[0]) + words[0].length).trim()]];
  }
  return words.map((w) => {
    const i = w.indexOf("=");
    if (i < 0) fail(`${kind} names can not be blank and must be followed by =: "${w}"`);
    if (i === 0) fail(`${kind} names can not be blank`);
    return [w.slice(0, i), w.slice(i + 1)] as [string, string];
  });
}

export type { Heredoc };
