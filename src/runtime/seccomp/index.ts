// Docker's default seccomp profile and a compiler from Docker's profile format to
// the classic BPF program that prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) loads.
export { seccompProgramFile } from "./cache.ts";
export { type CompileOptions, compileProfile } from "./compile.ts";
export { defaultProfile, parseProfile, type SeccompProfile } from "./profile.ts";
