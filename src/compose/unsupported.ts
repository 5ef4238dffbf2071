// Keys the Compose Specification defines but bunker does not carry out: each
// one present is an error naming its path, so nothing is silently ignored.
import { BunkerError } from "../lib/errors.ts";
import type { ComposeFile } from "./schema.ts";

function present(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === "object" && Object.keys(value as object).length === 0);
}

/** Every path of an unsupported key in use. */
export function unsupportedKeys(model: ComposeFile): string[] {
  const found: string[] = [];
  const check = (path: string, value: unknown) => present(value) && found.push(path);
  for (const [name, secret] of Object.entries(model.secrets ?? {})) {
    if (!secret.file) found.push(`secrets.${name}${secret.external ? ".external" : secret.environment ? ".environment" : ""}`);
  }
  check("configs", model.configs);
  for (const [name, s] of Object.entries(model.services ?? {})) {
    if (!s) continue;
    const at = `services.${name}`;
    if (typeof s.build === "object") {
      check(`${at}.build.dockerfile_inline`, s.build.dockerfile_inline);
      check(`${at}.build.platforms`, s.build.platforms);
    }
    (s.secrets ?? []).forEach((ref, i) => {
      if (typeof ref === "object" && (ref.uid || ref.gid || ref.mode !== undefined)) found.push(`${at}.secrets[${i}]`);
    });
    check(`${at}.deploy.restart_policy`, s.deploy?.restart_policy);
    check(`${at}.deploy.resources.reservations`, s.deploy?.resources?.reservations);
    (s.volumes ?? []).forEach((v, i) => {
      if (typeof v === "string") return;
      check(`${at}.volumes[${i}].consistency`, v.consistency);
      check(`${at}.volumes[${i}].bind.selinux`, v.bind?.selinux);
      check(`${at}.volumes[${i}].volume.subpath`, v.volume?.subpath);
    });
    (s.ports ?? []).forEach((p, i) => {
      if (typeof p === "object" && p.mode && p.mode !== "ingress" && p.mode !== "host") found.push(`${at}.ports[${i}].mode`);
    });
  }
  for (const [name, n] of Object.entries(model.networks ?? {})) {
    if (!n) continue;
    if (n.driver && n.driver !== "bridge") found.push(`networks.${name}.driver`);
    check(`networks.${name}.driver_opts`, n.driver_opts);
    if (n.enable_ipv6 === true || n.enable_ipv6 === "true") found.push(`networks.${name}.enable_ipv6`);
  }
  for (const [name, v] of Object.entries(model.volumes ?? {})) {
    if (!v) continue;
    if (v.driver && v.driver !== "local") found.push(`volumes.${name}.driver`);
    check(`volumes.${name}.driver_opts`, v.driver_opts);
  }
  return found;
}

export function rejectUnsupported(model: ComposeFile): void {
  const [first, ...more] = unsupportedKeys(model);
  if (first) throw new BunkerError(`${first}: not supported by bunker${more.length ? ` (nor ${more.join(", ")})` : ""}`, 1);
}
