import { openSync } from "node:fs";
import { close, receiveFd, socketPair } from "../../../../ffi/native.ts";
import { execDied, type ExecOptions, execSpec, execTarget, spawnExec } from "../../../engine/exec-container.ts";
import type { Engine } from "../../../engine/engine.ts";
import { BunkerError } from "../../../lib/errors.ts";
import { childExit } from "../../../runtime/child-exit.ts";
import { forwardSignals } from "../../../runtime/launch.ts";
import type { Stdio } from "../../../runtime/program.ts";
import { relayPty, terminalSize } from "../../../runtime/pty.ts";
import { closeStdioPipes, openStdioPipes, relayStdio } from "../../../runtime/stdio-pipes.ts";
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
      env: list(flags.env),
      envFiles: list(flags["env-file"]),
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
    const devNull = openSync("/dev/null", "r+");
    await spawnExec(engine, target, spec, { stdin: devNull, stdout: devNull, stderr: devNull });
    return 0;
  }
  const signals = forwardSignals();
  try {
    if (!opts.tty) {
      const pipes = openStdioPipes(interactive);
      let pid: number;
      try {
        pid = await spawnExec(engine, target, spec, pipes.child);
      } catch (e) {
        closeStdioPipes(pipes);
        throw e;
      }
      signals.attach(pid);
      const exit = childExit(pid);
      await relayStdio(pipes, exit);
      const { code } = await exit;
      execDied(engine, target, pid, code);
      return code;
    }
    const [ours, theirs] = socketPair();
    let pid: number;
    let master: number;
    try {
      const stdio: Stdio = { consoleSocket: theirs, ...terminalSize() };
      pid = await spawnExec(engine, target, spec, stdio);
      master = receiveFd(ours); // sent before the exec, so already queued
    } finally {
      close(ours);
      close(theirs);
    }
    signals.attach(pid);
    const [exit] = await Promise.all([childExit(pid), relayPty(master, interactive)]);
    execDied(engine, target, pid, exit.code);
    return exit.code;
  } finally {
    signals.stop();
  }
}
