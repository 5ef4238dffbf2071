import { containerProcesses } from "../../../engine/container-top.ts";
import { defineBunkerCommand } from "../../command.ts";
import { reportingDaemonErrors } from "../../daemon-errors.ts";
import { renderTable } from "../../format.ts";

export default defineBunkerCommand({
  name: "top",
  description: "Display the running processes of a container",
  usage: "CONTAINER [ps OPTIONS]",
  flags: [],
  stopAtFirstPositional: true,
  minArgs: 1,
  run(ctx, { positionals }) {
    const [ref, ...psArgs] = positionals;
    return reportingDaemonErrors(() => {
      const { titles, processes } = containerProcesses(ctx.engine(), ref, psArgs);
      process.stdout.write(renderTable(titles, processes, 20)); // the docker CLI's tabwriter: at least 20 wide
      return 0;
    });
  },
});
