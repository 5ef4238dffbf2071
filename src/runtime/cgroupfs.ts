// The container's /sys/fs/cgroup: the spec's `cgroup` mount (docker puts one there, read-only)
// made concrete, as runc does it. JVM, Node, .NET and Go's automaxprocs size their heaps and
// threads from what they find there; an empty directory makes them size for the host.
//   v1: a tmpfs holding each hierarchy's directory of the container's own cgroup (memory/, cpu/, …);
//   v2: a bind of the container's cgroup directory.
// There is no cgroup namespace, so /proc/self/cgroup names bunker/<id>, and each bind shows that
// root in mountinfo: readers that map one to the other (the JVM, automaxprocs) find the right files.
import type { ContainerCgroup } from "./cgroup-backend.ts";
import type { RuntimeSpec, SpecMount } from "./spec.ts";

/** The spec with its `cgroup` mount replaced by the mounts that show `cgroup` (none on a host without cgroups). */
export function withCgroupfs(spec: RuntimeSpec, cgroup: ContainerCgroup): RuntimeSpec {
  const mount = spec.mounts?.find((m) => m.type === "cgroup");
  if (!mount) return spec;
  const options = mount.options ?? [];
  const bind = (destination: string, dir: string): SpecMount => ({ destination, type: "bind", source: dir, options: ["bind", ...options] });
  const base = mount.destination.replace(/\/+$/, "");
  let concrete: SpecMount[] = [];
  if (cgroup.v2Dir) {
    concrete = [bind(base, cgroup.v2Dir)];
  } else if (cgroup.views.length > 0) {
    // The tmpfs stays writable until the binds have their mount points, then is remounted read-only (runc's order).
    const writable = options.filter((o) => o !== "ro");
    concrete = [
      { destination: base, type: "tmpfs", source: "tmpfs", options: [...writable, "mode=755"] },
      ...cgroup.views.map((v) => bind(`${base}/${v.name}`, v.dir)),
      ...(options.includes("ro") ? [{ destination: base, type: "bind", source: "", options: ["bind", "remount", ...options] }] : []),
    ];
  }
  return { ...spec, mounts: spec.mounts!.flatMap((m) => (m === mount ? concrete : [m])) };
}
