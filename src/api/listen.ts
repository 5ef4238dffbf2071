// Where the service listens: a unix socket (0660, root and the docker group, as
// dockerd's), a socket handed over by systemd (LISTEN_FDS), or TCP, which is
// served with mutual TLS, or in the clear on loopback only: reaching the API is
// being root on this host.
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, unlinkSync } from "node:fs";
import { connect, createServer, isIPv4, type Server } from "node:net";
import { dirname } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { resolveUser } from "../engine/user.ts";
import { BunkerError, UsageError } from "../lib/errors.ts";

export type ListenTarget = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number } | { kind: "fd"; fd: number };

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface Listening {
  server: Server;
  /** What clients connect to, as a DOCKER_HOST value. */
  uri: string;
  /** Connections arrive through TLS. */
  secure: boolean;
  /** Stops listening and removes a unix socket this service made. */
  close(): void;
}

export const SOCKET_MODE = 0o660;

export function parseListenUri(uri: string): ListenTarget {
  if (uri.startsWith("unix://")) {
    const path = uri.slice("unix://".length);
    if (!path.startsWith("/")) throw new UsageError(`unix socket path must be absolute: ${uri}`, "system service");
    return { kind: "unix", path };
  }
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(uri);
  if (tcp) return { kind: "tcp", host: tcp[1].replace(/^\[|\]$/g, ""), port: Number(tcp[2]) };
  throw new UsageError(`invalid listen address ${uri}: use unix:///PATH or tcp://ADDR:PORT`, "system service");
}

/** The socket systemd passed (sd_listen_fds: one fd, 3, meant for this very process), and forgets it for our children. */
export function activatedTarget(): ListenTarget | undefined {
  const { LISTEN_FDS, LISTEN_PID } = process.env;
  delete process.env.LISTEN_FDS;
  delete process.env.LISTEN_PID;
  delete process.env.LISTEN_FDNAMES;
  if (LISTEN_PID !== String(process.pid) || LISTEN_FDS === undefined) return undefined;
  if (LISTEN_FDS !== "1") throw new BunkerError(`systemd passed ${LISTEN_FDS} sockets; the service takes exactly one (one ListenStream= in bunker.socket)`);
  return { kind: "fd", fd: 3 };
}

const isLoopback = (host: string) => host === "localhost" || host === "::1" || (isIPv4(host) && host.startsWith("127."));

/** The docker group's id, where the host has one. */
function dockerGid(): number | undefined {
  try {
    return resolveUser("0:docker", null, readFileSync("/etc/group", "utf8")).gid;
  } catch {
    return undefined;
  }
}

/** Removes a socket file nobody answers on (left by a killed service); refuses one in use or anything else at PATH. */
async function clearStaleSocket(path: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    return;
  }
  if (!stat.isSocket()) throw new BunkerError(`${path} exists and is not a socket; remove it or choose another path`);
  const answered = await new Promise<boolean>((resolve) => {
    const probe = connect(path, () => resolve(true));
    probe.on("error", () => resolve(false));
    probe.on("connect", () => probe.destroy());
  });
  if (answered) throw new BunkerError(`another service is already listening on ${path}`);
  unlinkSync(path);
}

function listening(server: Server, target: object | string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (e: Error & { code?: string }) => reject(new BunkerError(`cannot listen on ${JSON.stringify(target)}: ${e.code ?? e.message}`)));
    server.listen(target as never, () => resolve());
  });
}

function readTls(files: TlsFiles) {
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new BunkerError(`cannot read --${flag} ${path}: ${(e as { code?: string }).code ?? (e as Error).message}`);
    }
  };
  // Mutual TLS: a client must show a certificate signed by the CA (dockerd's --tlsverify).
  return { ca: read("tlscacert", files.ca), cert: read("tlscert", files.cert), key: read("tlskey", files.key), requestCert: true, rejectUnauthorized: true };
}

export async function listen(target: ListenTarget, tls: TlsFiles | undefined): Promise<Listening> {
  if (target.kind === "tcp" && !tls && !isLoopback(target.host)) {
    throw new BunkerError(`refusing to serve the API in the clear on ${target.host}: whoever reaches it is root on this host; add --tlsverify (with --tlscacert, --tlscert, --tlskey) or listen on 127.0.0.1`);
  }
  const secure = tls !== undefined && target.kind !== "unix"; // a unix socket is guarded by its mode, as dockerd's
  // Half-open as node's own http server is: a hijacked client that shuts its write side (stdin's EOF) still reads.
  const server = secure ? createTlsServer({ ...readTls(tls), allowHalfOpen: true }) : createServer({ allowHalfOpen: true });
  if (target.kind === "fd") {
    await listening(server, { fd: target.fd });
    return { server, secure, uri: `fd://${target.fd}`, close: () => server.close() };
  }
  if (target.kind === "tcp") {
    await listening(server, { host: target.host, port: target.port });
    const { address, port } = server.address() as { address: string; port: number };
    const host = address.includes(":") ? `[${address}]` : address;
    return { server, secure, uri: `tcp://${host}:${port}`, close: () => server.close() };
  }
  const { path } = target;
  await clearStaleSocket(path);
  const umask = process.umask(0o177); // the socket is born 0600, then opened to the group
  try {
    await listening(server, path);
  } finally {
    process.umask(umask);
  }
  const gid = dockerGid();
  if (gid !== undefined) {
    chownSync(path, 0, gid);
    // The docker group must reach the socket through its directory (the run root is 0700): let the group
    // traverse it, never list it. Its members are root-equivalent through the socket anyway.
    const dir = dirname(path);
    if ((lstatSync(dir).mode & 0o777) === 0o700) {
      chownSync(dir, 0, gid);
      chmodSync(dir, 0o710);
    }
  }
  chmodSync(path, SOCKET_MODE);
  const { ino } = lstatSync(path);
  const close = () => {
    server.close();
    try {
      if (lstatSync(path).ino === ino) unlinkSync(path); // ours still: a newer service may have taken the path
    } catch {
      // already gone
    }
  };
  return { server, secure, uri: `unix://${path}`, close };
}
