// Dockerfile text -> logical lines: the parser directives at the top, then one
// entry per instruction with its continuation lines joined (comments and
// blank lines inside a continuation dropped, as docker does) and the bodies of
// the heredocs it opens.
import type { Heredoc } from "./ast.ts";
import { DockerfileError } from "./error.ts";

export interface LogicalLine {
  line: number;
  text: string;
  heredocs: Heredoc[];
}

export interface Lines {
  directives: Record<string, string>;
  escape: string;
  lines: LogicalLine[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const HEREDOC_KINDS = /^\s*(RUN|COPY|ADD)\s/i;
/** `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` (a heredoc, not a `<<<` here-string). */
const HEREDOC = /(?<!<)<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

function readDirectives(raw: string[], file: string): { directives: Record<string, string>; start: number } {
  const directives: Record<string, string> = {};
  let i = 0;
  for (; i < raw.length; i++) {
    const m = raw[i].match(DIRECTIVE);
    if (!m) break;
    const name = m[1].toLowerCase();
    if (name !== "syntax" && name !== "escape" && name !== "check") break; // an unknown one is a comment, and ends the directives
    if (name in directives) throw new DockerfileError(file, i + 1, `only one ${name} parser directive can be used`);
    directives[name] = m[2];
  }
  return { directives, start: i };
}

/** The heredoc delimiters a line opens, in order. */
export function heredocMarkers(text: string): { name: string; quoted: boolean; chomp: boolean }[] {
  return [...text.matchAll(HEREDOC)].map((m) => ({ name: m[3], quoted: m[2] !== "", chomp: m[1] === "-" }));
}

export function splitLines(source: string, file: string): Lines {
  const raw = source.replace(/^\uFEFF/, "").split(/\r?\n/);
  const { directives, start } = readDirectives(raw, file);
  const escape = directives.escape ?? "\\";
  if (escape !== "\\" && escape !== "`") throw new DockerfileError(file, 1, `invalid escape token '${escape}' does not match ` + "` or \\");

  const isComment = (l: string) => /^\s*#/.test(l);
  const continues = (l: string) => l.trimEnd().endsWith(escape);
  const lines: LogicalLine[] = [];
  let i = start;
  while (i < raw.length) {
    if (isComment(raw[i]) || raw[i].trim() === "") {
      i++;
      continue;
    }
    const line = i + 1;
    let text = raw[i];
    i++;
    while (continues(text)) {
      text = text.trimEnd().slice(0, -escape.length);
      while (i < raw.length && (isComment(raw[i]) || raw[i].trim() === "")) i++;
      if (i >= raw.length) break; // a trailing escape at the end of the file ends the instruction
      text += raw[i];
      i++;
    }
    const heredocs: Heredoc[] = [];
    if (HEREDOC_KINDS.test(text)) {
      for (const marker of heredocMarkers(text)) {
        const body: string[] = [];
        for (;;) {
          if (i >= raw.length) throw new DockerfileError(file, line, `unterminated heredoc ${marker.name}`);
          const l = marker.chomp ? raw[i].replace(/^\t+/, "") : raw[i];
          i++;
          if (l === marker.name) break;
          body.push(l);
        }
        heredocs.push({ name: marker.name, content: body.map((l) => `${l}\n`).join(""), expand: !marker.quoted, chomp: marker.chomp });
      }
    }
    lines.push({ line, text: text.trim(), heredocs });
  }
  return { directives, escape, lines };
}
