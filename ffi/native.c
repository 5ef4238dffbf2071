/*
 * All of bunker's native code. scripts/build.ts compiles it with the system C
 * compiler and embeds the library in the executable; bun:ffi's TinyCC compiles
 * it at run time only when no compiler was available at build time.
 *
 * Most of it is the single-threaded half of process creation.
 *
 * Bun is multithreaded, so everything between clone() and execve() (joining
 * cgroups, mounts, pivot_root, credentials) runs here, in the cloned child,
 * and never returns to JS. The parent hands over a "program": a flat list of
 * NUL-terminated strings, each operation a name followed by a fixed number of
 * arguments. The policy (which mounts, which order) stays in TypeScript; this
 * file only knows how to carry operations out safely.
 *
 * No system headers: bun:ffi's TinyCC must compile this on machines without
 * /usr/include, so the few prototypes and constants needed are declared here.
 */

typedef unsigned long size_t;
typedef long ssize_t;
typedef unsigned long long u64;

extern long syscall(long number, ...);
extern int *__errno_location(void);
#define errno (*__errno_location())
extern int open(const char *path, int flags, ...);
extern int openat(int dirfd, const char *path, int flags, ...);
extern int close(int fd);
extern ssize_t read(int fd, void *buf, size_t n);
extern ssize_t write(int fd, const void *buf, size_t n);
extern int dup2(int from, int to);
extern int pipe2(int fds[2], int flags);
extern int mount(const char *src, const char *target, const char *type, unsigned long flags, const void *data);
extern int umount2(const char *target, int flags);
extern int chdir(const char *path);
extern int fchdir(int fd);
extern int mkdirat(int dirfd, const char *path, int mode);
extern int symlinkat(const char *target, int dirfd, const char *linkpath);
extern ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t n);
extern int sethostname(const char *name, size_t len);
extern int setdomainname(const char *name, size_t len);
extern int setsid(void);
extern int ioctl(int fd, unsigned long request, ...);
extern int execve(const char *path, char *const argv[], char *const envp[]);
extern int waitpid(int pid, int *status, int options);
extern int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
extern int flock(int fd, int op);
extern int kill(int pid, int sig);
extern void _exit(int code);
extern int chmod(const char *path, unsigned int mode);
extern unsigned int umask(unsigned int mask);
extern int socket(int domain, int type, int protocol);
extern int socketpair(int domain, int type, int protocol, int fds[2]);
extern ssize_t sendmsg(int fd, const void *msg, int flags);
extern ssize_t recvmsg(int fd, void *msg, int flags);

#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_PATH 010000000
#define ENOENT 2
#define EINTR 4
#define E2BIG 7
#define EACCES 13
#define EEXIST 17
#define ENAMETOOLONG 36
#define ELOOP 40
#define MS_RDONLY 1
#define MS_REMOUNT 32
#define MS_BIND 4096
#define MS_REC 16384
#define MS_PRIVATE (1 << 18)
#define MNT_DETACH 2
#define TIOCSCTTY 0x540E
#define SYS_clone 56
#define SYS_pivot_root 155
#define SYS_setgroups 116
#define SYS_setresuid 117
#define SYS_setresgid 119
#define SYS_rt_sigprocmask 14
#define SYS_rt_sigaction 13
#define SYS_close_range 436
#define SYS_openat2 437
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10
#define SYS_getcwd 79
#define SYS_capset 126
#define SYS_prctl 157
#define SYS_prlimit64 302
#define SYS_setns 308
#define PR_SET_DUMPABLE 4
#define PR_SET_KEEPCAPS 8
#define PR_SET_SECCOMP 22
#define PR_CAPBSET_READ 23
#define PR_CAPBSET_DROP 24
#define PR_SET_NO_NEW_PRIVS 38
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#define SECCOMP_MODE_FILTER 2
#define LINUX_CAPABILITY_VERSION_3 0x20080522
#define BPF_MAXINSNS 4096
#define EPERM 1
#define EINVAL 22
#define SIGCHLD 17
#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_PARENT 0x8000
#define MS_NOSUID 2
#define MS_NODEV 4
#define MS_NOEXEC 8
#define S_IFMT 0170000
#define S_IFCHR 0020000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define S_IFLNK 0120000
#define SYS_mknodat 259
#define SYS_newfstatat 262
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define TIOCSPTLCK 0x40045431
#define TIOCGPTN 0x80045430
#define TIOCSWINSZ 0x5414
#define MAX_ARGS 4096
/* The new mount API (x86_64), for the user-namespace rootfs (see spawn_userns). */
#define SYS_open_tree 428
#define SYS_move_mount 429
#define SYS_fsopen 430
#define SYS_fsconfig 431
#define SYS_fsmount 432
#define SYS_mount_setattr 442
#define OPEN_TREE_CLONE 1
#define AT_FDCWD -100
#define AT_EMPTY_PATH 0x1000
#define MOUNT_ATTR_IDMAP 0x00100000
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#define MOVE_MOUNT_F_EMPTY_PATH 4
#define CLONE_NEWUSER 0x10000000
#define SIGKILL 9

struct open_how { u64 flags; u64 mode; u64 resolve; };
struct mount_attr_ { u64 attr_set, attr_clr, propagation, userns_fd; };
struct cap_header { unsigned int version; int pid; };
struct cap_data { unsigned int effective, permitted, inheritable; };
struct sock_filter { unsigned short code; unsigned char jt, jf; unsigned int k; };
struct sock_fprog { unsigned short len; struct sock_filter *filter; };
struct kernel_sigaction { void *handler; unsigned long flags; void *restorer; u64 mask; };

static int err_fd = -1;
static int root_fd = -1;
/* The container's rootfs as a detached mount, made by the parent for a user namespace (spawn_userns; op "root-mount"). */
static int tree_fd = -1;

static size_t slen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
static int seq(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }

static long to_long(const char *s) {
  long v = 0, sign = 1;
  if (*s == '-') { sign = -1; s++; }
  while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
  return v * sign;
}

static char *put_long(char *p, long v) {
  char tmp[24]; int n = 0;
  if (v < 0) { *p++ = '-'; v = -v; }
  do { tmp[n++] = '0' + v % 10; v /= 10; } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

static char *put_str(char *p, const char *s, char *end) {
  while (*s && p < end) *p++ = *s++;
  return p;
}

/* Reports "errno<TAB>what target" to the parent and ends the child. */
static void die(const char *what, const char *target) {
  char msg[1024]; char *p = msg; char *end = msg + sizeof msg - 1;
  int e = errno;
  p = put_long(p, e); *p++ = '\t';
  p = put_str(p, what, end);
  if (target) { p = put_str(p, " ", end); p = put_str(p, target, end); }
  write(err_fd, msg, p - msg);
  _exit(e == ENOENT ? 127 : e == EACCES ? 126 : 125);
}

static int open_in_root(const char *path, int flags) {
  struct open_how how; how.flags = flags | O_CLOEXEC; how.mode = 0; how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
}

/*
 * Opens PATH inside the rootfs as an O_PATH fd, creating missing components
 * (directories, and a final empty file when kind is 'f'). Every lookup is
 * confined by RESOLVE_IN_ROOT, so a symlink in the image cannot point a mount
 * at the host. A dangling symlink on the way (an image's VOLUME that links to
 * a path the image lacks) is followed inside the root and its target made,
 * as docker's FollowSymlinkInScope does.
 */
static int ensure_in_root(const char *path, char kind) {
  char buf[4096], next[4096]; size_t n = slen(path), i, k; int fd, hops = 0;
  if (n >= sizeof buf) return -1;
  for (i = 0; i <= n; i++) buf[i] = path[i];
restart:
  n = slen(buf);
  fd = open_in_root(buf, O_PATH);
  if (fd >= 0 || errno != ENOENT) return fd;
  for (i = 1; i <= n; i++) {
    if (buf[i] != '/' && buf[i] != 0) continue;
    char saved = buf[i]; int last = (saved == 0);
    buf[i] = 0;
    fd = open_in_root(buf, O_PATH);
    if (fd < 0 && errno == ENOENT) {
      size_t j = i; while (j > 0 && buf[j - 1] != '/') j--;
      char c = buf[j]; buf[j] = 0;
      int parent = open_in_root(j > 0 ? buf : "/", O_PATH | O_DIRECTORY);
      buf[j] = c;
      if (parent < 0) return -1;
      if (last && kind == 'f') {
        int f = openat(parent, buf + j, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (f >= 0) close(f);
      } else {
        mkdirat(parent, buf + j, 0755);
      }
      fd = open_in_root(buf, O_PATH);
      char link[4096]; ssize_t len;
      if (fd < 0 && errno == ENOENT && (len = readlinkat(parent, buf + j, link, sizeof link)) > 0 && len < (ssize_t)sizeof link) {
        close(parent);
        if (++hops > 40) { errno = ELOOP; return -1; }
        /* next = (the link's directory, unless it is absolute) + target + the rest of the path */
        k = 0;
        if (link[0] != '/') for (size_t m = 0; m < j; m++) next[k++] = buf[m];
        for (ssize_t m = 0; m < len && k < sizeof next - 1; m++) next[k++] = link[m];
        for (size_t m = i; !last && m < n && k < sizeof next - 1; m++) next[k++] = m == i ? '/' : buf[m];
        if (k >= sizeof next - 1) { errno = ENAMETOOLONG; return -1; }
        next[k] = 0;
        for (k = 0; next[k]; k++) buf[k] = next[k];
        buf[k] = 0;
        goto restart;
      }
      close(parent);
    }
    buf[i] = saved;
    if (fd < 0) return -1;
    if (!last) close(fd);
    else return fd;
  }
  return -1;
}

static void fd_path(char *out, int fd) {
  char *p = put_str(out, "/proc/self/fd/", out + 32);
  p = put_long(p, fd); *p = 0;
}

/* st_mode's type bits of FD (an O_PATH fd too), and its device number in *rdev; 0 when fstat fails. */
static unsigned int fd_type(int fd, unsigned long *rdev) {
  unsigned long st[18];
  if (syscall(SYS_newfstatat, fd, "", st, AT_EMPTY_PATH) < 0) return 0;
  if (rdev) *rdev = st[5];
  return (unsigned int)st[3] & S_IFMT;
}

/* Copies PATH's parent directory into PARENT ("/" for a bare name) and returns where its last component starts; -1 if too long. */
static long split_parent(const char *path, char parent[4096]) {
  size_t j = slen(path), i;
  while (j > 0 && path[j - 1] != '/') j--;
  if (j >= 4096) { errno = ENAMETOOLONG; return -1; }
  for (i = 0; i < j; i++) parent[i] = path[i];
  parent[j] = 0;
  if (j == 0) { parent[0] = '/'; parent[1] = 0; }
  return (long)j;
}

/* PATH's parent directory inside the root, made if missing, as an O_PATH fd; its last component is PATH + *name. */
static int ensure_parent_in_root(const char *path, long *name) {
  char parent[4096];
  *name = split_parent(path, parent);
  return *name < 0 ? -1 : ensure_in_root(parent, 'd');
}

/*
 * The mount point for a host device bound into a user namespace's /dev: an
 * empty file made if missing, or a node or file already there (its own
 * /dev, a volume at /dev). Never a symlink: an image or volume that puts one
 * in place of /dev/null would have the device bound onto what it names.
 */
static int ensure_node_in_root(const char *path) {
  long name; int fd, dfd = ensure_parent_in_root(path, &name);
  unsigned int type;
  if (dfd < 0) return -1;
  fd = openat(dfd, path + name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    int f = openat(dfd, path + name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (f >= 0) close(f);
    fd = openat(dfd, path + name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  }
  close(dfd);
  if (fd < 0) return -1;
  type = fd_type(fd, 0);
  if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK) {
    close(fd);
    errno = EEXIST;
    die("refusing to start: the image or a volume at /dev holds something other than a file or device (remove it) at", path);
  }
  return fd;
}

/*
 * Bind sources of a user-namespace container, opened ("hold") while the child
 * is still host root: the namespace's root that mounts them (after
 * "userns-root") is "others" to the root-only directories on their way. The
 * mount then takes the source through its fd. Each is closed once mounted.
 */
#define MAX_HELD 512
static const char *held_path[MAX_HELD];
static int held_fd[MAX_HELD], nheld;

static void op_hold(const char *path) {
  if (nheld == MAX_HELD) { errno = E2BIG; die("too many bind mounts, at", path); }
  held_fd[nheld] = open(path, O_PATH | O_CLOEXEC);
  if (held_fd[nheld] < 0) die("open mount source", path);
  held_path[nheld++] = path;
}

/* The held fd for SRC (taken: the caller closes it), or -1. */
static int take_held(const char *src) {
  for (int i = 0; i < nheld; i++)
    if (held_fd[i] >= 0 && seq(held_path[i], src)) { int fd = held_fd[i]; held_fd[i] = -1; return fd; }
  return -1;
}

/*
 * Mounts RMOUNT words: SOURCE TARGET TYPE FLAGS KIND DATA. KIND makes a
 * missing target: 'd' a directory, 'f' an empty file, 'n' a device's mount
 * point (ensure_node_in_root).
 */
static void op_rmount(char **a) {
  const char *src = a[0], *target = a[1], *type = a[2], *data = a[5];
  unsigned long flags = (unsigned long)to_long(a[3]);
  char kind = a[4][0];
  char proc_path[40], src_path[40];
  int held = *src ? take_held(src) : -1;
  if (held >= 0) { fd_path(src_path, held); src = src_path; }
  int fd = kind == 'n' ? ensure_node_in_root(target) : ensure_in_root(target, kind);
  if (fd < 0) die("mount", target);
  fd_path(proc_path, fd);
  unsigned long first = (flags & MS_BIND) ? flags & ~(unsigned long)MS_RDONLY : flags;
  if (mount(*src ? src : 0, proc_path, *type ? type : 0, first, *data ? data : 0) < 0)
    die("mount", target);
  if (held >= 0) close(held);
  /* A read-only bind needs a second, remounting call: the first one ignores MS_RDONLY. */
  if ((flags & MS_BIND) && (flags & MS_RDONLY)) {
    close(fd);
    fd = open_in_root(target, O_PATH);
    if (fd < 0) die("mount", target);
    fd_path(proc_path, fd);
    if (mount(0, proc_path, 0, MS_BIND | MS_REMOUNT | MS_RDONLY | (flags & ~(unsigned long)(MS_REC)), 0) < 0)
      die("remount read-only", target);
  }
  close(fd);
}

/* An entry already at LINK (a volume at /dev) is kept, as runc does: nothing here opens through it. */
static void op_symlink(char **a) {
  const char *target = a[0], *link = a[1];
  long name;
  int dfd = ensure_parent_in_root(link, &name);
  if (dfd < 0) die("symlink", link);
  if (symlinkat(target, dfd, link + name) < 0 && errno != EEXIST) die("symlink", link);
  close(dfd);
}

static void op_pivot(void) {
  if (fchdir(root_fd) < 0) die("chdir", "rootfs");
  if (syscall(SYS_pivot_root, ".", ".") < 0) die("pivot_root", 0);
  if (umount2(".", MNT_DETACH) < 0) die("umount old root", 0);
  if (chdir("/") < 0) die("chdir", "/");
  close(root_fd);
  root_fd = -1;
}

/*
 * Creates and enters the working directory (after pivot_root). It is opened
 * like a mount target: confined to the root, and never through a magic link
 * such as /proc/self/fd/N, which could name a directory of the host that an
 * inherited fd points to (CVE-2024-21626). getcwd then double-checks: the
 * kernel prefixes a directory outside our root with "(unreachable)".
 * An exec'd process ("cwd") only enters a directory that exists, as runc's.
 */
static void op_workdir(const char *path, int create) {
  char cwd[4096];
  root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) die("open", "/");
  int fd = create ? ensure_in_root(path, 'd') : open_in_root(path, O_PATH | O_DIRECTORY);
  if (fd < 0 || fchdir(fd) < 0) die("chdir to working directory", path);
  close(fd);
  close(root_fd);
  root_fd = -1;
  if (syscall(SYS_getcwd, cwd, sizeof cwd) < 0 || cwd[0] != '/') {
    errno = EPERM;
    die("working directory is outside the container:", path);
  }
}

static void op_user(char **a, char ***rest) {
  long uid = to_long(a[0]), gid = to_long(a[1]), ngroups = to_long(a[2]);
  unsigned int groups[64]; long i;
  char **p = *rest;
  if (ngroups > 64) ngroups = 64;
  for (i = 0; i < ngroups; i++) groups[i] = (unsigned int)to_long(*p++);
  *rest = p;
  if (syscall(SYS_setgroups, ngroups, groups) < 0) die("setgroups", 0);
  if (syscall(SYS_setresgid, gid, gid, gid) < 0) die("setgid", a[1]);
  if (syscall(SYS_setresuid, uid, uid, uid) < 0) die("setuid", a[0]);
}

/*
 * Closes every fd above 2 but the error pipe and KEEP (the console socket, or
 * -1). The child inherits all of the Bun process's fds, some of them host
 * directories; none may survive into the container's namespaces, where a
 * working directory like /proc/self/fd/N could reach them.
 */
/* Closes every fd above 2 but these three (-1: none). */
static void close_fds_but(int a, int b, int c) {
  int k[3] = { a, b, c }, lo = 3, i, j;
  for (i = 0; i < 3; i++) for (j = i + 1; j < 3; j++) if (k[j] < k[i]) { int t = k[i]; k[i] = k[j]; k[j] = t; }
  for (i = 0; i < 3; i++) if (k[i] >= lo) { if (k[i] > lo) syscall(SYS_close_range, lo, k[i] - 1, 0); lo = k[i] + 1; }
  syscall(SYS_close_range, lo, ~0U, 0);
}

static void op_closefds(long keep) {
  close_fds_but(err_fd, (int)keep, tree_fd);
}

/* Attaches the rootfs the parent built (userns_rootfs) at PATH, where the overlay would otherwise be mounted. */
static void op_root_mount(const char *path) {
  if (tree_fd < 0) { errno = EINVAL; die("no rootfs mount was passed for", path); }
  if (syscall(SYS_move_mount, tree_fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0) die("attach rootfs", path);
  close(tree_fd);
  tree_fd = -1;
}

/*
 * Until execve, /proc/<pid>/exe of this child is bunker's own executable. A
 * non-dumpable process's /proc entries are closed to anyone without
 * CAP_SYS_PTRACE over it; execve makes the container's process dumpable again.
 */
static void op_nodump(void) {
  if (syscall(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) die("prctl", "PR_SET_DUMPABLE");
}

/* setrlimit before the user changes, while CAP_SYS_RESOURCE (if the host gave it) still applies; "-1" is unlimited. */
static void op_rlimit(char **a) {
  u64 lim[2];
  lim[0] = (u64)to_long(a[2]); lim[1] = (u64)to_long(a[3]);
  if (syscall(SYS_prlimit64, 0, to_long(a[1]), lim, 0) < 0) die("setrlimit", a[0]);
}

static void op_oom_score_adj(const char *value) {
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  size_t n = slen(value);
  if (fd < 0 || write(fd, value, n) != (ssize_t)n) die("write oom_score_adj", value);
  close(fd);
}

/* Drops from the bounding set every capability not in MASK (0 up to the kernel's last, found by PR_CAPBSET_READ). */
static void op_bounding(const char *mask_text) {
  u64 mask = (u64)to_long(mask_text);
  for (long cap = 0; cap < 64; cap++) {
    long r = syscall(SYS_prctl, PR_CAPBSET_READ, cap, 0, 0, 0);
    if (r < 0) break; /* EINVAL: past the last capability */
    if (r == 1 && !(mask >> cap & 1) && syscall(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) die("drop bounding capability", mask_text);
  }
}

/* Keeps the permitted set across the setuid to a non-root user (execve resets the flag). */
static void op_keepcaps(void) {
  if (syscall(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) die("prctl", "PR_SET_KEEPCAPS");
}

/* capset: effective, permitted and inheritable masks, each two 32-bit words in the v3 ABI. */
static void op_caps(char **a) {
  struct cap_header h; struct cap_data d[2];
  u64 eff = (u64)to_long(a[0]), prm = (u64)to_long(a[1]), inh = (u64)to_long(a[2]);
  h.version = LINUX_CAPABILITY_VERSION_3; h.pid = 0;
  for (int i = 0; i < 2; i++) {
    d[i].effective = (unsigned int)(eff >> (32 * i));
    d[i].permitted = (unsigned int)(prm >> (32 * i));
    d[i].inheritable = (unsigned int)(inh >> (32 * i));
  }
  if (syscall(SYS_capset, &h, d) < 0) die("capset", 0);
}

/* Empties the ambient set, then raises the capabilities in MASK (they must be permitted and inheritable). */
static void op_ambient(const char *mask_text) {
  u64 mask = (u64)to_long(mask_text);
  if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) die("clear ambient capabilities", 0);
  for (long cap = 0; cap < 64; cap++)
    if ((mask >> cap & 1) && syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) die("raise ambient capability", mask_text);
}

static void op_no_new_privs(void) {
  if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("prctl", "PR_SET_NO_NEW_PRIVS");
}

/*
 * The seccomp filter comes in two steps: "seccomp-read" loads the compiled BPF
 * program while the host's files are still reachable (before pivot_root), and
 * "seccomp" installs it near the end. (In the vfork-style child this buffer is
 * the suspended parent's memory, like the other globals.)
 */
static struct sock_filter seccomp_prog[BPF_MAXINSNS + 1]; /* one more, to see a program that is too long */
static unsigned short seccomp_len;

static void op_seccomp_read(const char *path) {
  size_t got = 0; ssize_t n;
  int fd = open(path, O_CLOEXEC);
  if (fd < 0) die("open seccomp program", path);
  while ((n = read(fd, (char *)seccomp_prog + got, sizeof seccomp_prog - got)) > 0) got += n;
  close(fd);
  if (n < 0) die("read seccomp program", path);
  if (got == 0 || got % sizeof seccomp_prog[0] || got == sizeof seccomp_prog) { errno = EINVAL; die("seccomp program has a bad size:", path); }
  seccomp_len = (unsigned short)(got / sizeof seccomp_prog[0]);
}

static void op_seccomp(void) {
  struct sock_fprog prog;
  prog.len = seccomp_len; prog.filter = seccomp_prog;
  if (syscall(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) die("install seccomp filter", 0);
}

static void reset_signals(void) {
  struct kernel_sigaction dfl; u64 empty = 0; int s;
  dfl.handler = 0; dfl.flags = 0; dfl.restorer = 0; dfl.mask = 0;
  for (s = 1; s < 65; s++) if (s != 9 && s != 19) syscall(SYS_rt_sigaction, s, &dfl, 0, 8);
  syscall(SYS_rt_sigprocmask, 2, &empty, 0, 8);
}

/* execvpe without malloc: search PATH the way a shell does; EACCES wins over ENOENT. Returns only on failure. */
static void exec_search(const char *path_env, char **argv, char **envp) {
  char buf[4096]; const char *cmd = argv[0]; int saw_eacces = 0;
  for (const char *c = cmd; *c; c++) if (*c == '/') { execve(cmd, argv, envp); return; }
  const char *p = path_env;
  while (1) {
    const char *q = p; while (*q && *q != ':') q++;
    size_t dl = q - p, cl = slen(cmd);
    if (dl + cl + 2 < sizeof buf) {
      size_t k = 0;
      for (size_t i = 0; i < dl; i++) buf[k++] = p[i];
      if (dl) buf[k++] = '/';
      for (size_t i = 0; i <= cl; i++) buf[k++] = cmd[i];
      execve(buf, argv, envp);
      if (errno == EACCES) saw_eacces = 1;
    }
    if (!*q) break;
    p = q + 1;
  }
  errno = saw_eacces ? EACCES : ENOENT;
}

/*
 * An exec'd process is a clone of bunker's own process, so at its execve
 * /proc/self/exe is bunker's executable, and a script whose interpreter is
 * "#!/proc/self/exe" would run bunker inside the container, where any
 * process could open it through /proc/PID/exe and rewrite it once no bunker
 * process holds it busy (CVE-2019-5736). So the last step goes through the
 * monitor executable, opened on the host ("via"), run as bunker-exec: it
 * searches PATH and execs the command. The monitor executable stays busy
 * (unwritable) while the container's own monitor runs, which outlives every
 * process of the container.
 */
static int via_fd = -1;
extern char **environ;
extern int fcntl(int fd, int cmd, ...);
#define SYS_execveat 322
#define F_SETFD 2
#define FD_CLOEXEC 1

static void op_via(const char *path) {
  via_fd = open(path, 0 /* O_RDONLY */ | O_CLOEXEC);
  if (via_fd < 0) die("open", path);
}

/* argv for bunker-exec: its name, the error fd, PATH, then the command. */
static void exec_via(const char *path_env, char **argv, char **envp) {
  static char *args[MAX_ARGS + 4]; char num[24]; long i;
  num[put_long(num, err_fd) - num] = 0;
  args[0] = "bunker-exec"; args[1] = num; args[2] = (char *)path_env;
  for (i = 0; argv[i] && i < MAX_ARGS; i++) args[3 + i] = argv[i];
  args[3 + i] = 0;
  fcntl(err_fd, F_SETFD, 0); /* bunker-exec reports a failed exec on it, as op_exec would */
  syscall(SYS_execveat, via_fd, "", args, envp, AT_EMPTY_PATH);
  fcntl(err_fd, F_SETFD, FD_CLOEXEC);
  die("start the exec helper", 0);
}

static void op_exec(const char *path_env, char **argv, char **envp) {
  close_fds_but(err_fd, via_fd, -1);
  reset_signals();
  if (via_fd >= 0) exec_via(path_env, argv, envp);
  exec_search(path_env, argv, envp);
  die("exec", argv[0]);
}

/* Brings up loopback in a fresh network namespace (it starts down). */
static void op_lo_up(void) {
  struct { char name[16]; short flags; char pad[22]; } ifr;
  int i, fd = socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */ | O_CLOEXEC, 0);
  if (fd < 0) die("socket", "lo");
  for (i = 0; i < 40; i++) ((char *)&ifr)[i] = 0;
  ifr.name[0] = 'l'; ifr.name[1] = 'o';
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) die("get flags", "lo");
  ifr.flags |= 1 | 0x40; /* IFF_UP | IFF_RUNNING */
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) die("bring up", "lo");
  close(fd);
}

/* After pivot_root, "/" is the container's root: PATH opened inside it (open_in_root), -1 with errno on failure. */
static int open_after_pivot(const char *path, int flags) {
  int fd, e;
  root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return -1;
  fd = open_in_root(path, flags);
  e = errno; close(root_fd); root_fd = -1; errno = e;
  return fd;
}

/*
 * After pivot_root: paths are the container's own. /dev may be a volume or
 * the image's own directory (VOLUME /dev) that holds a symlink where the
 * node goes; mknod by path would then meet EEXIST and chmod by path follow
 * the link to a /proc file, changing its mode for the whole kernel
 * (CVE-2025-31133's pattern). So the node is made relative to its parent's
 * fd, then opened without following links and checked to be the device
 * before its mode is set through that fd. An entry already there (a reused
 * volume, the host's /dev bound) is kept as it is, but only if it is the
 * same device.
 */
static void op_mknod(char **a) {
  const char *path = a[0];
  char fdp[40];
  unsigned int mode = (unsigned int)to_long(a[1]) & 07777, type = ((unsigned int)to_long(a[1]) | S_IFCHR) & S_IFMT;
  unsigned long maj = (unsigned long)to_long(a[2]), min = (unsigned long)to_long(a[3]), rdev = 0;
  unsigned long dev = ((maj & 0xfff) << 8) | (min & 0xff) | ((min & ~0xffUL) << 12);
  char parent[4096];
  long name = split_parent(path, parent);
  int dfd = name < 0 ? -1 : open_after_pivot(parent, O_PATH | O_DIRECTORY), fd, made;
  if (dfd < 0) die("mknod", path);
  made = syscall(SYS_mknodat, dfd, path + name, type | mode, dev) == 0;
  if (!made && errno != EEXIST) die("mknod", path);
  fd = openat(dfd, path + name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  close(dfd);
  if (fd < 0) die("mknod", path);
  if (fd_type(fd, &rdev) != type || rdev != dev) {
    errno = EEXIST;
    die("refusing to start: the image or a volume at /dev holds something other than the device (remove it) at", path);
  }
  fd_path(fdp, fd);
  if (made && chmod(fdp, mode) < 0) die("chmod", path);
  close(fd);
}

/*
 * A masked or read-only path, opened without following a symlink in its
 * place (a volume over /proc or /sys could put one there): an O_PATH fd, or
 * -1 when the path is missing, which skips it.
 */
static int open_mount_target(const char *path) {
  int fd = open_after_pivot(path, O_PATH | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) return -1;
  if (fd < 0) die("open", path);
  if (fd_type(fd, 0) == S_IFLNK) { errno = ELOOP; die("refusing to mount over a symlink at", path); }
  return fd;
}

/*
 * Docker's masked paths: a directory gets an empty read-only tmpfs, a file
 * /dev/null. Both ends are fds. The /dev/null bound is checked to be the null
 * device (1:3), as runc 1.2.8 does: a /dev from a volume or the image could
 * otherwise make the mask a read-write bind of another /proc file.
 */
static void op_mask(const char *path) {
  char target[40], source[40];
  unsigned long rdev = 0;
  int fd = open_mount_target(path), null;
  if (fd < 0) return;
  fd_path(target, fd);
  if (fd_type(fd, 0) == S_IFDIR) {
    if (mount("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0) < 0) die("mask", path);
    close(fd);
    return;
  }
  null = open_after_pivot("/dev/null", O_PATH | O_NOFOLLOW);
  if (null < 0 || fd_type(null, &rdev) != S_IFCHR || rdev != ((1 << 8) | 3)) {
    errno = EINVAL;
    die("refusing to start: /dev/null is not the null device (1:3), so it cannot mask", path);
  }
  fd_path(source, null);
  if (mount(source, target, 0, MS_BIND, 0) < 0) die("mask", path);
  close(null);
  close(fd);
}

/* Binds PATH onto itself, then remounts that new mount read-only, each step through an fd. */
static void op_readonly(const char *path) {
  char p[40];
  int fd = open_mount_target(path);
  if (fd < 0) return;
  fd_path(p, fd);
  if (mount(p, p, 0, MS_BIND | MS_REC, 0) < 0) die("bind", path);
  close(fd);
  /* The fd names what lay under the bind: the remount needs the mount on top, so the path is opened again. */
  fd = open_mount_target(path);
  if (fd < 0) die("bind", path);
  fd_path(p, fd);
  if (mount(0, p, 0, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0) < 0) die("remount read-only", path);
  close(fd);
}

/* Passes one fd over a unix socket (SCM_RIGHTS). */
struct iovec_ { void *base; size_t len; };
struct msghdr_ { void *name; unsigned int namelen; struct iovec_ *iov; size_t iovlen; void *control; size_t controllen; int flags; };

static int send_fd(int sock, int fd) {
  char byte = 'f'; struct iovec_ iov; struct msghdr_ msg; unsigned long control[3];
  int i;
  iov.base = &byte; iov.len = 1;
  for (i = 0; i < 3; i++) control[i] = 0;
  control[0] = 20; /* cmsg_len = CMSG_LEN(sizeof(int)) */
  ((int *)control)[2] = 1; /* SOL_SOCKET */
  ((int *)control)[3] = 1; /* SCM_RIGHTS */
  ((int *)control)[4] = fd;
  msg.name = 0; msg.namelen = 0; msg.iov = &iov; msg.iovlen = 1;
  msg.control = control; msg.controllen = 24; msg.flags = 0;
  return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/*
 * The container's terminal lives in its own devpts (so `tty` names a path that
 * exists inside), like runc's console socket: after pivot_root, open a pty
 * there, make it the controlling terminal, and send the master to the parent.
 */
static void op_console(char **a) {
  int sock = (int)to_long(a[0]); int unlock = 0, n = -1;
  unsigned short ws[4];
  char path[32]; char *p;
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) die("open", "/dev/ptmx");
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) die("unlock pty", 0);
  ws[0] = (unsigned short)to_long(a[1]); ws[1] = (unsigned short)to_long(a[2]); ws[2] = 0; ws[3] = 0;
  if (ws[0] && ws[1]) ioctl(master, TIOCSWINSZ, ws);
  p = put_str(path, "/dev/pts/", path + 20); p = put_long(p, n); *p = 0;
  int slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) die("open", path);
  setsid();
  if (ioctl(slave, TIOCSCTTY, 0) < 0) die("set controlling tty", path);
  if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) die("dup2", path);
  if (send_fd(sock, master) < 0) die("send console", 0);
  close(master);
}

/* Receives one byte and, when one came with it (SCM_RIGHTS), an fd; *fd is -1 otherwise. Returns recvmsg's result. */
static ssize_t recv_with_fd(int sock, int *fd) {
  char byte; struct iovec_ iov; struct msghdr_ msg; unsigned long control[3];
  int i; ssize_t n;
  iov.base = &byte; iov.len = 1;
  for (i = 0; i < 3; i++) control[i] = 0;
  msg.name = 0; msg.namelen = 0; msg.iov = &iov; msg.iovlen = 1;
  msg.control = control; msg.controllen = 24; msg.flags = 0;
  do { n = recvmsg(sock, &msg, 0x40000000 /* MSG_CMSG_CLOEXEC */); } while (n < 0 && errno == EINTR);
  *fd = n == 1 && msg.controllen >= 20 && ((int *)control)[3] == 1 ? ((int *)control)[4] : -1;
  return n;
}

static int recv_fd(int sock) {
  int fd; ssize_t n = recv_with_fd(sock, &fd);
  if (n != 1 || fd < 0) return n < 0 ? -errno : -5;
  return fd;
}

static int make_socketpair(int *out) {
  return socketpair(1 /* AF_UNIX */, 1 /* SOCK_STREAM */ | O_CLOEXEC, 0, out) < 0 ? -errno : 0;
}

static int make_pipe(int *out) { return pipe2(out, O_CLOEXEC) < 0 ? -errno : 0; }

/*
 * Writes "0" (this task) to a cgroup file. On v1 bunker passes the `tasks`
 * file: moving just the current thread skips the global lock that
 * cgroup.procs takes (and its ~15 ms RCU wait); the child is single-threaded,
 * so that moves the whole process.
 */
static void join_cgroup(const char *file) {
  int fd = open(file, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, "0", 1) != 1) die("join cgroup", file);
  close(fd);
}

static void join_cgroup_dir(const char *dir) {
  char path[4096]; char *p = put_str(path, dir, path + 4000);
  p = put_str(p, "/cgroup.procs", path + 4090); *p = 0;
  join_cgroup(path);
}

static void op_root_mount(const char *path);
/* Mount options, split in place: the next KEY (its =VALUE in *value, or 0), advancing *o past its comma. */
static char *next_option(char **o, char **value) {
  char *key = *o;
  *value = 0;
  while (**o && **o != ',') { if (**o == '=' && !*value) { **o = 0; *value = *o + 1; } (*o)++; }
  if (**o) *(*o)++ = 0;
  return key;
}

/* The next directory of a colon-separated list (lowerdir), split in place. */
static char *next_dir(char **d) {
  char *dir = *d;
  while (**d && **d != ':') (*d)++;
  if (**d) *(*d)++ = 0;
  return dir;
}

/*
 * mount(2) takes its options in one page: an overlay of many layers (a long
 * build, an image of 40-odd layers) does not fit, and the kernel reads a cut
 * path. The new mount API takes them one by one instead ("lowerdir+", Linux
 * 6.8), so any number the overlay allows can be stacked.
 */
#define OVERLAY_DATA_MAX 4000
static void mount_overlay_by_parts(const char *target, const char *options) {
  static char opts[1 << 20];
  char *o = opts;
  int fsfd, mnt;
  if (slen(options) >= sizeof opts) { errno = EINVAL; die("overlay options too long for", target); }
  put_str(opts, options, opts + sizeof opts - 1)[0] = 0;
  fsfd = (int)syscall(SYS_fsopen, "overlay", 1 /* FSOPEN_CLOEXEC */);
  if (fsfd < 0) die("fsopen overlay for", target);
  while (*o) {
    char *value, *key = next_option(&o, &value);
    if (seq(key, "lowerdir") && value) {
      char *d = value;
      while (*d) {
        char *dir = next_dir(&d);
        if (syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "lowerdir+", dir, 0) < 0) die("overlay lowerdir+", dir);
      }
    } else if (syscall(SYS_fsconfig, fsfd, value ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, key, value, 0) < 0) die("overlay option", key);
  }
  if (syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, 0, 0, 0) < 0) die("create overlay for", target);
  mnt = (int)syscall(SYS_fsmount, fsfd, 1 /* FSMOUNT_CLOEXEC */, 0);
  if (mnt < 0) die("fsmount overlay for", target);
  if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0) die("mount", target);
  close(mnt);
  close(fsfd);
}

static void op_userns_root(void);
static void op_nsenter(char **a, char ***rest);
static void op_fork(char **rest);

static void run_program(char **op) {
  while (*op) {
    const char *name = *op++;
    if (seq(name, "cgroup")) { join_cgroup(op[0]); op += 1; }
    else if (seq(name, "setsid")) { setsid(); }
    else if (seq(name, "stdio")) {
      for (int i = 0; i < 3; i++) { int fd = (int)to_long(op[i]); if (fd != i && dup2(fd, i) < 0) die("dup2", op[i]); }
      op += 3;
    }
    else if (seq(name, "private")) { if (mount(0, "/", 0, MS_REC | MS_PRIVATE, 0) < 0) die("make mounts private", 0); }
    else if (seq(name, "mount")) {
      if (seq(op[2], "overlay") && slen(op[4]) >= OVERLAY_DATA_MAX) mount_overlay_by_parts(op[1], op[4]);
      else if (mount(*op[0] ? op[0] : 0, op[1], *op[2] ? op[2] : 0, (unsigned long)to_long(op[3]), *op[4] ? op[4] : 0) < 0) die("mount", op[1]);
      op += 5;
    }
    else if (seq(name, "root")) { root_fd = open(op[0], O_PATH | O_DIRECTORY | O_CLOEXEC); if (root_fd < 0) die("open rootfs", op[0]); op += 1; }
    else if (seq(name, "rmount")) { op_rmount(op); op += 6; }
    else if (seq(name, "hold")) { op_hold(op[0]); op += 1; }
    else if (seq(name, "root-mount")) { op_root_mount(op[0]); op += 1; }
    else if (seq(name, "userns-root")) { op_userns_root(); }
    else if (seq(name, "symlink")) { op_symlink(op); op += 2; }
    else if (seq(name, "pivot")) { op_pivot(); }
    else if (seq(name, "lo-up")) { op_lo_up(); }
    else if (seq(name, "console")) { op_console(op); op += 3; }
    else if (seq(name, "mknod")) { op_mknod(op); op += 4; }
    else if (seq(name, "mask")) { op_mask(op[0]); op += 1; }
    else if (seq(name, "readonly")) { op_readonly(op[0]); op += 1; }
    else if (seq(name, "umask")) { umask((unsigned int)to_long(op[0])); op += 1; }
    else if (seq(name, "hostname")) { if (sethostname(op[0], slen(op[0])) < 0) die("sethostname", op[0]); op += 1; }
    else if (seq(name, "domainname")) { if (setdomainname(op[0], slen(op[0])) < 0) die("setdomainname", op[0]); op += 1; }
    else if (seq(name, "workdir")) { op_workdir(op[0], 1); op += 1; }
    else if (seq(name, "cwd")) { op_workdir(op[0], 0); op += 1; }
    else if (seq(name, "closefds")) { op_closefds(to_long(op[0])); op += 1; }
    else if (seq(name, "nodump")) { op_nodump(); }
    else if (seq(name, "rlimit")) { op_rlimit(op); op += 4; }
    else if (seq(name, "oom-score-adj")) { op_oom_score_adj(op[0]); op += 1; }
    else if (seq(name, "bounding")) { op_bounding(op[0]); op += 1; }
    else if (seq(name, "keepcaps")) { op_keepcaps(); }
    else if (seq(name, "user")) { char **rest = op + 3; op_user(op, &rest); op = rest; }
    else if (seq(name, "caps")) { op_caps(op); op += 3; }
    else if (seq(name, "ambient")) { op_ambient(op[0]); op += 1; }
    else if (seq(name, "no-new-privs")) { op_no_new_privs(); }
    else if (seq(name, "seccomp-read")) { op_seccomp_read(op[0]); op += 1; }
    else if (seq(name, "seccomp")) { op_seccomp(); }
    else if (seq(name, "nsenter")) { char **rest = op + 1; op_nsenter(op, &rest); op = rest; }
    else if (seq(name, "fork")) { op_fork(op); }
    else if (seq(name, "via")) { op_via(op[0]); op += 1; }
    else if (seq(name, "exec")) {
      const char *path_env = op[0]; long argc = to_long(op[1]), envc = to_long(op[2]);
      char *argv[MAX_ARGS]; char *envp[MAX_ARGS]; long i;
      op += 3;
      if (argc >= MAX_ARGS || envc >= MAX_ARGS) { errno = 7; die("exec", "argument list too long"); }
      for (i = 0; i < argc; i++) argv[i] = *op++;
      argv[argc] = 0;
      for (i = 0; i < envc; i++) envp[i] = *op++;
      envp[envc] = 0;
      op_exec(path_env, argv, envp);
    }
    else { errno = 22; die("unknown operation", name); }
  }
  errno = 22;
  die("program has no exec", 0);
}

#define MAX_WORDS 65536
#define ERRBUF_LEN 1024
#define SYS_clone3 435
#define CLONE_INTO_CGROUP 0x200000000ULL
static char *words[MAX_WORDS + 1];

struct clone_args_ { u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup; };

/*
 * Starts the child directly inside its cgroup v2 directory (clone3 with
 * CLONE_INTO_CGROUP): joining afterwards through cgroup.procs would take a
 * global lock that first waits for an RCU grace period (~15 ms). Returns the
 * pid, 0 in the child, or -1 if clone3 cannot do it here.
 */
static int clone_into_cgroup(long flags, const char *dir) {
  struct clone_args_ args; int i, fd, pid;
  fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  for (i = 0; i < (int)(sizeof args / 8); i++) ((u64 *)&args)[i] = 0;
  args.flags = (u64)flags | CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = (u64)fd;
  pid = (int)syscall(SYS_clone3, &args, sizeof args);
  if (pid != 0) close(fd);
  return pid;
}

/*
 * Without a cgroup v2 target the child shares the parent's memory until it
 * execs (CLONE_VM | CLONE_VFORK, as posix_spawn does): copying the page
 * tables of a Bun process, and the copy-on-write faults after, would cost
 * more than the whole container setup. The parent is suspended meanwhile, so
 * the child may use the globals; it runs on its own stack.
 */
static char child_stack[256 * 1024] __attribute__((aligned(16)));
static int child_err_fd;
static const char *child_cgroup_v2;
static int child_join_v2;

static int child_main(void *arg) {
  (void)arg;
  err_fd = child_err_fd;
  if (child_join_v2) join_cgroup_dir(child_cgroup_v2);
  run_program(words);
  return 127;
}

/*
 * Reads the child's error pipe until it closes (the child exec'd: the write
 * end is close-on-exec) or reports an error. Returns the pid, or -1 with the
 * error in errbuf once the failed child is reaped.
 */
static ssize_t read_errors(int fd, char *errbuf) {
  ssize_t n, got = 0;
  while (got < ERRBUF_LEN - 1) {
    n = read(fd, errbuf + got, ERRBUF_LEN - 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += n;
  }
  close(fd);
  errbuf[got] = 0;
  return got;
}

static int await_exec(int pid, int fd, char *errbuf) {
  if (read_errors(fd, errbuf) > 0) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return -1;
  }
  return pid;
}

/* ---- User namespaces (--uidmap/--gidmap) ----
 *
 * A child in a new user namespace has ids that map to nothing until the
 * parent writes /proc/<pid>/{uid,gid}_map, and whatever needs privilege over
 * the host (joining the host's cgroups, idmapping the image layers) must be
 * done by the parent too: the child is root only inside its namespace. So
 * for CLONE_NEWUSER the child is cloned fork-style (not CLONE_VM|CLONE_VFORK:
 * the parent has to run meanwhile) and first blocks on a socket; the parent
 * sets it up, then releases it with one byte that carries the rootfs mount.
 * The kernel creates the user namespace first, so the other namespaces of the
 * same clone are owned by it (mounting proc, sysfs, mqueue works inside).
 *
 * Such a program starts with a header that only the parent reads:
 *   userns UID_MAP GID_MAP OVERLAY_OPTIONS NJOIN CGROUP_FILE...
 * The maps are /proc/<pid>/uid_map's text. Root writing gid_map from the
 * parent namespace needs no "deny" in setgroups, so setgroups keeps working
 * inside (the "user" operation needs it).
 *
 * The rootfs: the image layers belong to host root, which is unmapped inside
 * (files would show as nobody and root could not write to them). The parent
 * therefore clones each lower layer as a detached mount idmapped to the
 * child's namespace (open_tree + mount_setattr(MOUNT_ATTR_IDMAP)): on-disk
 * uid 0 shows as the container's root, no file is copied or chowned. It
 * mounts the overlay over them with the new mount API (fsopen/fsmount) and
 * the child attaches it (op "root-mount"). The upper and work dirs were
 * chowned to the mapped root at create time, so writes land as HOST_ID.
 * Where the kernel or filesystem refuses idmapped mounts the layers are used
 * as they are: files still read (others may read them) but show as nobody.
 */
static int write_file(const char *path, const char *text, size_t n) {
  int fd = open(path, O_WRONLY | O_CLOEXEC), e;
  ssize_t w;
  if (fd < 0) return -1;
  w = write(fd, text, n);
  e = errno; close(fd); errno = e;
  return w == (ssize_t)n ? 0 : -1;
}

static void proc_path(char *out, int pid, const char *name) {
  char *p = put_str(out, "/proc/", out + 16);
  p = put_long(p, pid); *p++ = '/';
  p = put_str(p, name, out + 60); *p = 0;
}

#define MAX_LAYERS 500

/* The overlay with idmapped lower layers, as a detached mount fd; -1 with errno on failure. */
static int userns_rootfs(int pid, const char *options) {
  static char opts[16384], lower[MAX_LAYERS * 24 + 16384];
  int layer_fds[MAX_LAYERS]; int nlayers = 0, userns, fsfd, mnt = -1, idmap = 1, e = 0, i;
  struct mount_attr_ attr;
  char path[64]; char *o = opts, *lp = lower, *lend = lower + sizeof lower - 32;
  if (slen(options) >= sizeof opts) { errno = EINVAL; return -1; }
  /* "noidmap,": the layers are copies already owned by the mapped ids (the chown fallback). */
  if (options[0] == 'n' && options[1] == 'o' && options[2] == 'i' && options[3] == 'd' && options[4] == 'm' && options[5] == 'a' && options[6] == 'p' && options[7] == ',') {
    idmap = 0;
    options += 8;
  }
  put_str(opts, options, opts + sizeof opts)[0] = 0;
  proc_path(path, pid, "ns/user");
  userns = open(path, O_CLOEXEC);
  if (userns < 0) return -1;
  attr.attr_set = MOUNT_ATTR_IDMAP; attr.attr_clr = 0; attr.propagation = 0; attr.userns_fd = (u64)userns;
  fsfd = (int)syscall(SYS_fsopen, "overlay", 1 /* FSOPEN_CLOEXEC */);
  if (fsfd < 0) { e = errno; goto out; }
  while (*o) {
    char *value, *key = next_option(&o, &value);
    if (seq(key, "lowerdir") && value) {
      char *d = value;
      while (*d) {
        char *dir = next_dir(&d);
        if (lp != lower) *lp++ = ':';
        int fd = idmap && nlayers < MAX_LAYERS ? (int)syscall(SYS_open_tree, AT_FDCWD, dir, OPEN_TREE_CLONE | O_CLOEXEC) : -1;
        if (fd >= 0 && syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) == 0) {
          layer_fds[nlayers++] = fd;
          lp = put_str(lp, "/proc/self/fd/", lend); lp = put_long(lp, fd);
        } else {
          if (fd >= 0) close(fd);
          idmap = 0; /* refused here: the layers as they are */
          lp = put_str(lp, dir, lend);
        }
      }
      *lp = 0;
      value = lower;
    }
    if (syscall(SYS_fsconfig, fsfd, value ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, key, value, 0) < 0) { e = errno; goto out; }
  }
  if (syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, 0, 0, 0) < 0) { e = errno; goto out; }
  mnt = (int)syscall(SYS_fsmount, fsfd, 1 /* FSMOUNT_CLOEXEC */, 0);
  if (mnt < 0) e = errno;
out:
  for (i = 0; i < nlayers; i++) close(layer_fds[i]);
  if (fsfd >= 0) close(fsfd);
  close(userns);
  errno = e;
  return mnt;
}

/* The child's first step: wait for the parent's byte (and the rootfs mount with it). */
static void userns_wait(int sock) {
  int fd;
  if (recv_with_fd(sock, &fd) != 1) _exit(125); /* the parent gave up and reports why */
  if (fd >= 0) tree_fd = fd;
}

/*
 * The child starts with host root's ids, unmapped inside its namespace (they
 * show as nobody), but still the owner of the host's root-only files: the
 * seccomp program, the state directory. Once the program has opened those
 * ("seccomp-read", "root"), this op makes it the namespace's root (as runc
 * does), so the files it creates (mount points in /dev's tmpfs) can be owned.
 * The capabilities stay full: the kernel treats it as a change to root.
 */
static void op_userns_root(void) {
  if (syscall(SYS_setresgid, 0, 0, 0) < 0) die("setgid to root of the user namespace", 0);
  if (syscall(SYS_setresuid, 0, 0, 0) < 0) die("setuid to root of the user namespace", 0);
}

static int spawn_userns(long clone_flags, char *errbuf, const char *cgroup_v2) {
  const char *uid_map = words[1], *gid_map = words[2], *overlay = words[3];
  long njoin = to_long(words[4]), i;
  int fds[2], sync[2], pid = -1, mnt = -1, join_v2 = 0, e = 0;
  const char *what = 0;
  char path[4096], num[24];
  if (pipe2(fds, O_CLOEXEC) < 0) return -1;
  if (socketpair(1 /* AF_UNIX */, 1 /* SOCK_STREAM */ | O_CLOEXEC, 0, sync) < 0) { close(fds[0]); close(fds[1]); return -1; }
  if (*cgroup_v2) pid = clone_into_cgroup(clone_flags, cgroup_v2);
  if (pid < 0) {
    join_v2 = *cgroup_v2 != 0;
    pid = (int)syscall(SYS_clone, clone_flags | SIGCHLD, 0, 0, 0, 0);
  }
  if (pid == 0) {
    err_fd = fds[1];
    close(sync[0]);
    userns_wait(sync[1]);
    close(sync[1]);
    run_program(words + 5 + njoin);
    _exit(127);
  }
  close(fds[1]);
  close(sync[1]);
  if (pid < 0) { close(fds[0]); close(sync[0]); return -1; }
  num[put_long(num, pid) - num] = 0;
  proc_path(path, pid, "uid_map");
  if (write_file(path, uid_map, slen(uid_map)) < 0) what = "write uid_map";
  proc_path(path, pid, "gid_map");
  if (!what && write_file(path, gid_map, slen(gid_map)) < 0) what = "write gid_map";
  /* Inside, the child's writes to the host's cgroup files would be refused: the parent moves it. */
  for (i = 0; i < njoin && !what; i++) if (write_file(words[5 + i], num, slen(num)) < 0) what = "join cgroup";
  if (!what && join_v2) {
    char *p = put_str(path, cgroup_v2, path + 4000); p = put_str(p, "/cgroup.procs", path + 4090); *p = 0;
    if (write_file(path, num, slen(num)) < 0) what = "join cgroup";
  }
  if (!what && *overlay && (mnt = userns_rootfs(pid, overlay)) < 0) what = "mount rootfs overlay";
  if (!what && (mnt >= 0 ? send_fd(sync[0], mnt) : (write(sync[0], "g", 1) == 1 ? 0 : -1)) < 0) what = "release container process";
  e = errno;
  if (mnt >= 0) close(mnt);
  close(sync[0]);
  if (what) {
    int status; char *p = put_long(errbuf, e);
    *p++ = '\t'; p = put_str(p, what, errbuf + ERRBUF_LEN - 1); *p = 0;
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    close(fds[0]);
    return -1;
  }
  return await_exec(pid, fds[0], errbuf);
}

/*
 * Clones a child with the given namespace flags and runs the program in it.
 * The program is LEN bytes of NUL-terminated words. CGROUP_V2 is the
 * container's cgroup v2 directory, or "" (v1 joins are operations in the
 * program). Blocks until the child has exec'd (or failed), which takes a few
 * ms. Returns the pid, or -1 with "errno<TAB>message" in errbuf.
 */
/*
 * Decodes words (src: ffi/native.ts encodeWords) into OUT, at most MAX of
 * them: each is a 32-bit little-endian length, that many bytes and a NUL.
 * A length says where a word ends, so a NUL inside one cannot split it into
 * more operations; a word whose bytes hold a NUL is refused outright.
 * Returns the count, or -1 (errno EINVAL) for a malformed buffer.
 */
static long decode_words(char **out, long max, char *buf, long len) {
  long pos = 0, count = 0, i;
  while (pos < len) {
    unsigned long n;
    if (count >= max || len - pos < 5) { errno = EINVAL; return -1; }
    n = (unsigned long)(unsigned char)buf[pos] | (unsigned long)(unsigned char)buf[pos + 1] << 8 |
        (unsigned long)(unsigned char)buf[pos + 2] << 16 | (unsigned long)(unsigned char)buf[pos + 3] << 24;
    pos += 4;
    if (n >= (unsigned long)(len - pos) || buf[pos + (long)n] != 0) { errno = EINVAL; return -1; }
    for (i = 0; i < (long)n; i++) if (buf[pos + i] == 0) { errno = EINVAL; return -1; }
    out[count++] = buf + pos;
    pos += (long)n + 1;
  }
  out[count] = 0;
  return count;
}

/* Fills errbuf with "errno<TAB>what" for a program that did not decode. */
static int malformed(char *errbuf) {
  char *p = put_long(errbuf, EINVAL);
  *p++ = '\t'; p = put_str(p, "malformed program (a word holds a NUL byte)", errbuf + ERRBUF_LEN - 1); *p = 0;
  return -1;
}

static int spawn_words(long clone_flags, long count, char *errbuf, const char *cgroup_v2);

static int bunker_spawn(long clone_flags, char *program, long len, char *errbuf, const char *cgroup_v2) {
  long count = decode_words(words, MAX_WORDS, program, len);
  if (count <= 0) return malformed(errbuf);
  return spawn_words(clone_flags, count, errbuf, cgroup_v2);
}

/* The spawn itself, once the program is in `words` (the monitor reads it from its owner socket). */
static int spawn_words(long clone_flags, long count, char *errbuf, const char *cgroup_v2) {
  int fds[2]; int pid = -1;
  errbuf[0] = 0;
  if ((clone_flags & CLONE_NEWUSER) && count > 5 && seq(words[0], "userns")) return spawn_userns(clone_flags, errbuf, cgroup_v2);
  if (pipe2(fds, O_CLOEXEC) < 0) return -1;
  child_err_fd = fds[1];
  child_cgroup_v2 = cgroup_v2;
  child_join_v2 = 0;
  if (*cgroup_v2) pid = clone_into_cgroup(clone_flags, cgroup_v2);
  if (pid == 0) child_main(0);
  if (pid < 0) {
    /* clone3 was refused (old kernel, seccomp) or not wanted: the child joins by itself. */
    child_join_v2 = *cgroup_v2 != 0;
    pid = clone(child_main, child_stack + sizeof child_stack, (int)clone_flags | CLONE_VM | CLONE_VFORK | SIGCHLD, 0);
  }
  close(fds[1]);
  if (pid < 0) { close(fds[0]); return -1; }
  return await_exec(pid, fds[0], errbuf);
}

/* ---- exec: a process in a running container's namespaces ----
 *
 * The program's first half runs in an intermediate child, cloned vfork-style
 * like bunker_spawn's: it joins the container's cgroup, closes bunker's fds,
 * reads the seccomp filter while the host's files are reachable, then enters
 * each namespace with setns ("nsenter"). Entering a pid namespace only
 * places the caller's future children in it, so "fork" clones the process
 * that runs the rest of the program (terminal, working directory,
 * credentials, execve). It is cloned with CLONE_PARENT, which makes it a
 * child of bunker's CLI, so the CLI can wait for it and pass on its exit
 * code; the intermediate records its pid and exits. Both share the CLI's
 * memory, suspended until the exec (CLONE_VM | CLONE_VFORK), and a joined
 * user namespace is allowed there: setns refuses only a shared thread group
 * or fs, not shared memory.
 */
static int exec_pid;
static char fork_stack[256 * 1024] __attribute__((aligned(16)));

/* Opens every namespace first: once in the container's mount namespace, the host's /proc/<pid>/ns is out of reach. */
static void op_nsenter(char **a, char ***rest) {
  long n = to_long(a[0]), i;
  int fds[8];
  if (n > 8) { errno = EINVAL; die("too many namespaces", a[0]); }
  for (i = 0; i < n; i++) if ((fds[i] = open(a[1 + i], O_CLOEXEC)) < 0) die("open namespace", a[1 + i]);
  for (i = 0; i < n; i++) {
    if (syscall(SYS_setns, fds[i], 0) < 0) die("join namespace", a[1 + i]);
    close(fds[i]);
  }
  *rest = a + 1 + n;
}

static int fork_main(void *rest) {
  run_program((char **)rest);
  return 127;
}

static void op_fork(char **rest) {
  int pid = clone(fork_main, fork_stack + sizeof fork_stack, CLONE_VM | CLONE_VFORK | CLONE_PARENT | SIGCHLD, rest);
  if (pid < 0) die("clone", "exec process");
  exec_pid = pid;
  _exit(0);
}

/*
 * Runs an exec program (see above). Returns the pid of the exec'd process, a
 * child of the caller, or -1 with "errno<TAB>message" in errbuf once every
 * child it made is reaped.
 */
static int bunker_exec_spawn(char *program, long len, char *errbuf) {
  int fds[2], pid, status;
  errbuf[0] = 0;
  if (decode_words(words, MAX_WORDS, program, len) <= 0) return malformed(errbuf);
  if (pipe2(fds, O_CLOEXEC) < 0) return -1;
  child_err_fd = fds[1];
  child_join_v2 = 0;
  exec_pid = 0;
  pid = clone(child_main, child_stack + sizeof child_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, 0);
  close(fds[1]);
  if (pid < 0) { close(fds[0]); return -1; }
  /* Back here, the intermediate has exited and the exec process has exec'd or failed. */
  ssize_t failed = read_errors(fds[0], errbuf);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (!failed) return exec_pid;
  if (exec_pid > 0) while (waitpid(exec_pid, &status, 0) < 0 && errno == EINTR) {}
  return -1;
}

/* ---- Starting a container's monitor (src/runtime/monitor.ts) ----
 *
 * The monitor must outlive the CLI and must not stay its child (a long-lived
 * CLI would collect zombies), so it is started by a short-lived intermediate
 * that exits as soon as the monitor has exec'd: the monitor is reparented to
 * init. Both are cloned vfork-style (CLONE_VM | CLONE_VFORK): no copy of the
 * Bun process's page tables, and each parent waits until its child execs.
 */
#define MAX_MONITOR_ARGS 64
static char *monitor_argv[MAX_MONITOR_ARGS + 1];
static int monitor_sock, monitor_pid;
static char detach_stack[64 * 1024] __attribute__((aligned(16)));
static char monitor_stack[64 * 1024] __attribute__((aligned(16)));

static int monitor_main(void *arg) {
  int null = open("/dev/null", O_RDWR);
  (void)arg;
  setsid();
  /* The owner socket becomes fd 3, open across the exec; stdio is /dev/null; nothing else of bunker's follows. */
  if (monitor_sock != 3) dup2(monitor_sock, 3); else fcntl(3, 2 /* F_SETFD */, 0);
  if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); }
  syscall(SYS_close_range, 4, ~0U, 0);
  reset_signals();
  execve(monitor_argv[0], monitor_argv, environ);
  _exit(127);
}

static int detach_main(void *arg) {
  (void)arg;
  monitor_pid = clone(monitor_main, monitor_stack + sizeof monitor_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, 0);
  _exit(0);
}

/* ARGS: LEN bytes of encoded words (decode_words), the executable first. Returns the monitor's pid or -errno. */
static int spawn_monitor(char *args, long len, int sock) {
  int pid, status;
  if (decode_words(monitor_argv, MAX_MONITOR_ARGS, args, len) <= 0) return -EINVAL;
  monitor_sock = sock;
  monitor_pid = -1;
  pid = clone(detach_main, detach_stack + sizeof detach_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, 0);
  if (pid < 0) return -errno;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  return monitor_pid > 0 ? monitor_pid : -11 /* EAGAIN */;
}


/* ---- Networking: network namespaces and rtnetlink (bridge, veth, address, route). ----
 * setns/unshare of a network namespace affect only the calling thread, so the
 * JS thread may make one and step back at once. A netlink socket stays bound
 * to the namespace it was made in, which is how a container's interface is
 * configured from the host side. */
extern ssize_t send(int fd, const void *buf, size_t n, int flags);
extern ssize_t recv(int fd, void *buf, size_t n, int flags);
#define CLONE_NEWNET 0x40000000
#define SYS_unshare 272
#define SIOCGIFINDEX 0x8933
#define NLM_F_REQUEST 1
#define NLM_F_ACK 4
#define NLM_F_EXCL 0x200
#define NLM_F_CREATE 0x400
#define NLMSG_ERROR 2
#define RTM_NEWLINK 16
#define RTM_DELLINK 17
#define RTM_SETLINK 19
#define IFLA_PROTINFO 12
#define IFLA_BRPORT_MODE 4
#define NLA_F_NESTED 0x8000
#define RTM_NEWADDR 20
#define RTM_NEWROUTE 24
#define IFLA_ADDRESS 1
#define IFLA_IFNAME 3
#define IFLA_MASTER 10
#define IFLA_LINKINFO 18
#define IFLA_NET_NS_FD 28
#define IFLA_INFO_KIND 1
#define IFLA_INFO_DATA 2
#define VETH_INFO_PEER 1
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_BROADCAST 4
#define RTA_OIF 4
#define RTA_GATEWAY 5
#define IFF_UP 1

struct nl_req { unsigned int len; unsigned short type, flags; unsigned int seq, pid; char data[1024]; };
struct ifinfo { unsigned char family, pad; unsigned short type; int index; unsigned int flags, change; };
struct ifaddr { unsigned char family, prefixlen, flags, scope; unsigned int index; };
struct rtm { unsigned char family, dst_len, src_len, tos, table, protocol, scope, type; unsigned int flags; };

static void nl_init(struct nl_req *r, int type, int flags) {
  int i; for (i = 0; i < (int)sizeof *r; i++) ((char *)r)[i] = 0;
  r->len = 16; r->type = (unsigned short)type; r->flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
}
static void *nl_put(struct nl_req *r, const void *data, int n) {
  char *at = (char *)r + r->len; int i;
  for (i = 0; i < n; i++) at[i] = ((const char *)data)[i];
  r->len += (unsigned int)((n + 3) & ~3);
  return at;
}
/* Opens an attribute; nl_end closes it (sets its length), so attributes nest. */
static unsigned short *nl_attr(struct nl_req *r, int type, const void *data, int n) {
  unsigned short *a = (unsigned short *)((char *)r + r->len);
  a[0] = (unsigned short)(4 + n); a[1] = (unsigned short)type;
  r->len += 4;
  if (n) nl_put(r, data, n);
  return a;
}
static void nl_end(struct nl_req *r, unsigned short *a) { a[0] = (unsigned short)((char *)r + r->len - (char *)a); }
static void nl_str(struct nl_req *r, int type, const char *s) { nl_attr(r, type, s, (int)slen(s) + 1); }
static void nl_u32(struct nl_req *r, int type, unsigned int v) { nl_attr(r, type, &v, 4); }

/* Sends a request and returns the kernel's answer: 0 or -errno. */
static int nl_talk(int sock, struct nl_req *r) {
  char buf[4096]; ssize_t n;
  if (send(sock, r, r->len, 0) < 0) return -errno;
  do { n = recv(sock, buf, sizeof buf, 0); } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  if (n < 20 || ((unsigned short *)buf)[2] != NLMSG_ERROR) return -EINVAL;
  return ((int *)buf)[4];
}

static int nl_socket(void) { int s = socket(16 /* AF_NETLINK */, 3 /* SOCK_RAW */ | O_CLOEXEC, 0 /* NETLINK_ROUTE */); return s < 0 ? -errno : s; }

/* The index of interface NAME in the namespace SOCK (an AF_INET datagram socket) belongs to, or -errno. */
static int if_index(int sock, const char *name) {
  struct { char name[16]; int index; char pad[20]; } ifr; int i;
  for (i = 0; i < 40; i++) ((char *)&ifr)[i] = 0;
  for (i = 0; name[i] && i < 15; i++) ifr.name[i] = name[i];
  return ioctl(sock, SIOCGIFINDEX, &ifr) < 0 ? -errno : ifr.index;
}

static int set_up(int sock, int index) {
  struct nl_req r; struct ifinfo ifi = { 0, 0, 0, index, IFF_UP, IFF_UP };
  nl_init(&r, RTM_NEWLINK, 0); nl_put(&r, &ifi, sizeof ifi);
  return nl_talk(sock, &r);
}

static int add_address(int sock, int index, unsigned int addr, int prefix) {
  struct nl_req r; struct ifaddr ifa = { 2 /* AF_INET */, (unsigned char)prefix, 0, 0, (unsigned int)index };
  unsigned int host = prefix >= 32 ? 0 : (0xffffffffu >> prefix), bcast;
  /* addr is in network byte order: the host part is the low bits of the big-endian value. */
  bcast = addr | ((host >> 24) | ((host >> 8) & 0xff00) | ((host << 8) & 0xff0000) | (host << 24));
  nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL); nl_put(&r, &ifa, sizeof ifa);
  nl_u32(&r, IFA_LOCAL, addr); nl_u32(&r, IFA_ADDRESS, addr); nl_u32(&r, IFA_BROADCAST, bcast);
  return nl_talk(sock, &r);
}

/* A fresh network namespace with lo up, as an fd; the calling thread stays where it was. */
static int netns_new(void) {
  int orig = open("/proc/thread-self/ns/net", O_CLOEXEC), fd = -1, s;
  if (orig < 0) return -errno;
  if (syscall(SYS_unshare, CLONE_NEWNET) < 0) { fd = -errno; close(orig); return fd; }
  fd = open("/proc/thread-self/ns/net", O_CLOEXEC);
  if (fd < 0) fd = -errno;
  s = socket(2, 2 | O_CLOEXEC, 0);
  if (s >= 0) {
    struct { char name[16]; short flags; char pad[22]; } ifr; int i;
    for (i = 0; i < 40; i++) ((char *)&ifr)[i] = 0;
    ifr.name[0] = 'l'; ifr.name[1] = 'o';
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) { ifr.flags |= 1 | 0x40; ioctl(s, SIOCSIFFLAGS, &ifr); }
    close(s);
  }
  /* Back to where the thread was: failing that, the caller must not carry on in the new namespace. */
  if (syscall(SYS_setns, orig, CLONE_NEWNET) < 0) { if (fd >= 0) close(fd); fd = -errno; }
  close(orig);
  return fd;
}

/* Creates bridge NAME if it is missing, gives it ADDR/PREFIX (network order) and brings it up. */
static int bridge_up(const char *name, unsigned int addr, int prefix) {
  struct nl_req r; struct ifinfo ifi = { 0, 0, 0, 0, IFF_UP, IFF_UP }; unsigned short *info;
  int nl = nl_socket(), s, rc, index;
  if (nl < 0) return nl;
  s = socket(2, 2 | O_CLOEXEC, 0);
  if (s < 0) { close(nl); return -errno; }
  nl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL); nl_put(&r, &ifi, sizeof ifi);
  nl_str(&r, IFLA_IFNAME, name);
  info = nl_attr(&r, IFLA_LINKINFO, 0, 0); nl_str(&r, IFLA_INFO_KIND, "bridge"); nl_end(&r, info);
  rc = nl_talk(nl, &r);
  if (rc == -EEXIST) rc = 0;
  index = rc < 0 ? rc : if_index(s, name);
  rc = index < 0 ? index : add_address(nl, index, addr, prefix);
  if (rc == -EEXIST) rc = 0;
  if (rc == 0) rc = set_up(nl, index);
  close(s); close(nl);
  return rc;
}

/* Deletes link NAME (a bridge, or a veth and so its peer): 0, or -errno (-ENODEV: none). */
static int link_del(const char *name) {
  struct nl_req r; struct ifinfo ifi = { 0, 0, 0, 0, 0, 0 }; int nl = nl_socket(), rc;
  if (nl < 0) return nl;
  nl_init(&r, RTM_DELLINK, 0); nl_put(&r, &ifi, sizeof ifi); nl_str(&r, IFLA_IFNAME, name);
  rc = nl_talk(nl, &r);
  close(nl);
  return rc;
}

/*
 * Attaches network namespace NSFD to a bridge: a veth pair whose host end
 * joins the bridge and whose other end (IFNAME, with MAC) lives in the
 * namespace, with ADDR/PREFIX and, when GW is not 0, the default route.
 * SPEC: bridge, host end and IFNAME as 16-byte names, then addr (4, network
 * order), prefix (1), gw (4), mac (6).
 */
static int veth_attach(const unsigned char *spec, int nsfd) {
  const char *bridge = (const char *)spec, *host = (const char *)spec + 16, *ifname = (const char *)spec + 32;
  unsigned int addr = *(const unsigned int *)(spec + 48), gw = *(const unsigned int *)(spec + 53);
  int prefix = spec[52];
  struct nl_req r; struct ifinfo ifi = { 0, 0, 0, 0, IFF_UP, IFF_UP }, peer = { 0, 0, 0, 0, 0, 0 };
  unsigned short *info, *data, *peer_attr;
  int nl = nl_socket(), s = -1, orig = -1, inl = -1, is = -1, rc, master, index;
  if (nl < 0) return nl;
  s = socket(2, 2 | O_CLOEXEC, 0);
  master = s < 0 ? -errno : if_index(s, bridge);
  if (master < 0) { rc = master; goto out; }
  nl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL); nl_put(&r, &ifi, sizeof ifi);
  nl_str(&r, IFLA_IFNAME, host);
  nl_u32(&r, IFLA_MASTER, (unsigned int)master);
  info = nl_attr(&r, IFLA_LINKINFO, 0, 0);
  nl_str(&r, IFLA_INFO_KIND, "veth");
  data = nl_attr(&r, IFLA_INFO_DATA, 0, 0);
  peer_attr = nl_attr(&r, VETH_INFO_PEER, &peer, sizeof peer);
  nl_str(&r, IFLA_IFNAME, ifname);
  nl_u32(&r, IFLA_NET_NS_FD, (unsigned int)nsfd);
  nl_attr(&r, IFLA_ADDRESS, spec + 57, 6);
  nl_end(&r, peer_attr); nl_end(&r, data); nl_end(&r, info);
  rc = nl_talk(nl, &r);
  if (rc < 0) goto out;
  /* Hairpin mode on the bridge port: a container reaches its own published ports through the host. */
  {
    struct ifinfo port = { 7 /* AF_BRIDGE */, 0, 0, if_index(s, host), 0, 0 }; unsigned short *info_attr; unsigned char on = 1;
    nl_init(&r, RTM_SETLINK, 0); nl_put(&r, &port, sizeof port);
    info_attr = nl_attr(&r, IFLA_PROTINFO | NLA_F_NESTED, 0, 0); nl_attr(&r, IFLA_BRPORT_MODE, &on, 1); nl_end(&r, info_attr);
    if (port.index < 0 || (rc = nl_talk(nl, &r)) < 0) { if (port.index < 0) rc = port.index; link_del(host); goto out; }
  }
  /* Sockets made inside the namespace configure it from here. */
  orig = open("/proc/thread-self/ns/net", O_CLOEXEC);
  if (orig < 0 || syscall(SYS_setns, nsfd, CLONE_NEWNET) < 0) { rc = -errno; goto out; }
  inl = nl_socket(); is = socket(2, 2 | O_CLOEXEC, 0);
  syscall(SYS_setns, orig, CLONE_NEWNET);
  if (inl < 0 || is < 0) { rc = inl < 0 ? inl : -errno; goto out; }
  index = if_index(is, ifname);
  rc = index < 0 ? index : add_address(inl, index, addr, prefix);
  if (rc == 0) rc = set_up(inl, index);
  if (rc == 0 && gw) {
    struct rtm rt = { 2, 0, 0, 0, 254 /* main */, 3 /* boot */, 0 /* universe */, 1 /* unicast */, 0 };
    nl_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL); nl_put(&r, &rt, sizeof rt);
    nl_u32(&r, RTA_GATEWAY, gw); nl_u32(&r, RTA_OIF, (unsigned int)index);
    rc = nl_talk(inl, &r);
  }
  if (rc < 0) link_del(host);
out:
  if (orig >= 0) close(orig);
  if (inl >= 0) close(inl);
  if (is >= 0) close(is);
  if (s >= 0) close(s);
  close(nl);
  return rc;
}

/* ---- Thin libc wrappers for the JS side: they return -errno on failure. ---- */

static int bk_flock(int fd, int op) { int r; do { r = flock(fd, op); } while (r < 0 && errno == EINTR); return r < 0 ? -errno : r; }
static int bk_kill(int pid, int sig) { return kill(pid, sig) < 0 ? -errno : 0; }
static int bk_open(const char *path, int flags, int mode) { int r = open(path, flags, mode); return r < 0 ? -errno : r; }
static int bk_close(int fd) { return close(fd) < 0 ? -errno : 0; }
static int bk_ioctl(int fd, long request, void *arg) { return ioctl(fd, (unsigned long)request, arg) < 0 ? -errno : 0; }
static int bk_mount(const char *src, const char *target, const char *type, long flags, const char *data) {
  return mount(src, target, type, (unsigned long)flags, data) < 0 ? -errno : 0;
}
static int bk_umount(const char *target, int flags) { return umount2(target, flags) < 0 ? -errno : 0; }
/* Non-blocking reap: the wait status, -1 if still running, or -errno - 1000. */
static int bk_reap(int pid) {
  int status = 0, r;
  do { r = waitpid(pid, &status, 1 /* WNOHANG */); } while (r < 0 && errno == EINTR);
  if (r == 0) return -1;
  if (r < 0) return -1000 - errno;
  return status;
}


/*
 * The one entry point JS binds. bun:ffi compiles a trampoline per bound
 * symbol (~0.5 ms each), so the calls share a single one, dispatched by OP.
 */
enum { OP_SPAWN = 1, OP_FLOCK, OP_KILL, OP_OPEN, OP_CLOSE, OP_IOCTL, OP_MOUNT, OP_UMOUNT, OP_REAP, OP_SOCKETPAIR, OP_RECV_FD, OP_EXEC_SPAWN, OP_SPAWN_MONITOR,
       OP_NETNS_NEW, OP_BRIDGE_UP, OP_LINK_DEL, OP_VETH_ATTACH, OP_PIPE };

int bk_call(long op, long a, long b, long c, long d, long e) {
  switch (op) {
    case OP_SPAWN: return bunker_spawn(a, (char *)b, c, (char *)d, (const char *)e);
    case OP_FLOCK: return bk_flock((int)a, (int)b);
    case OP_KILL: return bk_kill((int)a, (int)b);
    case OP_OPEN: return bk_open((const char *)a, (int)b, (int)c);
    case OP_CLOSE: return bk_close((int)a);
    case OP_IOCTL: return bk_ioctl((int)a, b, (void *)c);
    case OP_MOUNT: return bk_mount((const char *)a, (const char *)b, (const char *)c, d, (const char *)e);
    case OP_UMOUNT: return bk_umount((const char *)a, (int)b);
    case OP_REAP: return bk_reap((int)a);
    case OP_SOCKETPAIR: return make_socketpair((int *)a);
    case OP_RECV_FD: return recv_fd((int)a);
    case OP_EXEC_SPAWN: return bunker_exec_spawn((char *)b, c, (char *)d);
    case OP_SPAWN_MONITOR: return spawn_monitor((char *)a, b, (int)c);
    case OP_NETNS_NEW: return netns_new();
    case OP_BRIDGE_UP: return bridge_up((const char *)a, (unsigned int)b, (int)c);
    case OP_LINK_DEL: return link_del((const char *)a);
    case OP_VETH_ATTACH: return veth_attach((const unsigned char *)a, (int)b);
    case OP_PIPE: return make_pipe((int *)a);
  }
  return -22;
}
