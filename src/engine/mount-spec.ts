// `--mount` specs, read as the docker CLI reads them (opts/mount.go): comma-separated
// key=value fields, `type` bind|volume|tmpfs (volume when absent), source/src,
// target/destination/dst, readonly/ro, bind-propagation, volume-nocopy,
// volume-label, volume-opt, volume-driver, tmpfs-size, tmpfs-mode.
// The result is docker's HostConfig.Mounts entry, which createContainer then turns
// into the same kinds of mounts `-v` and `--tmpfs` make. Pure, so unit tests cover it.
import { isAbsolute } from "node:path";
import { BunkerError } from "../lib/errors.ts";
import type { MountConfig } from "./container-create.ts";
import { parseBytes } from "./units.ts";
import { cleanPath, PROPAGATIONS, VOLUME_NAME, type VolumeSpec } from "./volume-spec.ts";

export type { MountConfig };

const TYPES = new Set(["bind", "volume", "tmpfs"]);

/** "true"/"1" and friends, as Go's strconv.ParseBool; a bare key is true. */
function parseBool(key: string, value: string | undefined, invalid: (why: string) => BunkerError): boolean {
  if (value === undefined) return true;
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  throw invalid(`invalid value for ${key}: ${value}`);
}

/** KEY=VALUE into a record (volume-label=a=b: key "a", value "b"). */
function addPair(into: Record<string, string> | undefined, pair: string): Record<string, string> {
  const i = pair.indexOf("=");
  return { ...into, [i < 0 ? pair : pair.slice(0, i)]: i < 0 ? "" : pair.slice(i + 1) };
}

export function parseMountSpec(spec: string): MountConfig {
  const invalid = (why: string) => new BunkerError(`invalid argument "${spec}" for "--mount" flag: ${why}`);
  const m: MountConfig = { Type: "volume", Target: "" };
  const volume = () => (m.VolumeOptions ??= {});
  for (const field of spec.split(",")) {
    const i = field.indexOf("=");
    const key = (i < 0 ? field : field.slice(0, i)).toLowerCase();
    const value = i < 0 ? undefined : field.slice(i + 1);
    const need = () => {
      if (value === undefined) throw invalid(`invalid field '${field}' must be a key=value pair`);
      return value;
    };
    switch (key) {
      case "type":
        if (!TYPES.has(need())) throw invalid(`invalid mount type '${value}': use bind, volume or tmpfs`);
        m.Type = value as MountConfig["Type"];
        break;
      case "source":
      case "src":
        m.Source = need();
        break;
      case "target":
      case "dst":
      case "destination":
        m.Target = need();
        break;
      case "readonly":
      case "ro":
        m.ReadOnly = parseBool(key, value, invalid);
        break;
      case "consistency": // macOS only; docker accepts and ignores it on Linux
        need();
        break;
      case "bind-propagation":
        if (!PROPAGATIONS.has(need())) throw invalid(`invalid bind-propagation '${value}'`);
        m.BindOptions = { Propagation: value };
        break;
      case "volume-nocopy":
        volume().NoCopy = parseBool(key, value, invalid);
        break;
      case "volume-label":
        volume().Labels = addPair(volume().Labels, need());
        break;
      case "volume-driver":
        volume().DriverConfig = { ...volume().DriverConfig, Name: need() };
        break;
      case "volume-opt":
        volume().DriverConfig = { ...volume().DriverConfig, Options: addPair(volume().DriverConfig?.Options, need()) };
        break;
      case "tmpfs-size":
        try {
          m.TmpfsOptions = { ...m.TmpfsOptions, SizeBytes: parseBytes(need()) };
        } catch (e) {
          throw invalid(`invalid tmpfs-size: ${(e as Error).message}`);
        }
        break;
      case "tmpfs-mode":
        if (!/^[0-7]+$/.test(need())) throw invalid(`invalid tmpfs-mode '${value}': use an octal mode such as 1777`);
        m.TmpfsOptions = { ...m.TmpfsOptions, Mode: Number.parseInt(value!, 8) };
        break;
      default:
        throw invalid(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (m.Target === "") throw invalid("target is required");
  return checkMount(m);
}

/** The daemon's checks (volume/mounts/validate.go), with its wording: "invalid mount config for type …". */
export function checkMount(m: MountConfig): MountConfig {
  const invalid = (why: string) => new BunkerError(`invalid mount config for type "${m.Type}": ${why}`);
  if (!isAbsolute(m.Target)) throw invalid(`invalid mount path: '${m.Target}' mount path must be absolute`);
  if (m.Type !== "volume" && m.VolumeOptions) throw invalid("field VolumeOptions must not be specified");
  if (m.Type !== "bind" && m.BindOptions) throw invalid("field BindOptions must not be specified");
  if (m.Type !== "tmpfs" && m.TmpfsOptions) throw invalid("field TmpfsOptions must not be specified");
  if (m.Type === "bind" && !m.Source) throw invalid("field Source must not be empty");
  if (m.Type === "bind" && !isAbsolute(m.Source!)) throw invalid(`invalid mount path: '${m.Source}' mount path must be absolute`);
  if (m.Type === "tmpfs" && m.Source) throw invalid("field Source must not be specified");
  if (m.Type === "volume" && m.Source && !VOLUME_NAME.test(m.Source))
    throw invalid(`"${m.Source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
  const driver = m.VolumeOptions?.DriverConfig?.Name;
  if (driver !== undefined && driver !== "local") throw new BunkerError(`plugin "${driver}" not found`);
  return m;
}

/** A --mount as the spec `-v` would have given (binds and volumes), so both share one path; tmpfs mounts return null. */
export function mountVolumeSpec(m: MountConfig): VolumeSpec | null {
  const rw = !m.ReadOnly;
  const destination = cleanPath(m.Target);
  if (m.Type === "bind") return { kind: "bind", source: cleanPath(m.Source!), destination, mode: "", rw, propagation: m.BindOptions?.Propagation, mustExist: true };
  if (m.Type === "tmpfs") return null;
  const nocopy = m.VolumeOptions?.NoCopy ?? false;
  const volume = { labels: m.VolumeOptions?.Labels, options: m.VolumeOptions?.DriverConfig?.Options };
  if (!m.Source) return { kind: "anonymous", destination, mode: "", rw, nocopy, ...volume };
  return { kind: "volume", name: m.Source, destination, mode: "", rw, nocopy, ...volume };
}

/** The tmpfs mount options of a --mount type=tmpfs: size in bytes, mode in octal, as docker passes them. */
export function tmpfsOptions(m: MountConfig): string {
  const opts: string[] = [];
  if (m.TmpfsOptions?.SizeBytes) opts.push(`size=${m.TmpfsOptions.SizeBytes}`);
  if (m.TmpfsOptions?.Mode !== undefined) opts.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
  if (m.ReadOnly) opts.push("ro");
  return opts.join(",");
}
