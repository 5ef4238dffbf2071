import { STORE_CHECKS } from "../../../engine/store-check.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";

export default defineBunkerCommand({
  name: "system check",
  description: "Check the store for consistency and, with --repair, fix what can be fixed",
  usage: "[OPTIONS]",
  flags: [{ name: "repair", short: "r", type: "bool", description: "Repair what can be repaired" }],
  maxArgs: 0,
  async run(ctx, { flags }) {
    const engine = ctx.engine();
    const repair = bool(flags.repair);
    let found = 0;
    let left = 0;
    for (const check of STORE_CHECKS) {
      for (const p of await check(engine)) {
        found++;
        process.stdout.write(`${p.what}\n`);
        if (repair && p.repair) process.stdout.write(`  repaired: ${await p.repair()}\n`);
        else left++;
      }
    }
    if (found === 0) process.stdout.write("No problems found\n");
    else if (repair) process.stdout.write(`${found} problem(s) found, ${found - left} repaired${left > 0 ? `, ${left} left` : ""}\n`);
    else process.stdout.write(`${found} problem(s) found; run "${ctx.prog} system check --repair" to repair them\n`);
    return left > 0 ? 1 : 0;
  },
});
