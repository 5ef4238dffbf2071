import { runHealthcheck } from "../../../engine/health-run.ts";
import { defineBunkerCommand } from "../../command.ts";
import { reportingDaemonErrors } from "../../daemon-errors.ts";

export default defineBunkerCommand({
  name: "healthcheck run",
  description: "Run a container's health check once and record its result",
  usage: "CONTAINER",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { positionals }) {
    return reportingDaemonErrors(async () => {
      const health = await runHealthcheck(ctx.engine(), positionals[0]);
      // As podman: silent when healthy; exit code 1 otherwise.
      if (health.Status === "healthy") return 0;
      console.log(health.Status);
      return 1;
    });
  },
});
