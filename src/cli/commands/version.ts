import { defineBunkerCommand } from "../command.ts";
import { BUILD_INFO } from "../../build-info.ts";
import { str } from "../flags.ts";
import { loadTemplates } from "../format-flag.ts";
import { writeOut } from "../output.ts";

/** Go's GOARCH spelling. */
const arch = () => (process.arch === "x64" ? "amd64" : process.arch);

export default defineBunkerCommand({
  name: "version",
  description: "Show the bunker version information",
  usage: "",
  flags: [{ name: "format", short: "f", type: "string", description: "Format output using a Go template", valueHint: "string" }],
  maxArgs: 0,
  noNative: true,
  async run(_, { flags }) {
    const format = str(flags.format);
    if (format) {
      // Docker's version object, client side only: bunker has no server.
      const Client = { Version: BUILD_INFO.version, GitCommit: BUILD_INFO.commit, BuildTime: BUILD_INFO.built, BunVersion: Bun.version, Os: "linux", Arch: arch() };
      await writeOut(`${format === "json" ? JSON.stringify({ Client }) : (await loadTemplates()).renderTemplate(format, { Client })}\n`);
      return;
    }
    await writeOut(
      `Client: bunker\n Version:    ${BUILD_INFO.version}\n Git commit: ${BUILD_INFO.commit}\n Built:      ${BUILD_INFO.built}\n Bun:        ${Bun.version}\n OS/Arch:    linux/${arch()}\n`,
    );
  },
});
