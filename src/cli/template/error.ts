// Every template failure is one line starting "template:", exit code 64 as docker's
// CLI returns for a template it cannot parse or execute.
import { BunkerError } from "../../lib/errors.ts";

export class TemplateError extends BunkerError {
  constructor(message: string) {
    super(message, 64);
  }

  /** Go's "template: :LINE: msg" for a parse error at offset `pos` of `src`. */
  static at(src: string, pos: number, message: string): TemplateError {
    return new TemplateError(`template: :${lineOf(src, pos)}: ${message}`);
  }
}

export function lineOf(src: string, pos: number): number {
  return src.slice(0, pos).split("\n").length;
}

export function columnOf(src: string, pos: number): number {
  return pos - src.lastIndexOf("\n", pos - 1);
}
