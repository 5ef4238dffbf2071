// Resolves docker's `-u user[:group]` against the image's /etc/passwd and /etc/group.
import { BunkerError } from "../lib/errors.ts";

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function parsePasswd(text: string | null): PasswdEntry[] {
  if (!text) return [];
  return text
    .split("\n")
    .map((l) => l.split(":"))
    .filter((f) => f.length >= 7 && /^\d+$/.test(f[2]) && /^\d+$/.test(f[3]))
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] }));
}

function parseGroup(text: string | null): { name: string; gid: number; members: string[] }[] {
  if (!text) return [];
  return text
    .split("\n")
    .map((l) => l.split(":"))
    .filter((f) => f.length >= 4 && /^\d+$/.test(f[2]))
    .map((f) => ({ name: f[0], gid: Number(f[2]), members: f[3].split(",").filter(Boolean) }));
}

const MAX_ID = 2 ** 31 - 1;

const isNumeric = (s: string) => /^\d+$/.test(s);

export function resolveUser(spec: string, passwdText: string | null, groupText: string | null): ResolvedUser {
  const [userPart, groupPart] = spec === "" ? ["0", undefined] : spec.split(":", 2);
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);

  const entry = isNumeric(userPart) ? passwd.find((p) => p.uid === Number(userPart)) : passwd.find((p) => p.name === userPart);
  if (!entry && !isNumeric(userPart)) throw new BunkerError(`unable to find user ${userPart}: no matching entries in passwd file`);
  const uid = entry?.uid ?? Number(userPart);
  let gid = entry?.gid ?? 0;

  if (groupPart !== undefined && groupPart !== "") {
    if (isNumeric(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new BunkerError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  // Supplementary groups: the user's memberships, or else its primary group, as runc's GetExecUser does.
  const memberships = entry && groupPart === undefined ? groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid) : [];
  const additionalGids = memberships.length > 0 ? memberships : [gid];
  // The kernel's ids are 32-bit, but 2^31 and above read as negative in places (and -1 means "unchanged" to setresuid).
  for (const id of [uid, gid, ...additionalGids]) if (id > MAX_ID) throw new BunkerError(`uids and gids must be in range 0-${MAX_ID}: ${id}`);
  return { uid, gid, additionalGids, home: entry?.home || "/" };
}
