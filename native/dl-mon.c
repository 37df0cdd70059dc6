/*
 * dl-mon: a container's monitor (the role conmon plays for podman). It stays
 * alive for the life of the container, with lxc-start -F as its child, and
 * owns what must outlive the CLI: the stdio (pipes, or a pty of its own with
 * -t), the json-file log, the attach socket, the exit status and the OOM
 * count. Everything that needs the store is done in TypeScript by short-lived
 * processes: the CLI that started the container records the first start, and
 * at each exit dl-mon runs the exit hook (-x) and waits for its answer.
 *
 *   dl-mon -d DIR [-l LOG -s MAXSIZE -n MAXFILES] [-i] [-t] [-r ROWS -c COLS]
 *          [-w] [-o OOMFILE] [-e] [-x HOOKWORD]... -- LXC-START-ARGV...
 *
 *   -d  the container's directory: attach.sock is made there, LOG and
 *       restart.argv are read relative to it
 *   -l  the json-file log (none: --log-driver none); it rotates before it
 *       would pass MAXSIZE bytes, keeping MAXFILES files (LOG.1 ...)
 *   -i  stdin is open (Stdin frames reach the command); -t  a pty, sized ROWS x COLS
 *   -w  an attached run: its output is held for the attach client that
 *       sends Go, and the exit work waits for that client (10 s at most
 *       from our start), so it sees all output and can do the exit work
 *       (Finish) even when the command ends before it connects. The run
 *       itself starts at once: the client connects while LXC sets up.
 *   -o  the memory cgroup's memory.events (or memory.oom_control), sampled
 *       while the container runs (LXC removes the cgroup at its end)
 *   -e  at each exit of a command that ran, write DIR/exit before the hook
 *       runs: "PID STATUS FINISHED_AT\n" (PID: lxc-start's; FINISHED_AT:
 *       RFC 3339, UTC, nanoseconds), replaced by a rename. Readers take it
 *       as the exit while the record still says running, so `wait` and
 *       `inspect` need not wait for the hook's node start-up (podman's
 *       conmon writes an exit file for the same reason).
 *   -x  one word of the hook's argv (repeat); dl-mon appends its own words.
 *
 * fd 3, when open, is the starter's channel: dl-mon writes "listening",
 * then "started PID" (PID: lxc-start, the container's owner) once the
 * command runs, or "error MESSAGE" when it never ran. The starter records the
 * start, writes "ok" and closes fd 3; the exit hook runs only after that
 * close, so the two records never cross. A starter that closes it without
 * "ok" (killed) leaves the record to "HOOK... started PID".
 *
 * Hook, run with an environment of PATH alone, stdout read by dl-mon:
 *   HOOK... exit STATUS OOMKILLS DROPPED STARTED(0|1) LASTWAIT_MS
 *     -> "done [MESSAGE]" (MESSAGE: why it never ran) or "restart WAIT_MS"
 *   HOOK... restart  (after WAIT_MS, or at once on SIGTERM)
 *     -> "go" once it wrote DIR/restart.argv (NUL-ended words: the lxc-start
 *        argv, an empty word, the environment); dl-mon then writes
 *        "started PID" on its stdin (it exits 0 once it recorded it), or
 *        closes it; or -> "done".
 *   HOOK... started PID  (the starter died before recording the start)
 * After "done", dl-mon sends the Exit frame to attach clients and quits.
 *
 * Attach frames (src/runtime/frames.ts): [type:1][len:4 BE][payload].
 * Stdin 0, Stdout 1, Stderr 2, StdinEof 3, Resize 4 ("ROWS COLS"), Exit 5, Go 6,
 * Finish 7 (a client will do the exit work: it gets Exited 8, the hook's
 * words, instead of the hook running, and answers Finished 9, the hook's
 * answer line; if it goes away first, the hook runs).
 *
 * The command's status comes from the kernel's process events (lxc-start -F
 * always exits 0): the exit of lxc-start's direct child is the container's
 * pid 1. 128+N for a signal; lxc-start's own status when it failed first.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE 16384
#define MAX_CLIENTS 64
#define MAX_QUEUE (16 << 20) /* a client that lags this far behind is dropped, never the container */

struct buf { char *p; size_t len, cap; };
static void put(struct buf *b, const void *s, size_t n) {
  if (b->len + n > b->cap) {
    size_t c = b->cap ? b->cap : 4096;
    while (c < b->len + n) c *= 2;
    if (!(b->p = realloc(b->p, c))) abort();
    b->cap = c;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}
static void drop(struct buf *b, size_t n) {
  memmove(b->p, b->p + n, b->len - n);
  b->len -= n;
}

static void die(const char *what) {
  fprintf(stderr, "dl-mon: %s: %s\n", what, strerror(errno));
  exit(125);
}

static void hook_run(const char **extra, int nextra, char *line, size_t cap, int *to_hook);
static void hook_wait(void);

/* ---- options ---- */
static int dirfd_, tty, stdin_open, wait_go, rows, cols, nhook, exitfile;
static const char *logname, *oomfile, *hook[64];
static long long maxsize = -1;
static int maxfiles = 1;

/* ---- the json-file log ---- */
static int logfd = -1;
static long long logbytes, dropped;
static struct buf partial[3]; /* per stream: 1 stdout, 2 stderr */

static void log_open(void) {
  if (logfd >= 0 || !logname) return;
  logfd = openat(dirfd_, logname, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  struct stat st;
  logbytes = logfd >= 0 && fstat(logfd, &st) == 0 ? st.st_size : 0;
}

static void rotate(void) {
  if (maxfiles <= 1) {
    if (ftruncate(logfd, 0) == 0) logbytes = 0;
    return;
  }
  char from[4096], to[4096];
  for (int i = maxfiles - 1; i >= 1; i--) {
    if (i == 1) snprintf(from, sizeof from, "%s", logname);
    else snprintf(from, sizeof from, "%s.%d", logname, i - 1);
    snprintf(to, sizeof to, "%s.%d", logname, i);
    renameat(dirfd_, from, dirfd_, to);
  }
  close(logfd);
  logfd = -1;
  log_open();
}

/* Lines lost to a full disk: counted in log.dropped as soon as a write works again (the exit hook records the total). */
static long long noted;
static void note_dropped(void) {
  int fd = openat(dirfd_, "log.dropped", O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return;
  char n[24];
  int len = snprintf(n, sizeof n, "%lld\n", dropped);
  if (ftruncate(fd, 0) == 0 && pwrite(fd, n, (size_t)len, 0) == len) noted = dropped;
  close(fd);
}

/* Go's encoding (Docker's): invalid UTF-8 is U+FFFD per byte; <, >, & and controls as \u00XX. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t k = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (c >= 0xf5 || k == 0 || k > n) return 0;
  for (size_t i = 1; i < k; i++) if ((s[i] & 0xc0) != 0x80) return 0;
  if (k == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))) return 0; /* overlong, surrogate */
  if (k == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))) return 0;
  return k;
}

static void json_string(struct buf *o, const unsigned char *s, size_t n) {
  put(o, "\"", 1);
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    char esc[8];
    if (c >= 0x80) {
      size_t k = utf8_len(s + i, n - i);
      if (!k) { put(o, "\\ufffd", 6); i++; continue; }
      if (k == 3 && c == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
        put(o, s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
      } else put(o, s + i, k);
      i += k;
      continue;
    }
    if (c == '"' || c == '\\') { esc[0] = '\\'; esc[1] = (char)c; put(o, esc, 2); }
    else if (c == '\n') put(o, "\\n", 2);
    else if (c == '\r') put(o, "\\r", 2);
    else if (c < 0x20 || c == '<' || c == '>' || c == '&') { snprintf(esc, sizeof esc, "\\u%04x", c); put(o, esc, 6); }
    else put(o, s + i, 1);
    i++;
  }
  put(o, "\"", 1);
}

/* One log entry; a failed or short write (a full disk) drops it and counts it. */
static void log_line(int stream, const char *s, size_t n) {
  if (!logname) return;
  static struct buf o;
  o.len = 0;
  put(&o, "{\"log\":", 7);
  json_string(&o, (const unsigned char *)s, n);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char t[96];
  int tl = snprintf(t, sizeof t, ",\"stream\":\"%s\",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ\"}\n", stream == 1 ? "stdout" : "stderr",
                    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
  put(&o, t, (size_t)tl);
  log_open();
  if (logfd < 0) { dropped++; return; }
  if (maxsize > 0 && logbytes > 0 && logbytes + (long long)o.len > maxsize) rotate();
  if (logfd < 0) { dropped++; return; }
  ssize_t w = write(logfd, o.p, o.len);
  if (w > 0) logbytes += w;
  if (w != (ssize_t)o.len) {
    dropped++;
    if (w > 0 && write(logfd, "\n", 1) == 1) logbytes++; /* end the cut line, so the next one parses */
  } else if (dropped > noted) note_dropped();
}

/* Split at newlines, and at MAX_LINE bytes without one, as Docker's json-file. */
static void log_chunk(int stream, const char *s, size_t n) {
  struct buf *p = &partial[stream];
  while (n) {
    const char *nl = memchr(s, '\n', n);
    size_t take = nl ? (size_t)(nl - s) + 1 : n;
    if (p->len + take > MAX_LINE) take = MAX_LINE - p->len;
    put(p, s, take);
    s += take;
    n -= take;
    if (p->p[p->len - 1] == '\n' || p->len == MAX_LINE) { log_line(stream, p->p, p->len); p->len = 0; }
  }
}

static void log_flush(void) {
  for (int i = 1; i <= 2; i++)
    if (partial[i].len) { log_line(i, partial[i].p, partial[i].len); partial[i].len = 0; }
}

/* ---- attach clients ---- */
struct client { int fd; struct buf in, out; };
static struct client clients[MAX_CLIENTS];
static int cut_short, finisher = -1, fin_got; /* SIGTERM ended a wait (-w's, a back-off); the client that does the exit work (Finish), and its answer */
static char fin_answer[4096];
static struct buf stdin_q; /* bytes for the command's stdin, early ones too */
static int holding;        /* -w, until Go: frames go to early, for the client that sends Go */
static struct buf early;
static int stdin_eof;
static int in_fd = -1, out_fd[3] = {-1, -1, -1}; /* our ends: stdin pipe or pty master; stdout, stderr */

static void client_close(struct client *c) {
  if (finisher >= 0 && &clients[finisher] == c) finisher = -1;
  close(c->fd);
  c->fd = -1;
  free(c->in.p);
  free(c->out.p);
  memset(&c->in, 0, sizeof c->in);
  memset(&c->out, 0, sizeof c->out);
}

static void frame(struct buf *b, int type, const void *p, size_t n) {
  unsigned char h[5] = {(unsigned char)type, (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n};
  put(b, h, 5);
  put(b, p, n);
}

static void broadcast(int type, const void *p, size_t n) {
  if (holding) { /* past MAX_QUEUE the log still has it all */
    if (early.len <= MAX_QUEUE) frame(&early, type, p, n);
    return;
  }
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (clients[i].fd < 0) continue;
    if (clients[i].out.len > MAX_QUEUE) client_close(&clients[i]);
    else frame(&clients[i].out, type, p, n);
  }
}

static void set_size(int r, int c) {
  rows = r;
  cols = c;
  struct winsize ws = {.ws_row = (unsigned short)r, .ws_col = (unsigned short)c};
  if (tty && in_fd >= 0 && r > 0 && c > 0) ioctl(in_fd, TIOCSWINSZ, &ws);
}

static void on_frame(struct client *c, int type, const char *p, size_t n) {
  if (type == 7) finisher = (int)(c - clients);
  else if (type == 9 && finisher == (int)(c - clients)) {
    snprintf(fin_answer, sizeof fin_answer, "%.*s", (int)(n < sizeof fin_answer ? n : sizeof fin_answer - 1), p);
    fin_got = 1;
  } else if (type == 0 && stdin_open && !stdin_eof) put(&stdin_q, p, n);
  else if (type == 3 && !tty) stdin_eof = 1;
  else if (type == 4) {
    char s[32];
    int r = 0, c = 0;
    snprintf(s, sizeof s, "%.*s", (int)(n < 31 ? n : 31), p);
    if (sscanf(s, "%d %d", &r, &c) == 2 && r > 0 && c > 0) set_size(r, c);
  } else if (type == 6) {
    if (holding) {
      put(&c->out, early.p, early.len);
      early.len = 0;
      holding = 0;
    }
  }
}

static void client_read(struct client *c) {
  char b[65536];
  ssize_t n = read(c->fd, b, sizeof b);
  if (n <= 0) {
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) client_close(c);
    return;
  }
  put(&c->in, b, (size_t)n);
  while (c->in.len >= 5) {
    const unsigned char *h = (const unsigned char *)c->in.p;
    size_t len = ((size_t)h[1] << 24) | ((size_t)h[2] << 16) | ((size_t)h[3] << 8) | h[4];
    if (c->in.len < 5 + len) break;
    on_frame(c, h[0], c->in.p + 5, len);
    drop(&c->in, 5 + len);
  }
}

/* ---- process events: the exit status of lxc-start's child ---- */
static int nl = -1, status = -1;
static pid_t child;

static void proc_events(void) {
  nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
  if (nl < 0) die("netlink socket");
  int size = 4 << 20; /* a busy host sends many events: room for them */
  if (setsockopt(nl, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) setsockopt(nl, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
  if (bind(nl, (struct sockaddr *)&sa, sizeof sa) < 0) die("netlink bind");
  struct {
    struct nlmsghdr nl;
    struct cn_msg cn;
    enum proc_cn_mcast_op op;
  } __attribute__((packed)) msg = {.nl = {.nlmsg_len = sizeof msg, .nlmsg_type = NLMSG_DONE, .nlmsg_pid = (uint32_t)getpid()},
                                   .cn = {.id = {.idx = CN_IDX_PROC, .val = CN_VAL_PROC}, .len = sizeof(enum proc_cn_mcast_op)},
                                   .op = PROC_CN_MCAST_LISTEN};
  if (send(nl, &msg, sizeof msg, 0) < 0) die("netlink subscribe");
}

/* Wake only for exits of lxc-start's children (classic BPF loads words big-endian). */
static void filter_events(pid_t parent) {
  const unsigned base = NLMSG_LENGTH(0) + sizeof(struct cn_msg);
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, base + offsetof(struct proc_event, what)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_EXIT), 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, base + offsetof(struct proc_event, event_data.exit.parent_tgid)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl((uint32_t)parent), 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
  struct sock_fprog prog = {.len = sizeof code / sizeof *code, .filter = code};
  if (setsockopt(nl, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) die("netlink filter");
}

static void read_events(void) {
  char b[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
  for (;;) {
    ssize_t n = recv(nl, b, sizeof b, 0);
    if (n < 0) {
      if (errno == ENOBUFS) continue;
      return;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)b; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
      struct proc_event *ev = (struct proc_event *)((struct cn_msg *)NLMSG_DATA(h))->data;
      if (ev->what != PROC_EVENT_EXIT || ev->event_data.exit.parent_tgid != child) continue;
      if (ev->event_data.exit.process_pid != ev->event_data.exit.process_tgid) continue; /* a thread */
      status = (int)ev->event_data.exit.exit_code;
    }
  }
}

/* ---- one run of lxc-start ---- */
static int sfd, child_status, started, recorded, tell = 3;
static long long oom_kills;
static sigset_t oldmask;

static void say(int fd, const char *fmt, ...) {
  char b[4200];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b, sizeof b, fmt, ap);
  va_end(ap);
  if (fd >= 0 && write(fd, b, (size_t)(n < (int)sizeof b ? n : (int)sizeof b - 1)) < 0) {} /* the reader is gone: nothing to tell */
}

/* The command runs once lxc-start's child has exec'd something else (LXC's own child first runs as lxc-start). */
static int command_runs(void) {
  char p[64], b[4096], comm[64];
  snprintf(p, sizeof p, "/proc/%d/task/%d/children", child, child);
  FILE *f = fopen(p, "re");
  if (!f) return 0;
  int pid, yes = 0;
  while (!yes && fscanf(f, "%d", &pid) == 1) {
    snprintf(b, sizeof b, "/proc/%d/comm", pid);
    FILE *c = fopen(b, "re");
    if (c && fgets(comm, sizeof comm, c) && strcmp(comm, "lxc-start\n") != 0) yes = 1;
    if (c) fclose(c);
  }
  fclose(f);
  return yes;
}

static void sample_oom(void) {
  char b[4096];
  int fd = oomfile ? open(oomfile, O_RDONLY | O_CLOEXEC) : -1;
  if (fd < 0) return;
  ssize_t n = read(fd, b, sizeof b - 1);
  close(fd);
  if (n <= 0) return;
  b[n] = 0;
  char *k = strstr(b, "oom_kill ");
  long long v = k ? atoll(k + 9) : 0;
  if (v > oom_kills) oom_kills = v;
}

static void spawn(char **argv, char **envp) {
  int in[2] = {-1, -1}, o1[2] = {-1, -1}, o2[2] = {-1, -1}, slave = -1;
  if (tty) {
    in_fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (in_fd < 0 || grantpt(in_fd) < 0 || unlockpt(in_fd) < 0) die("pty");
    slave = open(ptsname(in_fd), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) die("pty slave");
    set_size(rows, cols);
    out_fd[1] = fcntl(in_fd, F_DUPFD_CLOEXEC, 3);
  } else {
    if (pipe2(o1, O_CLOEXEC) < 0 || pipe2(o2, O_CLOEXEC) < 0) die("pipe");
    if (stdin_open && pipe2(in, O_CLOEXEC) < 0) die("pipe");
    in_fd = in[1];
    out_fd[1] = o1[0];
    out_fd[2] = o2[0];
  }
  /* The last run's filter would drop a fast command's exit before the new one is set: none until then. */
  int none = 0;
  setsockopt(nl, SOL_SOCKET, SO_DETACH_FILTER, &none, sizeof none);
  child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &oldmask, NULL);
    signal(SIGPIPE, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive dl-mon: nobody would record the end */
    if (getppid() == 1) _exit(125);
    int nul = open("/dev/null", O_RDWR);
    if (tty) {
      setsid();
      ioctl(slave, TIOCSCTTY, 0);
      for (int i = 0; i < 3; i++) dup2(slave, i);
    } else {
      dup2(in[0] >= 0 ? in[0] : nul, 0);
      dup2(o1[1], 1);
      dup2(o2[1], 2);
    }
    execvpe(argv[0], argv, envp);
    fprintf(stderr, "dl-mon: %s: %s\n", argv[0], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  if (slave >= 0) close(slave);
  if (in[0] >= 0) close(in[0]);
  if (o1[1] >= 0) { close(o1[1]); close(o2[1]); }
  for (int i = 0; i < 3; i++) if (i != 0 && out_fd[i] >= 0) fcntl(out_fd[i], F_SETFL, O_NONBLOCK);
  if (in_fd >= 0) fcntl(in_fd, F_SETFL, O_NONBLOCK);
  filter_events(child);
  child_status = -1;
  status = -1;
  started = recorded = 0;
}

static int lsock = -1;
static pid_t hook_pid;

/*
 * LXC's console already turned the command's \n into \r\n, and LXC sets
 * our pty to onlcr too (it cannot be turned off before LXC sets it), so each
 * \n arrives as \r\r\n. onlcr maps \n to \r\n and nothing else: dropping
 * the \r before each \n undoes it exactly. A \r that ends a read waits for
 * the next one. b[0] is free room for it; returns the length, data at b.
 */
static int cr_held;
static ssize_t undo_onlcr(char *b, ssize_t n) {
  char *in = b + 1, *out = b;
  ssize_t k = 0;
  if (cr_held) out[k++] = '\r';
  cr_held = 0;
  for (ssize_t i = 0; i < n; i++) {
    if (in[i] == '\n' && k > 0 && out[k - 1] == '\r') k--;
    out[k++] = in[i];
  }
  if (k > 0 && out[k - 1] == '\r') cr_held = 1, k--;
  return k;
}

/* One turn of the loop: serve clients, the command's stdio, signals; wait at most ms (-1: no limit). */
static void step(int ms) {
  struct pollfd p[MAX_CLIENTS + 8];
  int np = 0, ci[MAX_CLIENTS];
  p[np++] = (struct pollfd){.fd = sfd, .events = POLLIN};
  p[np++] = (struct pollfd){.fd = nl, .events = POLLIN};
  p[np++] = (struct pollfd){.fd = lsock, .events = POLLIN};
  p[np++] = (struct pollfd){.fd = out_fd[1], .events = POLLIN};
  p[np++] = (struct pollfd){.fd = out_fd[2], .events = POLLIN};
  int want_in = in_fd >= 0 && (stdin_q.len || (stdin_eof && !tty));
  p[np++] = (struct pollfd){.fd = want_in ? in_fd : -1, .events = POLLOUT};
  p[np++] = (struct pollfd){.fd = tell >= 0 && started ? tell : -1, .events = POLLIN}; /* the starter closes it */
  for (int i = 0; i < MAX_CLIENTS; i++) {
    ci[i] = -1;
    if (clients[i].fd < 0) continue;
    ci[i] = np;
    p[np++] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN | (clients[i].out.len ? POLLOUT : 0)};
  }
  if (poll(p, (nfds_t)np, ms) < 0) return;
  if (p[0].revents) {
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == sizeof si) {
      if (si.ssi_signo == SIGCHLD) {
        int st;
        if (child > 0 && child_status == -1 && waitpid(child, &st, WNOHANG) == child) {
          child_status = st;
          read_events(); /* pid 1's exit came before lxc-start's */
          if (!tty && in_fd >= 0) { close(in_fd); in_fd = -1; }
        }
      } else if (child > 0 && child_status == -1) kill(child, (int)si.ssi_signo);
      else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) cut_short = 1;
    }
  }
  if (p[1].revents) read_events();
  if (p[2].revents) {
    int fd = accept4(lsock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    for (int i = 0; fd >= 0 && i < MAX_CLIENTS; i++)
      if (clients[i].fd < 0) { clients[i].fd = fd; fd = -1; }
    if (fd >= 0) close(fd);
  }
  for (int s = 1; s <= 2; s++) {
    if (!p[2 + s].revents) continue;
    char b[65536];
    ssize_t n = read(out_fd[s], b + 1, sizeof b - 1);
    if (n > 0) {
      char *d = b + 1;
      ssize_t len = tty ? undo_onlcr(d = b, n) : n;
      if (len) broadcast(s, d, (size_t)len), log_chunk(s, d, (size_t)len);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) { /* EOF, or EIO from a pty master once all is read */
      if (tty && cr_held) broadcast(s, "\r", 1), log_chunk(s, "\r", 1), cr_held = 0;
      close(out_fd[s]);
      out_fd[s] = -1;
    }
  }
  if (p[5].revents) {
    ssize_t w = stdin_q.len ? write(in_fd, stdin_q.p, stdin_q.len) : 0;
    if (w > 0) drop(&stdin_q, (size_t)w);
    else if (w < 0 && errno != EAGAIN && errno != EINTR) stdin_q.len = 0, stdin_eof = 1;
    if (!stdin_q.len && stdin_eof && !tty) { close(in_fd); in_fd = -1; }
  }
  if (p[6].revents) { /* the starter: "ok" once it recorded the start, then it closes */
    char b[64];
    ssize_t r = read(tell, b, sizeof b);
    if (r > 0 && memchr(b, 'o', (size_t)r)) recorded = 1;
    if (r <= 0 || !memchr(b, '\n', (size_t)r)) {
      close(tell);
      tell = -1;
      int st; /* a restart's hook answers by its exit status */
      if (hook_pid > 0 && waitpid(hook_pid, &st, 0) == hook_pid) recorded |= WIFEXITED(st) && WEXITSTATUS(st) == 0, hook_pid = 0;
    }
  }
  for (int i = 0; i < MAX_CLIENTS; i++) {
    struct client *c = &clients[i];
    if (ci[i] < 0 || c->fd < 0 || !p[ci[i]].revents) continue;
    if (p[ci[i]].revents & POLLOUT) {
      ssize_t w = write(c->fd, c->out.p, c->out.len);
      if (w > 0) drop(&c->out, (size_t)w);
      else if (w < 0 && errno != EAGAIN) { client_close(c); continue; }
    }
    if (p[ci[i]].revents & (POLLIN | POLLHUP | POLLERR)) client_read(c);
  }
}

/* Run the container until lxc-start ended and its output is all read; its status. */
static int run(char **argv, char **envp) {
  spawn(argv, envp);
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long long next_oom = 0;
  while (child_status == -1 || out_fd[1] >= 0 || out_fd[2] >= 0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long long now = (t.tv_sec - t0.tv_sec) * 1000LL + (t.tv_nsec - t0.tv_nsec) / 1000000;
    if (!started && child_status == -1 && (command_runs() || now > 10000)) {
      started = 1;
      say(tell, "started %d\n", (int)child);
    }
    if (oomfile && now >= next_oom && child_status == -1) { sample_oom(); next_oom = now + 100; }
    if (started == 1 && tell < 0 && !recorded && child_status == -1) { /* the starter died before it recorded the start */
      char pid[24], line[256];
      snprintf(pid, sizeof pid, "%d", (int)child);
      const char *sx[] = {"started", pid};
      started = 2;
      hook_run(sx, 2, line, sizeof line, NULL);
      hook_wait();
    }
    int ms = !started && child_status == -1 ? 2 : oomfile && child_status == -1 ? 100 : -1;
    step(ms);
  }
  log_flush();
  read_events();
  if (in_fd >= 0) { close(in_fd); in_fd = -1; }
  if (status != -1) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (WIFEXITED(child_status) && WEXITSTATUS(child_status) != 0) return WEXITSTATUS(child_status);
  if (WIFSIGNALED(child_status)) return 128 + WTERMSIG(child_status);
  return 255;
}

/* -e: the exit for readers, ahead of the hook's record. Not fsynced: after a crash the record rules. */
static void write_exit(int code) {
  struct timespec ts;
  struct tm tm;
  char s[96];
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  int n = snprintf(s, sizeof s, "%d %d %04d-%02d-%02dT%02d:%02d:%02d.%09ldZ\n", (int)child, code, tm.tm_year + 1900, tm.tm_mon + 1,
                   tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
  int fd = openat(dirfd_, "exit.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  int ok = write(fd, s, (size_t)n) == n;
  close(fd);
  if (!ok || renameat(dirfd_, "exit.tmp", dirfd_, "exit") < 0) unlinkat(dirfd_, "exit.tmp", 0);
}

/* Run the hook with extra words; serve clients meanwhile; its first stdout line. */
static void hook_run(const char **extra, int nextra, char *line, size_t cap, int *to_hook) {
  line[0] = 0;
  if (!nhook) return;
  const char *argv[96];
  int n = 0;
  for (int i = 0; i < nhook; i++) argv[n++] = hook[i];
  for (int i = 0; i < nextra; i++) argv[n++] = extra[i];
  argv[n] = NULL;
  int o[2], in[2];
  if (pipe2(o, O_CLOEXEC) < 0 || pipe2(in, O_CLOEXEC) < 0) return;
  const char *path = getenv("PATH");
  char pathenv[4096];
  snprintf(pathenv, sizeof pathenv, "PATH=%s", path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  char *envp[] = {pathenv, NULL};
  pid_t h = fork();
  if (h == 0) {
    sigprocmask(SIG_SETMASK, &oldmask, NULL);
    dup2(in[0], 0);
    dup2(o[1], 1);
    execve(argv[0], (char **)argv, envp);
    _exit(127);
  }
  close(o[1]);
  close(in[0]);
  hook_pid = h;
  size_t len = 0;
  for (;;) { /* the exit hook: until its end; restart: its first line (it goes on, reading our answer) */
    struct pollfd p = {.fd = o[0], .events = POLLIN};
    if (poll(&p, 1, 50) == 0) { step(0); continue; }
    char b[4096];
    ssize_t r = read(o[0], b, sizeof b);
    if (r <= 0) break;
    if (len < cap - 1) {
      size_t k = (size_t)r < cap - 1 - len ? (size_t)r : cap - 1 - len;
      memcpy(line + len, b, k);
      len += k;
      line[len] = 0;
    }
    if (to_hook && strchr(line, '\n')) break;
  }
  char *e = strchr(line, '\n');
  if (e) *e = 0;
  close(o[0]);
  if (to_hook) *to_hook = in[1];
  else close(in[1]);
}

static void hook_wait(void) {
  if (hook_pid > 0) waitpid(hook_pid, NULL, 0);
  hook_pid = 0;
}

static char **read_restart(char ***envp) {
  static char data[1 << 20];
  static char *words[4096];
  int fd = openat(dirfd_, "restart.argv", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, data, sizeof data - 1) : -1;
  if (fd >= 0) close(fd);
  if (n <= 0) return NULL;
  int w = 0, split = -1;
  for (ssize_t i = 0; i < n && w < 4094;) {
    char *s = data + i;
    size_t l = strnlen(s, (size_t)(n - i));
    if (!l && split < 0) { words[w++] = NULL; split = w; }
    else if (l) words[w++] = s;
    i += (ssize_t)l + 1;
  }
  words[w] = NULL;
  if (split < 0) return NULL;
  *envp = words + split;
  return words;
}

int main(int argc, char **argv) {
  const char *dir = NULL;
  int opt;
  while ((opt = getopt(argc, argv, "+d:l:s:n:itr:c:wo:ex:")) != -1) {
    if (opt == 'd') dir = optarg;
    else if (opt == 'l') logname = optarg;
    else if (opt == 's') maxsize = atoll(optarg);
    else if (opt == 'n') maxfiles = atoi(optarg);
    else if (opt == 'i') stdin_open = 1;
    else if (opt == 't') tty = stdin_open = 1;
    else if (opt == 'r') rows = atoi(optarg);
    else if (opt == 'c') cols = atoi(optarg);
    else if (opt == 'w') wait_go = 1;
    else if (opt == 'o') oomfile = optarg;
    else if (opt == 'e') exitfile = 1;
    else if (opt == 'x' && nhook < 60) hook[nhook++] = optarg;
    else { fprintf(stderr, "usage: dl-mon -d DIR [options] -- LXC-START-ARGV...\n"); return 125; }
  }
  if (!dir || optind >= argc) { fprintf(stderr, "usage: dl-mon -d DIR [options] -- LXC-START-ARGV...\n"); return 125; }
  signal(SIGPIPE, SIG_IGN);
  if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0) tell = -1;
  for (int i = 0; i < MAX_CLIENTS; i++) clients[i].fd = -1;
  dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd_ < 0) die(dir);
  if (logname && maxsize != 0) log_open(); /* as Docker's json-file: the file exists from the start */

  /* The socket, named through /proc/self/fd: sun_path is short and the store may be deep. */
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/attach.sock", dirfd_);
  unlinkat(dirfd_, "attach.sock", 0);
  lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (lsock < 0 || bind(lsock, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lsock, 16) < 0) die("attach.sock");

  sigset_t mask;
  sigemptyset(&mask);
  int fwd[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD};
  for (size_t i = 0; i < sizeof fwd / sizeof *fwd; i++) sigaddset(&mask, fwd[i]);
  sigprocmask(SIG_BLOCK, &mask, &oldmask);
  sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");
  proc_events();
  say(tell, "listening\n");

  struct timespec hold_t0, hold_t;
  holding = wait_go;
  clock_gettime(CLOCK_MONOTONIC, &hold_t0);
  char **cmd = argv + optind, **envp = environ;
  int code;
  long long last_wait = 0;
  for (;;) {
    cut_short = 0;
    code = run(cmd, envp);
    if (exitfile && started) write_exit(code);
    /* -w: the attach client gets its output and the exit work (SIGTERM: it is not coming). */
    for (; holding && !cut_short; step(100)) {
      clock_gettime(CLOCK_MONOTONIC, &hold_t);
      if (hold_t.tv_sec - hold_t0.tv_sec >= 10) break;
    }
    holding = 0;
    free(early.p);
    memset(&early, 0, sizeof early);
    /* The starter records the start before the hook records the end; one that never saw it start is told after. */
    if (started) while (tell >= 0) step(-1);
    if (hook_pid) { /* a restart's hook: it ends when told nothing */
      if (tell >= 0) close(tell);
      tell = -1;
      hook_wait();
    }
    if (logfd >= 0) { close(logfd); logfd = -1; }
    char a[5][24], line[4096];
    snprintf(a[0], 24, "%d", code);
    snprintf(a[1], 24, "%lld", oom_kills);
    snprintf(a[2], 24, "%lld", dropped);
    snprintf(a[3], 24, "%d", started != 0);
    snprintf(a[4], 24, "%lld", last_wait);
    const char *ex[] = {"exit", a[0], a[1], a[2], a[3], a[4]};
    line[0] = 0;
    if (finisher >= 0) { /* the attached client does the exit work; if it goes away, the hook does */
      char w[128];
      int wl = snprintf(w, sizeof w, "%s %s %s %s %s", a[0], a[1], a[2], a[3], a[4]);
      frame(&clients[finisher].out, 8, w, (size_t)wl);
      for (fin_got = 0; !fin_got && finisher >= 0;) step(-1);
      if (fin_got) snprintf(line, sizeof line, "%s", fin_answer);
    }
    if (!fin_got) hook_run(ex, 6, line, sizeof line, NULL);
    fin_got = 0;
    hook_wait();
    if (!strncmp(line, "done ", 5)) say(tell, "error %s\n", line + 5);
    else if (!started) say(tell, "exited %d\n", code);
    if (tell >= 0) { close(tell); tell = -1; }
    if (strncmp(line, "restart ", 8) != 0) break;
    /* The backoff: clients stay served, SIGTERM (stop) ends it early. */
    long long wait_ms = last_wait = atoll(line + 8);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long long el = 0; el < wait_ms && !cut_short;) {
      step((int)(wait_ms - el));
      clock_gettime(CLOCK_MONOTONIC, &t);
      el = (t.tv_sec - t0.tv_sec) * 1000LL + (t.tv_nsec - t0.tv_nsec) / 1000000;
    }
    const char *rx[] = {"restart"};
    hook_run(rx, 1, line, sizeof line, &tell);
    if (strcmp(line, "go") != 0 || !(cmd = read_restart(&envp))) {
      close(tell);
      tell = -1;
      hook_wait();
      break;
    }
    oom_kills = 0;
  }
  char c[24];
  snprintf(c, sizeof c, "%d", code);
  broadcast(5, c, strlen(c));
  /* The Exit frame goes out before we quit; clients that stall are left behind. */
  for (int tries = 0; tries < 100; tries++) {
    int pending = 0;
    for (int i = 0; i < MAX_CLIENTS; i++) if (clients[i].fd >= 0 && clients[i].out.len) pending = 1;
    if (!pending) break;
    step(20);
  }
  unlinkat(dirfd_, "attach.sock", 0);
  return 0;
}
