import { BunkerError } from "../lib/errors.ts";

/** A layer archive that is corrupt, unsupported or hostile; the message is one line. */
export class LayerError extends BunkerError {}
