// A layer made here (commit, a build step) rather than received: its entries
// are written to a tar, which is then ingested like an imported one (unpacked,
// diff id computed, gzipped into a blob), invisible until committed.
import fs from "node:fs";
import { join } from "node:path";
import { type IngestedLayer, ingestLayer } from "./ingest.ts";
import type { ImageStore } from "./store.ts";
import { fileOutput, type TarEntry, writeTar } from "./tar-writer.ts";

export async function ingestEntries(store: ImageStore, entries: AsyncIterable<TarEntry>, whileWriting?: <T>(write: () => Promise<T>) => Promise<T>): Promise<IngestedLayer> {
  const scratch = store.newTempDir();
  try {
    const tarPath = join(scratch, "layer.tar");
    const write = () => writeTar(entries, fileOutput(tarPath));
    await (whileWriting ? whileWriting(write) : write());
    return await ingestLayer(store, Bun.file(tarPath).stream() as unknown as AsyncIterable<Uint8Array>, { gzipUncompressed: true });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
