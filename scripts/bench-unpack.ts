// Unpacks one layer with bunker's extractor (src/image/unpack.ts), nothing else:
// the bench's "extract" case compares exactly this with `tar -xzf`.
// Usage: bun scripts/bench-unpack.ts LAYER DEST   (DEST must be an empty directory)
import { unpackLayer } from "../src/image/unpack.ts";

const [layer, dest] = process.argv.slice(2);
if (!layer || !dest) throw new Error("usage: bun scripts/bench-unpack.ts LAYER DEST");
await unpackLayer(Bun.file(layer).stream(), dest);
