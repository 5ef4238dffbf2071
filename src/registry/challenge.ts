// WWW-Authenticate (RFC 7235): one header may carry several challenges, and a
// quoted value may contain commas, e.g.
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a:pull,push", Basic realm="x"
// so it is tokenised, not split on commas.

export interface Challenge {
  /** Lower-cased: "bearer", "basic". */
  scheme: string;
  /** Parameter names lower-cased, values unquoted. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const SPACES = /[ \t]*/y;
/** Unquoted values should be tokens, but servers send bare URLs too: take up to the next comma or space. */
const BARE = /[^,\s]*/y;

export function parseChallenges(header: string | null): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  let pos = 0;
  const skipSpaces = () => {
    SPACES.lastIndex = pos;
    SPACES.exec(header);
    pos = SPACES.lastIndex;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(header);
    if (!m) return undefined;
    pos = TOKEN.lastIndex;
    return m[0];
  };
  const bare = (): string => {
    BARE.lastIndex = pos;
    const v = BARE.exec(header)?.[0] ?? "";
    pos = BARE.lastIndex;
    return v;
  };
  const quoted = (): string => {
    let v = "";
    for (pos++; pos < header.length && header[pos] !== '"'; pos++) {
      if (header[pos] === "\\" && pos + 1 < header.length) pos++;
      v += header[pos];
    }
    pos++; // closing quote
    return v;
  };

  while (pos < header.length) {
    skipSpaces();
    if (header[pos] === ",") {
      pos++;
      continue;
    }
    const scheme = token();
    if (!scheme) break; // garbage: keep what was understood
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    // auth-params until the next challenge (a token not followed by "=") or the end
    for (;;) {
      skipSpaces();
      while (header[pos] === ",") {
        pos++;
        skipSpaces();
      }
      const start = pos;
      const name = token();
      if (!name) break;
      skipSpaces();
      if (header[pos] !== "=") {
        pos = start; // the next challenge's scheme (or a token68, which registries do not use)
        break;
      }
      pos++;
      skipSpaces();
      const value = header[pos] === '"' ? quoted() : bare();
      challenge.params[name.toLowerCase()] = value;
    }
  }
  return out;
}
