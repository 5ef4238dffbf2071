import { type SystemInfo, systemInfo } from "../../../engine/system-info.ts";
import { BUILD_INFO } from "../../../build-info.ts";
import { defineBunkerCommand } from "../../command.ts";
import { str } from "../../flags.ts";
import { bytesSize } from "../../format.ts";
import { loadTemplates } from "../../format-flag.ts";

/** docker info's text layout (its Server section: bunker's engine runs in this process). */
function text(i: SystemInfo): string {
  const security = i.SecurityOptions.flatMap((o) => {
    const fields = Object.fromEntries(o.split(",").map((kv) => kv.split("=", 2)));
    return [`  ${fields.name}`, ...(fields.profile ? [`   Profile: ${fields.profile}`] : [])];
  });
  return [
    "Client:",
    ` Version:    ${BUILD_INFO.version}`,
    " Context:    default",
    " Debug Mode: false",
    "",
    "Server:",
    ` Containers: ${i.Containers}`,
    `  Running: ${i.ContainersRunning}`,
    `  Paused: ${i.ContainersPaused}`,
    `  Stopped: ${i.ContainersStopped}`,
    ` Images: ${i.Images}`,
    ` Server Version: ${i.ServerVersion}`,
    ` Storage Driver: ${i.Driver}`,
    ...i.DriverStatus.map(([k, v]) => `  ${k}: ${v}`),
    ` Logging Driver: ${i.LoggingDriver}`,
    ` Cgroup Driver: ${i.CgroupDriver}`,
    ` Cgroup Version: ${i.CgroupVersion}`,
    " Plugins:",
    `  Volume: ${i.Plugins.Volume.join(" ")}`,
    `  Network: ${i.Plugins.Network.join(" ")}`,
    `  Log: ${i.Plugins.Log.join(" ")}`,
    " Security Options:",
    ...security,
    ` Kernel Version: ${i.KernelVersion}`,
    ` Operating System: ${i.OperatingSystem}`,
    ` OSType: ${i.OSType}`,
    ` Architecture: ${i.Architecture}`,
    ` CPUs: ${i.NCPU}`,
    ` Total Memory: ${bytesSize(i.MemTotal)}`,
    ` Name: ${i.Name}`,
    ` Docker Root Dir: ${i.DockerRootDir}`,
    " Debug Mode: false",
    "",
  ].join("\n");
}

export default defineBunkerCommand({
  name: "info",
  description: "Display system-wide information",
  usage: "[OPTIONS]",
  flags: [{ name: "format", short: "f", type: "string", description: "Format output using a Go template or 'json'", valueHint: "string" }],
  maxArgs: 0,
  async run(ctx, { flags }) {
    const info = systemInfo(ctx.engine());
    const format = str(flags.format);
    if (format === "json") process.stdout.write(`${JSON.stringify(info)}\n`);
    else if (format) process.stdout.write(`${(await loadTemplates()).renderTemplate(format, info)}\n`);
    else process.stdout.write(text(info));
  },
});
