/*
 * The embedded DNS resolver: docker's 127.0.0.11 on user networks, served by
 * the container's monitor, so it costs no process. Included by monitor.c.
 *
 * spawn_in_netns calls dns_listen() while the monitor stands in the
 * container's network namespace, so its sockets live there: UDP and TCP
 * 127.0.0.11:53 for the container's queries (lo is already up: the namespace
 * was prepared with it), and one UDP socket that forwards other queries to
 * the upstream servers from inside the namespace, through the bridge's NAT,
 * as the container itself would reach them.
 *
 * Names come from the names file (dns-names=FILE; src/engine/dns-names.ts
 * writes it whole and renames it into place whenever a user network's
 * membership changes), one line per container and network:
 *     NETWORK-ID CONTAINER-ID ADDRESS NAME...
 * A query is answered only from the lines of networks this container (id=)
 * is on: a name on a network it is not on does not resolve, as in docker.
 * The file is read at each query: it is small, and nothing can go stale.
 *
 * Answers, as docker's: A records with TTL 600, rotated per query (several
 * containers answering to one name: a scaled compose service); AAAA of a
 * known name: NOERROR with no records (the networks are IPv4 only); anything
 * else goes upstream (dns-upstream=A.B.C.D,...), whose answer, NXDOMAIN
 * included, is relayed unchanged.
 */

extern long sendto(int fd, const void *buf, unsigned long n, int flags, const void *addr, unsigned int len);
extern long recvfrom(int fd, void *buf, unsigned long n, int flags, void *addr, unsigned int *len);

#define DNS_TTL 600
#define DNS_UDP_MAX 512          /* a plain (non-EDNS) UDP answer's limit: more sets TC, and the client asks over TCP */
#define DNS_QUERY_MAX 1024       /* a query longer than this (none is) goes unanswered */
#define DNS_MAX_UPSTREAM 4
#define DNS_PENDING 64           /* forwarded queries awaiting an upstream answer */
#define DNS_TCP_CLIENTS 8
#define DNS_TRY_MS 2000          /* then the next upstream server; after the last, SERVFAIL */
#define DNS_MAX_ADDRS 64
#define DNS_BURST 16             /* queries taken per wake-up, so a flood cannot starve the log */
#define DNS_FDS (3 + DNS_TCP_CLIENTS)
#define SYS_getrandom 318
#define MSG_DONTWAIT 0x40
#define EAGAIN 11

struct sockaddr_in_ { unsigned short family; unsigned char port[2]; unsigned char addr[4]; char zero[8]; };

static const char *opt_dns_names = "";
/* dns-networks=ID,...: the container's networks at its start, until the names file names it (its CLI writes its line once it runs). */
static const char *opt_dns_networks = "";
static unsigned char dns_upstream[DNS_MAX_UPSTREAM][4];
static int dns_upstreams;
static int dns_udp = -1, dns_tcp = -1, dns_fwd = -1;
static unsigned int dns_turn; /* rotates the order of answers */

struct dns_pending {
  int used, server, tcp; /* tcp: the TCP client's slot + 1, or 0 for a UDP client */
  unsigned int gen;      /* that TCP client's generation, so a reused slot gets no stale answer */
  unsigned short id, client_id;
  long deadline, len;
  struct sockaddr_in_ client;
  unsigned char query[DNS_QUERY_MAX];
};
static struct dns_pending dns_pending[DNS_PENDING];

struct dns_tcp_client { int fd; unsigned int gen; long len; unsigned char buf[2 + DNS_QUERY_MAX]; };
static struct dns_tcp_client dns_tcp_clients[DNS_TCP_CLIENTS];

static long dns_now_ms(void) {
  struct timespec_ ts;
  clock_gettime(1 /* CLOCK_MONOTONIC */, &ts);
  return ts.sec * 1000 + ts.nsec / 1000000;
}

/* "A.B.C.D" into 4 bytes; 0 if it is not a dotted quad. */
static int dns_parse_ip(const char *s, long n, unsigned char out[4]) {
  int part = 0; long v = -1, i;
  for (i = 0; i <= n; i++) {
    if (i < n && s[i] >= '0' && s[i] <= '9') { v = (v < 0 ? 0 : v * 10) + (s[i] - '0'); if (v > 255) return 0; continue; }
    if (v < 0 || part > 3 || (i < n && s[i] != '.')) return 0;
    out[part++] = (unsigned char)v; v = -1;
  }
  return part == 4;
}

/* dns-upstream=A.B.C.D,...: where names the file does not hold are asked. */
static void dns_set_upstream(const char *v) {
  while (*v && dns_upstreams < DNS_MAX_UPSTREAM) {
    long n = 0;
    while (v[n] && v[n] != ',') n++;
    if (dns_parse_ip(v, n, dns_upstream[dns_upstreams])) dns_upstreams++;
    v += n; if (*v) v++;
  }
}

static int dns_socket(int type, int port) {
  static const unsigned char resolver[4] = { 127, 0, 0, 11 };
  struct sockaddr_in_ a; int i;
  int fd = socket(2 /* AF_INET */, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  for (i = 0; i < (int)sizeof a; i++) ((char *)&a)[i] = 0;
  a.family = 2;
  a.port[0] = (unsigned char)(port >> 8); a.port[1] = (unsigned char)port;
  if (port) for (i = 0; i < 4; i++) a.addr[i] = resolver[i];
  if (bind(fd, &a, sizeof a) < 0 || (type == 1 && listen(fd, 16) < 0)) { int e = errno; close(fd); errno = e; return -1; }
  return fd;
}

/* Opens the resolver's sockets in the current (the container's) network namespace; 0 if there is no resolver to run. */
static int dns_listen(void) {
  int i;
  if (!*opt_dns_names) return 0;
  for (i = 0; i < DNS_TCP_CLIENTS; i++) dns_tcp_clients[i].fd = -1;
  dns_udp = dns_socket(2 /* SOCK_DGRAM */, 53);
  if (dns_udp >= 0) dns_tcp = dns_socket(1 /* SOCK_STREAM */, 53);
  if (dns_tcp >= 0) dns_fwd = dns_socket(2, 0); /* any local address and port: the kernel picks a random one */
  return dns_fwd < 0 ? -1 : 0;
}

/* ---- the names file ---- */

static char dns_file[1 << 20]; /* only the pages a file fills are ever backed */

/* The next space- or newline-separated word of the line at *p (advancing *p); its length, 0 at the line's end. */
static long dns_word(const char **p, const char **word) {
  const char *s = *p; long n = 0;
  while (*s == ' ') s++;
  *word = s;
  while (s[n] && s[n] != ' ' && s[n] != '\n') n++;
  *p = s + n;
  return n;
}

static const char *dns_next_line(const char *p) {
  while (*p && *p != '\n') p++;
  return *p ? p + 1 : p;
}

static int dns_same(const void *a, const void *b, long n) {
  const unsigned char *x = a, *y = b; long i;
  for (i = 0; i < n; i++) if (x[i] != y[i]) return 0;
  return 1;
}

static int dns_word_is(const char *w, long n, const char *s) {
  long i;
  for (i = 0; i < n; i++) if (s[i] != w[i]) return 0;
  return s[n] == 0;
}

/* The addresses NAME (lowercase, no final dot) has on this container's networks, in the file's order, without repeats. */
static int dns_lookup(const char *name, unsigned char out[][4], int max) {
  const char *mine[64], *line, *p, *w; long mine_len[64], n, got = 0; int nmine = 0, found = 0, i, j, fd;
  fd = open(opt_dns_names, O_CLOEXEC);
  if (fd < 0) return 0;
  while (got < (long)sizeof dns_file - 1) {
    long r = read(fd, dns_file + got, sizeof dns_file - 1 - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += r;
  }
  close(fd);
  dns_file[got] = 0;
  /* The networks this container is on: the lines that name it. */
  for (line = dns_file; *line && nmine < 64; line = dns_next_line(line)) {
    const char *net; long net_len;
    p = line;
    net_len = dns_word(&p, &net);
    n = dns_word(&p, &w);
    if (net_len && dns_word_is(w, n, opt_id)) { mine[nmine] = net; mine_len[nmine++] = net_len; }
  }
  for (p = opt_dns_networks, i = nmine; i == 0 && *p && nmine < 64; ) {
    const char *start = p;
    while (*p && *p != ',') p++;
    if (p > start) { mine[nmine] = start; mine_len[nmine++] = p - start; }
    if (*p) p++;
  }
  for (line = dns_file; *line && found < max; line = dns_next_line(line)) {
    const char *net, *ip; long net_len, ip_len; unsigned char a[4]; int on = 0, match = 0;
    p = line;
    net_len = dns_word(&p, &net);
    for (i = 0; i < nmine && !on; i++) on = mine_len[i] == net_len && dns_same(net, mine[i], net_len);
    if (!on) continue;
    dns_word(&p, &w); /* the container */
    ip_len = dns_word(&p, &ip);
    while (!match && (n = dns_word(&p, &w)) > 0) match = dns_word_is(w, n, name);
    if (!match || !dns_parse_ip(ip, ip_len, a)) continue;
    for (j = 0; j < found && !dns_same(out[j], a, 4); j++) {}
    if (j == found) { for (i = 0; i < 4; i++) out[found][i] = a[i]; found++; }
  }
  return found;
}

/* ---- messages ---- */

/*
 * The question of query M (N bytes): its name lowercased and dotted, without
 * the final dot, and its type. Returns the offset after it, or -1 for what
 * the names file cannot answer (not one plain question; a byte a name in
 * the file cannot hold), which then goes upstream as it is.
 */
static int dns_question(const unsigned char *m, long n, char name[256], int *qtype) {
  long at = 12, len = 0;
  if (n < 12 || (m[2] & 0x78) /* opcode */ || m[4] || m[5] != 1) return -1;
  while (at < n && m[at]) {
    long l = m[at++], k;
    if (l > 63 || at + l > n || len + l + 1 > 255) return -1;
    if (len) name[len++] = '.';
    for (k = 0; k < l; k++) {
      unsigned char c = m[at + k];
      if (c <= ' ' || c == '.' || c >= 0x7f) return -1;
      name[len++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    at += l;
  }
  if (at + 5 > n) return -1;
  name[len] = 0;
  *qtype = (m[at + 1] << 8) | m[at + 2];
  return (int)at + 5;
}

/* Sends reply R (N bytes) to a client: a UDP address, or TCP slot TCP-1 with its length first. */
static void dns_send_reply(const unsigned char *r, long n, const struct sockaddr_in_ *client, int tcp, unsigned int gen) {
  if (!tcp) { sendto(dns_udp, r, (unsigned long)n, MSG_DONTWAIT, client, sizeof *client); return; }
  struct dns_tcp_client *c = &dns_tcp_clients[tcp - 1];
  static unsigned char framed[2 + 65536];
  if (c->fd < 0 || c->gen != gen || n > 65535) return;
  framed[0] = (unsigned char)(n >> 8); framed[1] = (unsigned char)n;
  for (long i = 0; i < n; i++) framed[2 + i] = r[i];
  if (write(c->fd, framed, (size_t)(n + 2)) != n + 2) { close(c->fd); c->fd = -1; c->gen++; } /* a client that does not read */
}

/*
 * The reply to query Q, whose question ends at QEND (12: none is echoed):
 * RCODE and the addresses ADDRS[N] starting at FIRST, as many as fit in LIMIT
 * bytes (TC set if some did not). Returns its length.
 */
static long dns_build(unsigned char *r, const unsigned char *q, int qend, int rcode, unsigned char addrs[][4], int n, int first, long limit) {
  long len, i; int k, fitted = 0;
  for (i = 0; i < qend; i++) r[i] = q[i];
  r[2] = (unsigned char)(0x80 | (q[2] & 0x79)); /* QR, the query's opcode and RD */
  r[3] = (unsigned char)(0x80 | rcode);          /* RA */
  r[4] = 0; r[5] = qend > 12;
  r[8] = r[9] = r[10] = r[11] = 0;
  len = qend;
  for (k = 0; k < n && len + 16 <= limit; k++, fitted++) {
    unsigned char *a = addrs[(first + k) % n];
    unsigned char rr[16] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, DNS_TTL >> 8, DNS_TTL & 0xff, 0, 4, a[0], a[1], a[2], a[3] };
    for (i = 0; i < 16; i++) r[len++] = rr[i];
  }
  if (fitted < n) r[2] |= 0x02; /* TC */
  r[6] = (unsigned char)(fitted >> 8); r[7] = (unsigned char)fitted;
  return len;
}

static void dns_error(const unsigned char *q, long n, int rcode, const struct sockaddr_in_ *client, int tcp, unsigned int gen) {
  unsigned char r[DNS_QUERY_MAX + 16]; char name[256]; int qtype;
  int qend = dns_question(q, n, name, &qtype);
  dns_send_reply(r, dns_build(r, q, qend < 0 ? 12 : qend, rcode, 0, 0, 0, sizeof r), client, tcp, gen);
}

static void dns_send_upstream(struct dns_pending *p) {
  struct sockaddr_in_ a; int i;
  for (i = 0; i < (int)sizeof a; i++) ((char *)&a)[i] = 0;
  a.family = 2; a.port[1] = 53;
  for (i = 0; i < 4; i++) a.addr[i] = dns_upstream[p->server][i];
  p->query[0] = (unsigned char)(p->id >> 8); p->query[1] = (unsigned char)p->id;
  p->deadline = dns_now_ms() + DNS_TRY_MS;
  sendto(dns_fwd, p->query, (unsigned long)p->len, MSG_DONTWAIT, &a, sizeof a);
}

/* A fresh random id no pending query has: the upstream's answer is matched by it and by its source. */
static unsigned short dns_fresh_id(void) {
  unsigned short id; int i, taken;
  do {
    if (syscall(SYS_getrandom, &id, sizeof id, 0) != sizeof id) id = (unsigned short)(dns_now_ms() * 7919 + dns_turn++);
    for (taken = 0, i = 0; i < DNS_PENDING; i++) taken |= dns_pending[i].used && dns_pending[i].id == id;
  } while (taken);
  return id;
}

static void dns_forward(const unsigned char *q, long n, const struct sockaddr_in_ *client, int tcp, unsigned int gen) {
  struct dns_pending *p = 0; int i;
  if (!dns_upstreams) { dns_error(q, n, 2 /* SERVFAIL */, client, tcp, gen); return; }
  for (i = 0; i < DNS_PENDING && !p; i++) if (!dns_pending[i].used) p = &dns_pending[i];
  if (!p) return; /* all busy: the client asks again */
  p->used = 1; p->server = 0; p->tcp = tcp; p->gen = gen; p->len = n;
  if (client) p->client = *client;
  for (i = 0; i < n; i++) p->query[i] = q[i];
  p->client_id = (unsigned short)((q[0] << 8) | q[1]);
  p->id = dns_fresh_id();
  dns_send_upstream(p);
}

/* One query from the container: answered from the names file, or forwarded. */
static void dns_query(const unsigned char *q, long n, const struct sockaddr_in_ *client, int tcp, unsigned int gen) {
  static unsigned char addrs[DNS_MAX_ADDRS][4];
  unsigned char r[DNS_QUERY_MAX + 16 * DNS_MAX_ADDRS]; char name[256]; int qtype, qend, found;
  if (n < 12 || n > DNS_QUERY_MAX || (q[2] & 0x80)) return; /* not a query */
  qend = dns_question(q, n, name, &qtype);
  if (qend > 0 && (qtype == 1 /* A */ || qtype == 28 /* AAAA */) && (found = dns_lookup(name, addrs, DNS_MAX_ADDRS)) > 0) {
    long limit = tcp ? (long)sizeof r : DNS_UDP_MAX;
    int first = qtype == 1 ? (int)(dns_turn++ % (unsigned int)found) : 0; /* each A answer starts one further */
    dns_send_reply(r, dns_build(r, q, qend, 0, addrs, qtype == 1 ? found : 0, first, limit), client, tcp, gen);
    return;
  }
  dns_forward(q, n, client, tcp, gen);
}

/* ---- the poll loop's hooks ---- */

/* The resolver's fds, for monitor.c's poll: their count (0 without a resolver), at fixed places dns_serve knows. */
static int dns_poll_fds(struct pollfd_ *fds) {
  int i;
  if (dns_udp < 0) return 0;
  fds[0].fd = dns_udp; fds[1].fd = dns_tcp; fds[2].fd = dns_fwd;
  for (i = 0; i < DNS_TCP_CLIENTS; i++) fds[3 + i].fd = dns_tcp_clients[i].fd; /* -1: poll skips it */
  for (i = 0; i < DNS_FDS; i++) fds[i].events = POLLIN;
  return DNS_FDS;
}

/* TIMEOUT (ms, -1: none) shortened to the next upstream deadline. */
static int dns_timeout(int timeout) {
  long now = dns_now_ms(); int i;
  for (i = 0; i < DNS_PENDING; i++) {
    if (!dns_pending[i].used) continue;
    long left = dns_pending[i].deadline - now;
    if (left < 0) left = 0;
    if (timeout < 0 || left < timeout) timeout = (int)left;
  }
  return timeout;
}

static void dns_serve_udp(void) {
  static unsigned char q[DNS_QUERY_MAX + 1];
  struct sockaddr_in_ from; unsigned int flen; int k;
  for (k = 0; k < DNS_BURST; k++) {
    flen = sizeof from;
    long n = recvfrom(dns_udp, q, sizeof q, MSG_DONTWAIT, &from, &flen);
    if (n < 0) return;
    dns_query(q, n, &from, 0, 0);
  }
}

static void dns_accept(void) {
  int i, fd = accept4(dns_tcp, 0, 0, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return;
  for (i = 0; i < DNS_TCP_CLIENTS; i++) {
    struct dns_tcp_client *c = &dns_tcp_clients[i];
    if (c->fd >= 0) continue;
    c->fd = fd; c->len = 0; c->gen++;
    return;
  }
  close(fd); /* all busy */
}

/* Reads from TCP client I and answers each complete query (a 2-byte length, then the message). */
static void dns_serve_tcp(int i) {
  struct dns_tcp_client *c = &dns_tcp_clients[i];
  long n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) { close(c->fd); c->fd = -1; c->gen++; return; }
  c->len += n;
  while (c->fd >= 0 && c->len >= 2) {
    long size = (c->buf[0] << 8) | c->buf[1], k;
    if (size > DNS_QUERY_MAX) { close(c->fd); c->fd = -1; c->gen++; return; }
    if (c->len < 2 + size) return;
    dns_query(c->buf + 2, size, 0, i + 1, c->gen);
    for (k = 0; k < c->len - 2 - size; k++) c->buf[k] = c->buf[2 + size + k];
    c->len -= 2 + size;
  }
}

/* Relays upstream answers to the clients that asked. */
static void dns_serve_upstream(void) {
  static unsigned char a[65536];
  struct sockaddr_in_ from; unsigned int flen; int i, k;
  for (k = 0; k < DNS_BURST; k++) {
    flen = sizeof from;
    long n = recvfrom(dns_fwd, a, sizeof a, MSG_DONTWAIT, &from, &flen);
    if (n < 0) return;
    if (n < 12) continue;
    unsigned short id = (unsigned short)((a[0] << 8) | a[1]);
    for (i = 0; i < DNS_PENDING; i++) {
      struct dns_pending *p = &dns_pending[i];
      if (!p->used || p->id != id || from.port[0] != 0 || from.port[1] != 53 || !dns_same(from.addr, dns_upstream[p->server], 4)) continue;
      a[0] = (unsigned char)(p->client_id >> 8); a[1] = (unsigned char)p->client_id;
      dns_send_reply(a, n, &p->client, p->tcp, p->gen);
      p->used = 0;
      break;
    }
  }
}

/* Upstream servers that did not answer in time: the next one is asked; after the last, the client gets SERVFAIL. */
static void dns_expire(void) {
  long now = dns_now_ms(); int i;
  for (i = 0; i < DNS_PENDING; i++) {
    struct dns_pending *p = &dns_pending[i];
    if (!p->used || p->deadline > now) continue;
    if (++p->server < dns_upstreams) { dns_send_upstream(p); continue; }
    p->query[0] = (unsigned char)(p->client_id >> 8); p->query[1] = (unsigned char)p->client_id;
    dns_error(p->query, p->len, 2 /* SERVFAIL */, &p->client, p->tcp, p->gen);
    p->used = 0;
  }
}

/* After poll: FDS are the ones dns_poll_fds filled. */
static void dns_serve(struct pollfd_ *fds) {
  int i;
  if (dns_udp < 0) return;
  if (fds[0].revents & POLLIN) dns_serve_udp();
  if (fds[1].revents & POLLIN) dns_accept();
  if (fds[2].revents & POLLIN) dns_serve_upstream();
  for (i = 0; i < DNS_TCP_CLIENTS; i++) if (dns_tcp_clients[i].fd >= 0 && (fds[3 + i].revents & (POLLIN | POLLHUP | POLLERR))) dns_serve_tcp(i);
  dns_expire();
}
