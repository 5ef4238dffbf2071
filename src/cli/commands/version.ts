import { defineBunkerCommand } from "../command.ts";
import { BUILD_INFO } from "../../build-info.ts";

export default defineBunkerCommand({
  name: "version",
  description: "Show the bunker version information",
  usage: "",
  flags: [],
  maxArgs: 0,
  run() {
    process.stdout.write(
      `Client: bunker\n Version:    ${BUILD_INFO.version}\n Git commit: ${BUILD_INFO.commit}\n Built:      ${BUILD_INFO.built}\n Bun:        ${Bun.version}\n OS/Arch:    linux/${process.arch === "x64" ? "amd64" : process.arch}\n`,
    );
  },
});
