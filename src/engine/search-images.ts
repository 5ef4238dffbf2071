// `search`: a registry's /v2/_catalog filtered by the term (the distribution
// API has no search), or Docker Hub's search API for plain terms.
import { BunkerError } from "../lib/errors.ts";
import { RegistryClient } from "../registry/client.ts";

export interface SearchResult {
  name: string;
  description: string;
  stars: number;
  official: boolean;
}

const HUB_SEARCH = "https://index.docker.io/v1/search";

/** "HOST/term" searches that registry's catalog; a bare term searches Docker Hub. */
export async function searchImages(term: string, limit: number): Promise<SearchResult[]> {
  const slash = term.indexOf("/");
  const first = slash > 0 ? term.slice(0, slash) : "";
  if (first.includes(".") || first.includes(":") || first === "localhost") {
    const needle = term.slice(slash + 1);
    const repos = await RegistryClient.for(first, "").catalog();
    return repos
      .filter((r) => r.includes(needle))
      .slice(0, limit)
      .map((r) => ({ name: `${first}/${r}`, description: "", stars: 0, official: false }));
  }
  let response: Response;
  try {
    response = await fetch(`${HUB_SEARCH}?q=${encodeURIComponent(term)}&n=${limit}`, { signal: AbortSignal.timeout(10_000) });
  } catch {
    throw new BunkerError(`cannot reach Docker Hub's search API; to search a registry's catalog, give its host: bunker search HOST/${term}`);
  }
  if (!response.ok) throw new BunkerError(`Docker Hub search failed: ${response.status} ${response.statusText}`);
  const body = (await response.json()) as { results?: { name: string; description?: string; star_count?: number; is_official?: boolean }[] };
  return (body.results ?? []).slice(0, limit).map((r) => ({ name: r.name, description: r.description ?? "", stars: r.star_count ?? 0, official: !!r.is_official }));
}
