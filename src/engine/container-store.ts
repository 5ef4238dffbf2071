// Containers on disk, one directory each, so parallel CLI invocations rarely
// contend:
//   containers/<id>/container.json  the record (Docker's inspect shape, mostly)
//   containers/<id>/config.json     the OCI runtime spec (the bundle)
//   containers/<id>/{upper,work,merged}  the overlay's writable layer
//   containers/<id>/{hostname,hosts,resolv.conf}
//   containers/.removing-<id>/      a container being deleted
//   names/<name> -> <id>            a symlink: creating it reserves the name atomically
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { writeJsonAtomic } from "../lib/atomic.ts";
import { BunkerError, NotFoundError } from "../lib/errors.ts";
import { withLock } from "../lib/lock.ts";
import type { ContainerState } from "./state.ts";

export interface MountPoint {
  Type: "bind" | "volume" | "tmpfs";
  Source: string;
  Destination: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface ContainerRecord {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerState;
  Image: string;
  Name: string; // with docker's leading "/"
  RestartCount: number;
  Driver: string;
  Platform: string;
  Config: {
    Hostname: string;
    Domainname: string;
    User: string;
    AttachStdin: boolean;
    AttachStdout: boolean;
    AttachStderr: boolean;
    Tty: boolean;
    OpenStdin: boolean;
    StdinOnce: boolean;
    Env: string[];
    Cmd: string[] | null;
    Image: string;
    Volumes: Record<string, object> | null;
    WorkingDir: string;
    Entrypoint: string[] | null;
    Labels: Record<string, string>;
    StopSignal?: string;
  };
  HostConfig: {
    Binds: string[] | null;
    NetworkMode: string;
    AutoRemove: boolean;
    Tmpfs: Record<string, string> | null;
    Privileged: boolean;
    ReadonlyRootfs: boolean;
  };
  Mounts: MountPoint[];
}

export class ContainerStore {
  readonly dir: string;
  private readonly namesDir: string;

  constructor(root: string) {
    this.dir = join(root, "containers");
    this.namesDir = join(root, "names");
  }

  path(id: string, ...rest: string[]): string {
    return join(this.dir, id, ...rest);
  }

  /**
   * Writes the record first and reserves the name (an atomic symlink) last, so
   * a crash in between leaves a container that `ps` lists and `rm` removes,
   * never a name that nothing owns.
   */
  create(record: ContainerRecord): void {
    mkdirSync(this.path(record.Id), { recursive: true });
    this.save(record);
    try {
      this.reserveName(record.Name.slice(1), record.Id);
    } catch (e) {
      rmSync(this.path(record.Id), { recursive: true, force: true });
      throw e;
    }
  }

  private reserveName(name: string, id: string): void {
    mkdirSync(this.namesDir, { recursive: true });
    const link = join(this.namesDir, name);
    for (let attempt = 0; ; attempt++) {
      try {
        symlinkSync(id, link);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const owner = this.nameOwner(name);
      // A name left by a container that no longer exists (a crash mid-rm) is free again.
      if (attempt === 0 && owner && !existsSync(this.path(owner, "container.json"))) {
        rmSync(link, { force: true });
        continue;
      }
      throw new BunkerError(
        `Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
  }

  private nameOwner(name: string): string {
    try {
      return readlinkSync(join(this.namesDir, name));
    } catch {
      return "";
    }
  }

  /** Transient saves (a running pid) need not survive a crash: after a reboot the container is not running anyway. */
  save(record: ContainerRecord, { durable = true } = {}): void {
    writeJsonAtomic(this.path(record.Id, "container.json"), record, { durable });
  }

  load(id: string): ContainerRecord {
    try {
      return JSON.parse(readFileSync(this.path(id, "container.json"), "utf8"));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError(`No such container: ${id}`);
      throw e;
    }
  }

  ids(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((n) => /^[a-f0-9]{64}$/.test(n) && existsSync(this.path(n, "container.json")));
  }

  list(): ContainerRecord[] {
    const out: ContainerRecord[] = [];
    for (const id of this.ids()) {
      try {
        out.push(this.load(id));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e; // removed while we listed
      }
    }
    return out;
  }

  /** Finds a container by full id, name, or unique id prefix (docker's order). */
  resolve(ref: string): string {
    const ids = this.ids();
    if (ids.includes(ref)) return ref;
    const byName = this.nameOwner(ref.startsWith("/") ? ref.slice(1) : ref);
    if (byName && ids.includes(byName)) return byName;
    if (/^[a-f0-9]+$/.test(ref)) {
      const matches = ids.filter((id) => id.startsWith(ref));
      if (matches.length === 1) return matches[0];
      if (matches.length > 1) throw new BunkerError(`Multiple IDs found with provided prefix: ${ref}`);
    }
    throw new NotFoundError(`No such container: ${ref}`);
  }

  /** Serialises state changes of one container across processes. */
  withLock<T>(id: string, fn: () => T): T {
    try {
      return withLock(this.path(id, "lock"), fn, { createDir: false });
    } catch (e) {
      // The directory is gone: the container was removed while we waited.
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError(`No such container: ${id}`);
      throw e;
    }
  }

  /**
   * The directory is first renamed out of the listing (atomic), then the name
   * is released, then the files go: a crash midway leaves only a
   * `.removing-<id>` directory, never a half-visible container.
   */
  remove(record: ContainerRecord): void {
    const tomb = join(this.dir, `.removing-${record.Id}`);
    renameSync(this.path(record.Id), tomb);
    const link = join(this.namesDir, record.Name.slice(1));
    if (this.nameOwner(record.Name.slice(1)) === record.Id) rmSync(link, { force: true });
    rmSync(tomb, { recursive: true, force: true });
  }
}
