/*
 * bunker-monitor: one small process per running container (podman's conmon,
 * docker's containerd-shim). scripts/build.ts compiles it statically and
 * embeds it in the executable; src/runtime/monitor.ts starts it.
 *
 * It clones the container (running the program, native.c's operation list,
 * that the CLI sends first on fd 3, the "owner" socket), reports the pid
 * there, then stays as
 * the container's parent:
 *   - copies the container's stdout/stderr (or its terminal) into Docker's
 *     json-file log, with size-based rotation, and to attached clients;
 *   - serves attach clients on a unix socket: the owner (the CLI that
 *     started it; a foreground `run`) and later `attach`, `wait`, `stop`;
 *   - runs `bunker healthcheck run ID` every health interval (the start interval while the container
 *     is still starting within its start period, as docker's getInterval);
 *   - reaps the container, writes its exit code atomically to DIR/exit, sends
 *     it to every client, and when no owner is left to finish the job execs
 *     `bunker container cleanup ID` (--rm, restart policies).
 *
 * Wire format, both directions: an 8-byte header [type, 0, 0, 0, size as
 * big-endian u32] then size bytes (Docker's stdcopy framing).
 *   to clients:   1 stdout, 2 stderr, 3 exit (the code as text), 6 the start's outcome (owner only)
 *   from clients: 0 stdin data, 4 close stdin, 5 window size ("rows cols"),
 *                 7 cleanup mode ("0" never, "1" unowned, "2" always: `update --restart` gave a policy)
 *
 * Run as docker-init (bind-mounted there) it is the container's --init (init.c).
 */
#include "native.c"
#include "init.c"

extern int poll(void *fds, unsigned long n, int timeout);
extern int accept4(int fd, void *addr, void *len, int flags);
extern int bind(int fd, const void *addr, unsigned int len);
extern int listen(int fd, int backlog);
extern int unlink(const char *path);
extern int rename(const char *from, const char *to);
extern int fsync(int fd);
extern int fchmod(int fd, unsigned int mode);
extern long pwrite(int fd, const void *buf, unsigned long n, long off);
extern int ftruncate(int fd, long len);
extern long lseek(int fd, long off, int whence);
extern int clock_gettime(int clock, void *ts);
extern int getpid(void);
extern int signal(int sig, void *handler);

#define SYS_signalfd4 289
#define POLLIN 1
#define POLLOUT 4
#define POLLHUP 16
#define POLLERR 8
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define PR_SET_CHILD_SUBREAPER 36
#define O_APPEND 02000
#define O_TRUNC 01000
#define SIG_IGN ((void *)1)
#define F_SETFL 4
#define O_NONBLOCK 04000
#define EAGAIN 11
#define LINE_MAX_BYTES 16384
#define MAX_CLIENTS 64
#define FRAME_HEADER 8
#define CLIENT_BUF (65536 + FRAME_HEADER)

struct pollfd_ { int fd; short events, revents; };
struct timespec_ { long sec, nsec; };
struct sockaddr_un_ { unsigned short family; char path[108]; };

/* The fds the container's program refers to (src/runtime/monitor.ts builds it with the same numbers). */
#define CHILD_STDIN 10
#define CHILD_STDOUT 11
#define CHILD_STDERR 12
#define CHILD_CONSOLE 10

enum { T_STDIN = 0, T_STDOUT = 1, T_STDERR = 2, T_EXIT = 3, T_CLOSE_STDIN = 4, T_RESIZE = 5, T_REPORT = 6, T_CLEANUP = 7 };

static const char *opt_netns = "", *opt_dir = "", *opt_log = "", *opt_log_attrs = "", *opt_events = "", *opt_event_attrs = "", *opt_socket = "", *opt_cgroup2 = "", *opt_exe = "", *opt_root = "", *opt_runroot = "", *opt_id = "";
static long opt_clone, opt_log_max_size, opt_log_max_file = 1, opt_health_ms, opt_health_start_ms, opt_health_start_period_ms, opt_tty, opt_stdin, opt_cleanup, opt_attached;

#include "dns.c" /* the embedded DNS resolver (127.0.0.11): hooked into spawn_in_netns, parse_options and the poll loop */

struct client { int used, fd, owner, len; char buf[CLIENT_BUF]; };
/* Static slots: the kernel backs only the pages a client touches, so idle slots cost no memory. */
static struct client clients[MAX_CLIENTS];

static int out_fd[2] = { -1, -1 };     /* the container's stdout and stderr (or its terminal, in out_fd[0]) */
static int stdin_fd = -1;              /* our end of the container's stdin, with -i (or the terminal); non-blocking */
/*
 * The client whose stdin frame the container has not read yet (-1: none).
 * Until it has, that client's later frames wait and its socket is not read:
 * so a client's stdin is held back by the container's pace (back-pressure)
 * while the container's output keeps flowing, and nothing is dropped.
 */
static int stdin_client = -1;
static long stdin_written;             /* how much of that frame's payload the container has */
static int console_fd = -1;            /* the terminal's master, with -t */
static int listen_fd = -1;
static int log_fd = -1;
static long log_size;
static int log_torn; /* the last entry went in only in part (a full disk): the next one starts a new line */
static char line_buf[2][LINE_MAX_BYTES];
static int line_len[2];

/* ---- time ---- */

/* RFC 3339 with nanoseconds, trailing zeros trimmed (Go's RFC3339Nano, as Docker writes it). */
static char *put_time(char *p) {
  struct timespec_ ts; long days, secs, y, m, d, era, doe, yoe, doy, mp; int i; char frac[10];
  clock_gettime(0 /* CLOCK_REALTIME */, &ts);
  days = ts.sec / 86400; secs = ts.sec % 86400;
  /* civil_from_days (Howard Hinnant) */
  days += 719468; era = days / 146097; doe = days - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400; doy = doe - (365 * yoe + yoe / 4 - yoe / 100); mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1; m = mp < 10 ? mp + 3 : mp - 9; if (m <= 2) y++;
  long parts[6] = { y, m, d, secs / 3600, secs / 60 % 60, secs % 60 };
  const char seps[6] = { '-', '-', 'T', ':', ':', 0 };
  for (i = 0; i < 6; i++) {
    long v = parts[i];
    if (i == 0) { p = put_long(p, v); } else { *p++ = '0' + v / 10; *p++ = '0' + v % 10; }
    if (seps[i]) *p++ = seps[i];
  }
  for (i = 8; i >= 0; i--) { frac[i] = '0' + ts.nsec % 10; ts.nsec /= 10; }
  int n = 9; while (n > 0 && frac[n - 1] == '0') n--;
  if (n) { *p++ = '.'; for (i = 0; i < n; i++) *p++ = frac[i]; }
  *p++ = 'Z';
  return p;
}

/* ---- the json-file log ---- */

/* Returns how many bytes could not be written (0: all of them); errno says why. */
static long write_all(int fd, const char *p, long n) {
  while (n > 0) {
    long w = write(fd, p, (size_t)n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return n;
    p += w; n -= w;
  }
  return 0;
}

static void log_path(char *out, int generation) {
  char *p = put_str(out, opt_log, out + 4000);
  if (generation) { *p++ = '.'; p = put_long(p, generation); }
  *p = 0;
}

static void open_log(int truncate) {
  char path[4096];
  log_path(path, 0);
  log_fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0600);
  /* Root's alone, whatever the umask, and tightened if an older bunker made it 0640: it is the container's output. */
  if (log_fd >= 0) fchmod(log_fd, 0600);
  log_size = log_fd < 0 ? 0 : lseek(log_fd, 0, 2 /* SEEK_END */);
}

/* Docker's rotation: <log> -> <log>.1 -> … -> <log>.(max-file - 1); one file only means starting over. */
static void rotate_log(void) {
  char from[4096], to[4096]; int g;
  close(log_fd);
  if (opt_log_max_file > 1) {
    for (g = (int)opt_log_max_file - 1; g > 0; g--) {
      log_path(from, g - 1); log_path(to, g);
      rename(from, to);
    }
  }
  open_log(1);
}

static char *put_json_string(char *p, const char *s, long n) {
  static const char hex[] = "0123456789abcdef";
  *p++ = '"';
  for (long i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') { *p++ = '\\'; *p++ = (char)c; }
    else if (c == '\n') { *p++ = '\\'; *p++ = 'n'; }
    else if (c == '\r') { *p++ = '\\'; *p++ = 'r'; }
    else if (c == '\t') { *p++ = '\\'; *p++ = 't'; }
    else if (c < 0x20 || c == 0x7f) { p = put_str(p, "\\u00", p + 4); *p++ = hex[c >> 4]; *p++ = hex[c & 15]; }
    else *p++ = (char)c;
  }
  *p++ = '"';
  return p;
}

static void log_entry(int stream, const char *text, long n) {
  static char entry[LINE_MAX_BYTES * 6 + 4096 + 128];
  char *p;
  if (log_fd < 0) return;
  p = put_str(entry, "{\"log\":", entry + 16);
  p = put_json_string(p, text, n);
  p = put_str(p, stream ? ",\"stream\":\"stderr\"" : ",\"stream\":\"stdout\"", p + 20);
  if (*opt_log_attrs) { p = put_str(p, ",\"attrs\":", p + 10); p = put_str(p, opt_log_attrs, p + 4096); }
  p = put_str(p, ",\"time\":\"", p + 10);
  p = put_time(p);
  p = put_str(p, "\"}\n", p + 4);
  if (opt_log_max_size > 0 && log_size > 0 && log_size + (p - entry) > opt_log_max_size) rotate_log();
  if (log_fd < 0) return;
  /* A full disk drops entries, never the monitor: a torn one is ended by the next, which parses (readers skip the torn line). */
  if (log_torn && !write_all(log_fd, "\n", 1)) { log_torn = 0; log_size++; }
  if (log_torn) return;
  long left = write_all(log_fd, entry, p - entry);
  log_size += (p - entry) - left;
  if (left && left < p - entry) log_torn = 1;
}

/* Splits output into lines (a line longer than 16 KiB is logged in parts, as Docker does). */
static void log_output(int stream, const char *data, long n) {
  char *buf = line_buf[stream];
  for (long i = 0; i < n; i++) {
    buf[line_len[stream]++] = data[i];
    if (data[i] == '\n' || line_len[stream] == LINE_MAX_BYTES) {
      log_entry(stream, buf, line_len[stream]);
      line_len[stream] = 0;
    }
  }
}

static void flush_partial_lines(void) {
  for (int s = 0; s < 2; s++) if (line_len[s]) { log_entry(s, line_buf[s], line_len[s]); line_len[s] = 0; }
}

/* ---- clients ---- */

static void put_header(char *h, int type, long size) {
  h[0] = (char)type; h[1] = h[2] = h[3] = 0;
  h[4] = (char)(size >> 24); h[5] = (char)(size >> 16); h[6] = (char)(size >> 8); h[7] = (char)size;
}

static void drop_client(int i) {
  close(clients[i].fd);
  clients[i].used = 0;
  if (stdin_client == i) stdin_client = -1;
}

static void send_frame(int type, const char *data, long n) {
  static char frame[FRAME_HEADER + 65536];
  put_header(frame, type, n);
  for (long i = 0; i < n; i++) frame[FRAME_HEADER + i] = data[i];
  for (int c = 0; c < MAX_CLIENTS; c++) {
    if (!clients[c].used) continue;
    const char *p = frame; long left = FRAME_HEADER + n;
    while (left > 0) {
      long w = write(clients[c].fd, p, (size_t)left);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;
      p += w; left -= w;
    }
    if (left > 0) drop_client(c);
  }
}

static void add_client(int fd, int owner) {
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (clients[i].used) continue;
    clients[i].used = 1; clients[i].fd = fd; clients[i].owner = owner; clients[i].len = 0;
    return;
  }
  close(fd);
}

static int owner_connected(void) {
  for (int i = 0; i < MAX_CLIENTS; i++) if (clients[i].used && clients[i].owner) return 1;
  return 0;
}

static void resize(const char *text, long n) {
  unsigned short ws[4] = { 0, 0, 0, 0 }; long i = 0;
  while (i < n && text[i] != ' ') ws[0] = (unsigned short)(ws[0] * 10 + (text[i++] - '0'));
  for (i++; i < n; i++) ws[1] = (unsigned short)(ws[1] * 10 + (text[i] - '0'));
  if (console_fd >= 0 && ws[0] && ws[1]) ioctl(console_fd, TIOCSWINSZ, ws);
}

/*
 * Gives the container as much of client i's stdin frame as its pipe takes;
 * returns 0 when some is left for later (POLLOUT). A container that closed
 * its stdin gets no more: the rest is discarded, as docker does.
 */
static int feed_stdin(int i, const char *payload, long size) {
  while (stdin_written < size) {
    long w = write(stdin_fd, payload + stdin_written, (size_t)(size - stdin_written));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) { stdin_client = i; return 0; }
    if (w <= 0) {
      if (!opt_tty) { close(stdin_fd); stdin_fd = -1; } /* EPIPE: nobody reads it any more (a terminal stays: it is the output too) */
      break;
    }
    stdin_written += w;
  }
  stdin_written = 0;
  stdin_client = -1;
  return 1;
}

/* Acts on client i's complete frames, in order; stops at a stdin frame the container has not taken in full. */
static void run_frames(int i) {
  struct client *c = &clients[i];
  while (c->len >= FRAME_HEADER) {
    unsigned char *h = (unsigned char *)c->buf;
    long size = ((long)h[4] << 24) | ((long)h[5] << 16) | ((long)h[6] << 8) | h[7];
    if (size > CLIENT_BUF - FRAME_HEADER) { drop_client(i); return; }
    if (c->len < FRAME_HEADER + size) break;
    char *payload = c->buf + FRAME_HEADER;
    if (h[0] == T_STDIN && stdin_fd >= 0) { if (!feed_stdin(i, payload, size)) return; }
    else if (h[0] == T_CLOSE_STDIN && stdin_fd >= 0 && !opt_tty) { close(stdin_fd); stdin_fd = -1; }
    else if (h[0] == T_RESIZE) resize(payload, size);
    else if (h[0] == T_CLEANUP && size == 1 && payload[0] >= '0' && payload[0] <= '2') opt_cleanup = payload[0] - '0';
    long rest = c->len - FRAME_HEADER - size;
    for (long k = 0; k < rest; k++) c->buf[k] = c->buf[FRAME_HEADER + size + k];
    c->len = (int)rest;
  }
}

/* Reads what a client sent and acts on every complete frame. */
static void serve_client(int i) {
  struct client *c = &clients[i];
  long n = read(c->fd, c->buf + c->len, (size_t)(CLIENT_BUF - c->len));
  if (n < 0 && errno == EINTR) return;
  if (n <= 0) { drop_client(i); return; }
  c->len += (int)n;
  run_frames(i);
}

static void listen_socket(void) {
  struct sockaddr_un_ addr; size_t n = slen(opt_socket);
  if (!n || n >= sizeof addr.path) return;
  addr.family = 1; /* AF_UNIX */
  put_str(addr.path, opt_socket, addr.path + 107)[0] = 0;
  unlink(opt_socket);
  listen_fd = socket(1, 1 /* SOCK_STREAM */ | SOCK_CLOEXEC, 0);
  if (listen_fd < 0) return;
  if (bind(listen_fd, &addr, (unsigned int)(2 + n + 1)) < 0 || listen(listen_fd, 16) < 0) { close(listen_fd); listen_fd = -1; }
}

/* ---- the container's output ---- */

/* Reads one chunk of the container's output; returns 0 at end of stream. */
static int pump(int stream) {
  char buf[65536];
  long n = read(out_fd[stream], buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1; /* a terminal's master is non-blocking: it is stdin too */
  if (n <= 0) { close(out_fd[stream]); out_fd[stream] = -1; return 0; }
  log_output(stream, buf, n);
  send_frame(stream == 0 ? T_STDOUT : T_STDERR, buf, n);
  return 1;
}

/* After the container's init exited: take what is already written, without waiting for writers that linger. */
static void drain_output(void) {
  struct pollfd_ p[2]; int s, more = 1;
  while (more) {
    more = 0;
    for (s = 0; s < 2; s++) { p[s].fd = out_fd[s]; p[s].events = POLLIN; p[s].revents = 0; }
    if (poll(p, 2, 0) <= 0) break;
    for (s = 0; s < 2; s++) if (p[s].revents & POLLIN) more |= pump(s);
  }
  flush_partial_lines();
}

/* ---- starting the container ---- */

static void fail_fd(int fd, int target) {
  if (fd != target) { dup2(fd, target); close(fd); }
}

/* Puts the container's ends of its stdio at the numbers the program names; keeps ours. */
static int setup_stdio(void) {
  int p[2];
  if (opt_tty) {
    if (socketpair(1, 1 | O_CLOEXEC, 0, p) < 0) return -1;
    fail_fd(p[1], CHILD_CONSOLE);
    console_fd = p[0]; /* until the container sends its terminal */
    return 0;
  }
  if (opt_stdin) {
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    fail_fd(p[0], CHILD_STDIN); stdin_fd = p[1];
    fcntl(stdin_fd, F_SETFL, O_NONBLOCK); /* only our end: the container's stays blocking */
  } else {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) return -1;
    fail_fd(null, CHILD_STDIN);
  }
  if (pipe2(p, O_CLOEXEC) < 0) return -1;
  fail_fd(p[1], CHILD_STDOUT); out_fd[0] = p[0];
  if (pipe2(p, O_CLOEXEC) < 0) return -1;
  fail_fd(p[1], CHILD_STDERR); out_fd[1] = p[0];
  return 0;
}

static void close_child_ends(void) {
  close(CHILD_STDIN);
  if (!opt_tty) { close(CHILD_STDOUT); close(CHILD_STDERR); }
}

/* The start's outcome, as a frame of its own: "ok PID" or "err ERRNO<TAB>what failed". */
static void report(const char *text, long n) {
  char h[FRAME_HEADER];
  put_header(h, T_REPORT, n);
  write_all(3, h, FRAME_HEADER);
  write_all(3, text, n);
}

/* ---- the exit ---- */

#define EXIT_FILE_MAX 256 /* the exit file's greatest length */
static int exit_fd = -1;   /* DIR/exit.tmp, holding EXIT_FILE_MAX bytes from the start */

static void exit_path(char *out, const char *suffix) {
  char *p = put_str(out, opt_dir, out + 4000);
  p = put_str(p, "/exit", out + 4080);
  p = put_str(p, suffix, out + 4090);
  *p = 0;
}

/*
 * Takes the exit file's blocks before the container starts: a placeholder of
 * its greatest length, overwritten in place at the exit. So a disk that fills
 * up during the container's life cannot lose its exit code (a write into
 * blocks already held needs no new ones). Fails, with errno, on a full disk.
 */
static int prepare_exit_file(void) {
  char tmp[4096], blank[EXIT_FILE_MAX]; int i, saved;
  if (!*opt_dir) return 0; /* no directory, no exit file */
  exit_path(tmp, ".tmp");
  for (i = 0; i < EXIT_FILE_MAX; i++) blank[i] = ' ';
  exit_fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (exit_fd < 0) return -1;
  if (write_all(exit_fd, blank, EXIT_FILE_MAX)) {
    saved = errno;
    close(exit_fd); exit_fd = -1; unlink(tmp);
    errno = saved;
    return -1;
  }
  return 0;
}

/* Fills the prepared file in place, then renames it to DIR/exit: a reader sees all of it or none. */
static void write_exit_file(int pid, int code, int durable) {
  char path[4096], tmp[4096], text[EXIT_FILE_MAX]; char *p; int fd;
  if (exit_fd < 0) return;
  exit_path(path, ""); exit_path(tmp, ".tmp");
  p = put_str(text, "{\"Pid\":", text + 16); p = put_long(p, pid);
  p = put_str(p, ",\"MonitorPid\":", p + 16); p = put_long(p, getpid());
  p = put_str(p, ",\"ExitCode\":", p + 16); p = put_long(p, code);
  p = put_str(p, ",\"FinishedAt\":\"", p + 20); p = put_time(p); p = put_str(p, "\"}\n", p + 4);
  pwrite(exit_fd, text, (size_t)(p - text), 0);
  ftruncate(exit_fd, p - text); /* shrinking needs no blocks either */
  if (durable) fsync(exit_fd);
  close(exit_fd);
  rename(tmp, path);
  if (durable && (fd = open(opt_dir, O_DIRECTORY | O_CLOEXEC)) >= 0) { fsync(fd); close(fd); }
}

/*
 * The container's `die` in the events journal (src/events/journal.ts), as the
 * engine writes its events: one line, one write() with O_APPEND, so it lands
 * whole among other writers' without a lock. The engine fills in docker's
 * deprecated status/id/from when it reads it.
 */
static void append_die_event(int code) {
  static char line[4096 + 512];
  struct timespec_ ts; char *p; int fd, i; char frac[9];
  if (!*opt_events || !*opt_event_attrs || slen(opt_event_attrs) > 4000) return;
  clock_gettime(0 /* CLOCK_REALTIME */, &ts);
  for (i = 8; i >= 0; i--) { frac[i] = '0' + ts.nsec % 10; ts.nsec /= 10; }
  p = put_str(line, "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"", line + 64);
  p = put_str(p, opt_id, p + 128);
  p = put_str(p, "\",\"Attributes\":{\"exitCode\":\"", p + 32);
  p = put_long(p, code);
  *p++ = '"';
  /* The rest of the engine's attributes object, after its "{" (never empty: it holds image and name). */
  if (opt_event_attrs[1] != '}') *p++ = ',';
  p = put_str(p, opt_event_attrs + 1, p + 4000);
  p = put_str(p, "},\"scope\":\"local\",\"time\":", p + 32);
  p = put_long(p, ts.sec);
  p = put_str(p, ",\"timeNano\":", p + 16);
  p = put_long(p, ts.sec);
  for (i = 0; i < 9; i++) *p++ = frac[i];
  p = put_str(p, "}\n", p + 4);
  fd = open(opt_events, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return;
  write(fd, line, (size_t)(p - line));
  close(fd);
}

/* `bunker --root R --runroot RR <verb...> ID`, with stdio on /dev/null. */
static void exec_bunker(const char *verb1, const char *verb2) {
  char *argv[] = { (char *)opt_exe, "--root", (char *)opt_root, "--runroot", (char *)opt_runroot, (char *)verb1, (char *)verb2, (char *)opt_id, 0 };
  char *envp[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0 };
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); }
  syscall(SYS_close_range, 3, ~0U, 0);
  reset_signals();
  execve(opt_exe, argv, envp);
  _exit(127);
}

static int health_pid;
static int health_passed; /* a probe has passed: the container is no longer "starting" */

static void run_health_check(void) {
  if (health_pid > 0) return; /* the previous one is still running */
  health_pid = fork();
  if (health_pid == 0) exec_bunker("healthcheck", "run");
}

static long now_ms(void) {
  struct timespec_ ts;
  clock_gettime(1 /* CLOCK_MONOTONIC */, &ts);
  return ts.sec * 1000 + ts.nsec / 1000000;
}

/* The wait before the next probe: docker's start interval while no probe has passed within the start period. */
static long health_interval(long started) {
  if (!health_passed && opt_health_start_ms > 0 && now_ms() - started < opt_health_start_period_ms) return opt_health_start_ms;
  return opt_health_ms;
}

/*
 * Spawns the container, inside the network namespace `netns=` names if any (a
 * prepared bridge namespace, another container's): the child inherits it, while
 * the monitor itself, and the `container cleanup` it may become, stay in the host's.
 */
static int spawn_in_netns(long nwords, char *errbuf) {
  int here = -1, there, pid;
  if (*opt_netns) {
    here = open("/proc/self/ns/net", O_CLOEXEC);
    there = open(opt_netns, O_CLOEXEC);
    if (here < 0 || there < 0 || syscall(SYS_setns, there, CLONE_NEWNET) < 0) {
      char *p = put_long(errbuf, errno);
      p = put_str(p, "\tjoin network namespace", p + 32);
      *p = 0;
      if (here >= 0) close(here);
      if (there >= 0) close(there);
      return -1;
    }
    close(there);
    if (dns_listen() < 0) {
      char *p = put_long(errbuf, errno);
      p = put_str(p, "\tlisten on 127.0.0.11:53 (the embedded DNS resolver)", p + 64);
      *p = 0;
      syscall(SYS_setns, here, CLONE_NEWNET);
      close(here);
      return -1;
    }
  }
  pid = spawn_words(opt_clone, nwords, errbuf, opt_cgroup2);
  if (here >= 0) {
    syscall(SYS_setns, here, CLONE_NEWNET);
    close(here);
  }
  return pid;
}

static void parse_options(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    char *a = argv[i], *v = a;
    while (*v && *v != '=') v++;
    if (*v) *v++ = 0;
    if (seq(a, "dir")) opt_dir = v;
    else if (seq(a, "log")) opt_log = v;
    else if (seq(a, "log-max-size")) opt_log_max_size = to_long(v);
    else if (seq(a, "log-max-file")) opt_log_max_file = to_long(v);
    else if (seq(a, "socket")) opt_socket = v;
    else if (seq(a, "clone")) opt_clone = to_long(v);
    else if (seq(a, "netns")) opt_netns = v;
    else if (seq(a, "cgroup2")) opt_cgroup2 = v;
    else if (seq(a, "tty")) opt_tty = to_long(v);
    else if (seq(a, "stdin")) opt_stdin = to_long(v);
    else if (seq(a, "health-ms")) opt_health_ms = to_long(v);
    else if (seq(a, "health-start-ms")) opt_health_start_ms = to_long(v);
    else if (seq(a, "health-start-period-ms")) opt_health_start_period_ms = to_long(v);
    else if (seq(a, "cleanup")) opt_cleanup = to_long(v);
    else if (seq(a, "attached")) opt_attached = to_long(v);
    else if (seq(a, "exe")) opt_exe = v;
    else if (seq(a, "root")) opt_root = v;
    else if (seq(a, "runroot")) opt_runroot = v;
    else if (seq(a, "id")) opt_id = v;
    else if (seq(a, "events")) opt_events = v;
    else if (seq(a, "dns-names")) opt_dns_names = v;
    else if (seq(a, "dns-upstream")) dns_set_upstream(v);
    else if (seq(a, "dns-networks")) opt_dns_networks = v;
  }
}

static int read_exactly(int fd, char *buf, long n) {
  while (n > 0) {
    long r = read(fd, buf, (size_t)n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    buf += r; n -= r;
  }
  return 0;
}

/*
 * The container's program comes as the owner's first frame, not in argv:
 * /proc/PID/cmdline is readable by every user, and the program holds the
 * container's environment. Its first word is the log's attributes (labels
 * and env chosen by --log-opt), its second the die event's (labels, image,
 * name), private for the same reason. Returns the number of program words,
 * split into `words`.
 */
static int read_program(void) {
  static char program[8 << 20]; /* only the pages a program fills are ever backed */
  unsigned char h[FRAME_HEADER]; long size, count, i;
  if (read_exactly(3, (char *)h, FRAME_HEADER) < 0) return -1;
  size = ((long)h[4] << 24) | ((long)h[5] << 16) | ((long)h[6] << 8) | h[7];
  if (size <= 0 || size > (long)sizeof program || read_exactly(3, program, size) < 0) return -1;
  count = decode_words(words, MAX_WORDS, program, size);
  if (count < 3) return -1;
  opt_log_attrs = words[0];
  opt_event_attrs = words[1];
  for (i = 0; i + 2 < count; i++) words[i] = words[i + 2];
  return (int)count - 2;
}

static int starts_with(const char *s, const char *prefix) {
  while (*prefix) if (*s++ != *prefix++) return 0;
  return 1;
}

/* bunker-exec ERRFD PATH COMMAND [ARG...]: the monitor executable's last step of an exec (see op_via). */
static int exec_helper_main(int argc, char **argv) {
  if (argc < 4) return 125;
  err_fd = (int)to_long(argv[1]);
  fcntl(err_fd, F_SETFD, FD_CLOEXEC);
  exec_search(argv[2], argv + 3, environ);
  die("exec", argv[3]);
  return 127;
}

int main(int argc, char **argv) {
  static char errbuf[ERRBUF_LEN];
  char msg[64]; char *p;
  int pid, status, code = -1, i, sigfd, nwords;
  u64 chld = 1ULL << (SIGCHLD - 1);
  long next_health, started;

  /* A script whose interpreter is "#!/proc/self/exe" reaches this binary from inside a container: it runs nothing. */
  if (starts_with(argv[0], "/proc/")) return 126;
  if (invoked_as(argv[0], "docker-init")) return init_main(argc, argv);
  if (invoked_as(argv[0], "bunker-exec")) return exec_helper_main(argc, argv);
  parse_options(argc, argv);

  signal(1 /* SIGHUP */, SIG_IGN);
  signal(2 /* SIGINT */, SIG_IGN);
  signal(13 /* SIGPIPE */, SIG_IGN);
  syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  syscall(SYS_rt_sigprocmask, 0 /* SIG_BLOCK */, &chld, 0, 8);
  sigfd = (int)syscall(SYS_signalfd4, -1, &chld, 8, O_CLOEXEC | SOCK_NONBLOCK);

  /* A detached start closes fd 3 once it has the pid; only a CLI that stays attached finishes the job itself. */
  add_client(3, (int)opt_attached);
  if (*opt_log) open_log(0);
  if (setup_stdio() < 0) { p = put_str(msg, "err ", msg + 8); p = put_long(p, errno); p = put_str(p, "\tset up stdio", p + 20); report(msg, p - msg); return 125; }
  if (prepare_exit_file() < 0) { p = put_str(msg, "err ", msg + 8); p = put_long(p, errno); p = put_str(p, "\tprepare the exit file", p + 28); report(msg, p - msg); return 125; }

  nwords = read_program();
  if (nwords <= 0) { static const char m[] = "err 22\tno well-formed program received"; report(m, sizeof m - 1); return 125; }
  pid = spawn_in_netns(nwords, errbuf);
  close_child_ends();
  if (pid < 0) {
    static char failure[ERRBUF_LEN + 8];
    p = put_str(failure, "err ", failure + 8);
    if (errbuf[0]) p = put_str(p, errbuf, failure + sizeof failure);
    else { p = put_long(p, errno); p = put_str(p, "\tclone failed", p + 20); }
    report(failure, p - failure);
    return 125;
  }
  if (opt_tty) {
    int master = recv_fd(console_fd);
    close(console_fd);
    console_fd = master;
    out_fd[0] = master;
    stdin_fd = master;
    fcntl(master, F_SETFL, O_NONBLOCK);
  }
  listen_socket();
  p = put_str(msg, "ok ", msg + 8); p = put_long(p, pid);
  report(msg, p - msg);

  started = now_ms();
  next_health = opt_health_ms > 0 ? started + health_interval(started) : -1;
  while (code < 0) {
    struct pollfd_ fds[5 + MAX_CLIENTS + DNS_FDS]; int n = 0, map[MAX_CLIENTS], timeout = -1, dns_at;
    if (stdin_client >= 0 && stdin_fd < 0) { int c = stdin_client; stdin_client = -1; stdin_written = 0; run_frames(c); } /* another client closed it */
    fds[n].fd = sigfd; fds[n].events = POLLIN; n++;
    fds[n].fd = out_fd[0]; fds[n].events = POLLIN; n++;
    fds[n].fd = out_fd[1]; fds[n].events = POLLIN; n++;
    fds[n].fd = listen_fd; fds[n].events = POLLIN; n++;
    fds[n].fd = stdin_client >= 0 ? stdin_fd : -1; fds[n].events = POLLOUT; n++;
    for (i = 0; i < MAX_CLIENTS; i++) if (clients[i].used) { map[n - 5] = i; fds[n].fd = clients[i].fd; fds[n].events = i == stdin_client ? 0 : POLLIN; n++; }
    dns_at = n; n += dns_poll_fds(fds + n);
    for (i = 0; i < n; i++) fds[i].revents = 0;
    if (next_health >= 0) { long left = next_health - now_ms(); timeout = left < 0 ? 0 : (int)left; }
    timeout = dns_timeout(timeout);
    if (poll(fds, (unsigned long)n, timeout) < 0 && errno != EINTR) break;
    if (next_health >= 0 && now_ms() >= next_health) { run_health_check(); next_health = now_ms() + health_interval(started); }
    for (i = 1; i <= 2; i++) if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) pump(i - 1);
    if (fds[3].revents & POLLIN) { int c = accept4(listen_fd, 0, 0, SOCK_CLOEXEC); if (c >= 0) add_client(c, 0); }
    if (fds[4].revents && stdin_client >= 0) run_frames(stdin_client); /* its pipe has room (or its reader left) */
    for (i = 5; i < dns_at; i++) {
      int c = map[i - 5];
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && clients[c].used && c != stdin_client) serve_client(c);
    }
    dns_serve(fds + dns_at);
    if (fds[0].revents & POLLIN) {
      char info[128];
      while (read(sigfd, info, sizeof info) > 0) {}
      int child;
      while ((child = waitpid(-1, &status, WNOHANG)) > 0) {
        if (child == pid) code = exit_code_of(status);
        else if (child == health_pid) { health_pid = 0; if (status == 0) health_passed = 1; }
      }
    }
  }

  drain_output();
  if (listen_fd >= 0) { close(listen_fd); unlink(opt_socket); }
  int owned = owner_connected();
  append_die_event(code); /* before the exit file: an exit file means the die event is written (see remove-container.ts) */
  write_exit_file(pid, code, !owned);
  p = put_long(msg, code);
  send_frame(T_EXIT, msg, p - msg);
  if (opt_cleanup == 2 || (opt_cleanup == 1 && !owned)) exec_bunker("container", "cleanup");
  return 0;
}
