// native.c as text, for bun:ffi's TinyCC when the build had no C compiler.
// A module of its own so the build can leave it out of every start-up path.
import source from "./native.c" with { type: "text" };

export default source;
