// The parsed Dockerfile: instructions as written (arguments not yet
// substituted, since that needs the build's ARG and ENV values, see expand.ts).

/** JSON (exec) form, or shell form as written. */
export type CommandForm = { json: string[] } | { shell: string };

/** `<<EOF` … `EOF` after a RUN, COPY or ADD line. */
export interface Heredoc {
  name: string;
  content: string;
  /** False for a quoted delimiter (<<"EOF"): the body is taken literally. */
  expand: boolean;
  /** `<<-EOF`: leading tabs are stripped from each line. */
  chomp: boolean;
}

/** `--name=value` flags, repeatable ones collected in order. */
export type Flags = Record<string, string[]>;

interface Base {
  /** 1-based line of the instruction's first line in the Dockerfile. */
  line: number;
  flags: Flags;
}

export type Instruction =
  | (Base & { kind: "FROM"; image: string; name?: string })
  | (Base & { kind: "RUN"; command: CommandForm; heredocs: Heredoc[] })
  | (Base & { kind: "CMD" | "ENTRYPOINT"; command: CommandForm })
  | (Base & { kind: "SHELL"; shell: string[] })
  | (Base & { kind: "ENV" | "LABEL"; pairs: [string, string][] })
  | (Base & { kind: "ARG"; args: { name: string; value?: string }[] })
  | (Base & { kind: "EXPOSE" | "VOLUME"; values: string[] })
  | (Base & { kind: "WORKDIR" | "USER" | "STOPSIGNAL" | "MAINTAINER"; value: string })
  | (Base & { kind: "COPY" | "ADD"; sources: string[]; dest: string; heredocs: Heredoc[] })
  | (Base & { kind: "HEALTHCHECK"; command: string[] | null })
  | (Base & { kind: "ONBUILD"; instruction: Instruction; text: string });

export type Kind = Instruction["kind"];

export interface Dockerfile {
  /** The `# syntax=` directive, if any (recorded; bunker has one frontend). */
  syntax?: string;
  escape: string;
  instructions: Instruction[];
}
