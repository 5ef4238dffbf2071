import { execDied, type ExecOptions, execSpec, execTarget, launchExec } from "../../../engine/exec-container.ts";
import type { Engine } from "../../../engine/engine.ts";
import { readEnvFile, withCallerValue } from "../../../engine/env.ts";
import { BunkerError } from "../../../lib/errors.ts";
import { childExit } from "../../../runtime/child-exit.ts";
import { forwardSignals } from "../../../runtime/launch.ts";
import { relayPty, terminalSize } from "../../../runtime/pty.ts";
import { relayStdio } from "../../../runtime/stdio-pipes.ts";
import { defineBunkerCommand } from "../../command.ts";
import { reportingDaemonErrors } from "../../daemon-errors.ts";
import { bool, list, str } from "../../flags.ts";

export default defineBunkerCommand({
  name: "exec",
  description: "Execute a command in a running container",
  usage: "[OPTIONS] CONTAINER COMMAND [ARG...]",
  flags: [
    { name: "detach", short: "d", type: "bool", description: "Detached mode: run command in the background" },
    { name: "env", short: "e", type: "list", description: "Set environment variables", valueHint: "list" },
    { name: "env-file", type: "list", description: "Read in a file of environment variables", valueHint: "list" },
    { name: "interactive", short: "i", type: "bool", description: "Keep STDIN open even if not attached" },
    { name: "privileged", type: "bool", description: "Give extended privileges to the command" },
    { name: "tty", short: "t", type: "bool", description: "Allocate a pseudo-TTY" },
    { name: "user", short: "u", type: "string", description: 'Username or UID (format: "<name|uid>[:<group|gid>]")', valueHint: "string" },
    { name: "workdir", short: "w", type: "string", description: "Working directory inside the container", valueHint: "string" },
  ],
  stopAtFirstPositional: true,
  minArgs: 2,
  async run(ctx, { flags, positionals }) {
    const [ref, ...command] = positionals;
    const interactive = bool(flags.interactive);
    const opts: ExecOptions = {
      command,
      // Read here, as the docker CLI does: a bare NAME takes this process's value, never the engine's.
      env: [...list(flags["env-file"]).flatMap(readEnvFile), ...list(flags.env)].map(withCallerValue),
      envFiles: [],
      workdir: str(flags.workdir),
      user: str(flags.user),
      privileged: bool(flags.privileged),
      tty: bool(flags.tty),
    };
    const detach = bool(flags.detach);
    if (opts.tty && interactive && !detach && !process.stdin.isTTY) throw new BunkerError("the input device is not a TTY", 1);
    return reportingDaemonErrors(() => execIn(ctx.engine(), ref, opts, interactive, detach));
  },
});

async function execIn(engine: Engine, ref: string, opts: ExecOptions, interactive: boolean, detach: boolean): Promise<number> {
  const target = execTarget(engine, ref);
  const spec = execSpec(target, opts);
  if (detach) {
    await launchExec(engine, target, spec, { stdin: false, detach, rows: 0, cols: 0 });
    return 0;
  }
  const signals = forwardSignals();
  try {
    const launched = await launchExec(engine, target, spec, { stdin: interactive, detach, ...terminalSize() });
    signals.attach(launched.pid);
    const exit = childExit(launched.pid);
    if ("pipes" in launched) await relayStdio(launched.pipes, exit);
    else if ("master" in launched) await relayPty(launched.master, interactive);
    const { code } = await exit;
    execDied(engine, target, launched.pid, code);
    return code;
  } finally {
    signals.stop();
  }
}
