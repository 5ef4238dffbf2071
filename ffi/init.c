/*
 * --init: PID 1 inside the container (docker-init/tini's job). A process that
 * is PID 1 gets no default signal actions and inherits every orphan, so a
 * plain program there ignores `docker stop`'s SIGTERM and leaves zombies.
 * This init starts the command, forwards every signal it receives to it,
 * reaps whatever exits, and leaves with the command's exit code.
 * Part of the monitor executable (monitor.c), bind-mounted read-only at
 * /sbin/docker-init: it is static, so it runs in any image.
 */
extern char **environ;
extern int sigwaitinfo(const void *set, void *info);
extern int fork(void);
#define WNOHANG 1

static int exit_code_of(int status) {
  return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
}

static const char *env_path(void) {
  for (char **e = environ; *e; e++) {
    const char *v = *e;
    if (v[0] == 'P' && v[1] == 'A' && v[2] == 'T' && v[3] == 'H' && v[4] == '=') return v + 5;
  }
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static int invoked_as(const char *argv0, const char *name) {
  const char *base = argv0;
  for (const char *c = argv0; *c; c++) if (*c == '/') base = c + 1;
  return seq(base, name);
}

/* argv: docker-init ["--"] COMMAND [ARG...] */
static int init_main(int argc, char **argv) {
  u64 all = ~0ULL, none = 0; int first = 1, child, status, w; long info[16];
  if (argc > 1 && seq(argv[1], "--")) first = 2;
  if (first >= argc) { write(2, "docker-init: no command given\n", 30); return 1; }
  syscall(SYS_rt_sigprocmask, 0 /* SIG_BLOCK */, &all, 0, 8);
  child = fork();
  if (child < 0) { write(2, "docker-init: fork failed\n", 25); return 1; }
  if (child == 0) {
    char msg[512]; char *p;
    syscall(SYS_rt_sigprocmask, 2 /* SIG_SETMASK */, &none, 0, 8);
    exec_search(env_path(), argv + first, environ);
    p = put_str(msg, "docker-init: exec ", msg + 20); p = put_str(p, argv[first], msg + 400);
    p = put_str(p, errno == ENOENT ? ": no such file or directory\n" : ": permission denied\n", msg + 510);
    write(2, msg, p - msg);
    _exit(errno == ENOENT ? 127 : 126);
  }
  for (;;) {
    int sig = sigwaitinfo(&all, info);
    if (sig < 0) continue;
    if (sig != SIGCHLD) { kill(child, sig); continue; }
    while ((w = waitpid(-1, &status, WNOHANG)) > 0) if (w == child) return exit_code_of(status);
  }
}
