/*
 * dl-run: run `lxc-start -F ... -- ARGV` so that the container's command is
 * its pid 1 (as in Docker), and exit with that command's status, as
 * lxc-execute did.
 *
 *   dl-run LXC-START-ARGV...
 *
 * Why it exists: lxc-start -F runs ARGV as the container's pid 1, but exits
 * 0 whatever the command's status, and the command is lxc-start's child, not
 * ours, so waitpid cannot tell us. The kernel's process events connector
 * (netlink, CN_IDX_PROC) reports every exit with its wait status and parent:
 * the exit of lxc-start's direct child is the container's pid 1.
 *
 * stdio: Node hands its children unix sockets, and a socket cannot be opened
 * again through /proc/self/fd (echo x > /dev/stdout fails with ENXIO). So
 * each of fds 0-2 that is a socket is replaced by a pipe, and dl-run relays
 * between the two; other kinds (a terminal, /dev/null) are passed on as they
 * are. Nothing else of ours reaches the container: every other fd we hold is
 * close-on-exec, and lxc-start is asked to close what it inherits (-C is in
 * the caller's argv).
 *
 * Exit: the command's status (128+N for a signal), or lxc-start's own
 * non-zero status when the command never ran, or 255 when the status was
 * lost. Signals sent to dl-run (TERM, INT, HUP, QUIT, USR1, USR2) are passed
 * to lxc-start, which forwards them to the container's pid 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUF 65536

static void die(const char *what) {
  fprintf(stderr, "dl-run: %s: %s\n", what, strerror(errno));
  exit(125);
}

/* Subscribe to process events; the socket is close-on-exec. */
static int proc_events(void) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
  if (fd < 0) die("netlink socket");
  int size = 4 << 20; /* a busy host sends many events: room for them */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0};
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("netlink bind");
  struct {
    struct nlmsghdr nl;
    struct cn_msg cn;
    enum proc_cn_mcast_op op;
  } __attribute__((packed)) msg;
  memset(&msg, 0, sizeof msg);
  msg.nl.nlmsg_len = sizeof msg;
  msg.nl.nlmsg_type = NLMSG_DONE;
  msg.nl.nlmsg_pid = getpid();
  msg.cn.id.idx = CN_IDX_PROC;
  msg.cn.id.val = CN_VAL_PROC;
  msg.cn.len = sizeof(enum proc_cn_mcast_op);
  msg.op = PROC_CN_MCAST_LISTEN;
  if (send(fd, &msg, sizeof msg, 0) < 0) die("netlink subscribe");
  return fd;
}

static pid_t child;
static int status = -1; /* the wait status of lxc-start's child (the container's pid 1) */
static int lost;        /* events were dropped (ENOBUFS) */

/*
 * Wake only for the exits of lxc-start's children: the host may end
 * thousands of processes a second. Classic BPF loads words big-endian, hence
 * htonl on the constants.
 */
static void filter_events(int fd, pid_t parent) {
  const unsigned base = NLMSG_LENGTH(0) + sizeof(struct cn_msg);
  const unsigned what = base + offsetof(struct proc_event, what);
  const unsigned ptgid = base + offsetof(struct proc_event, event_data.exit.parent_tgid);
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, what),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_EXIT), 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ptgid),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl((uint32_t)parent), 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
  struct sock_fprog prog = {.len = sizeof code / sizeof *code, .filter = code};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) die("netlink filter");
}

/* Read every queued event; note the exit of a direct child of lxc-start. */
static void read_events(int fd) {
  char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == ENOBUFS) {
        lost = 1;
        continue;
      }
      return; /* EAGAIN: all read */
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
      struct cn_msg *cn = NLMSG_DATA(h);
      struct proc_event *ev = (struct proc_event *)cn->data;
      if (ev->what != PROC_EVENT_EXIT) continue;
      if (ev->event_data.exit.parent_tgid != child) continue;
      if (ev->event_data.exit.process_pid != ev->event_data.exit.process_tgid) continue; /* a thread */
      status = (int)ev->event_data.exit.exit_code;
    }
  }
}

/* One relay: from one fd to another, with a buffer, so neither side blocks us. */
struct relay {
  int from, to;
  char *buf;
  size_t len, off;
  int eof;
};

static void relay_close(struct relay *r) {
  if (r->from >= 0) close(r->from);
  if (r->to >= 0) close(r->to);
  r->from = r->to = -1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: dl-run LXC-START-ARGV...\n");
    return 125;
  }
  signal(SIGPIPE, SIG_IGN);
  int nl = proc_events();

  /* Pipes for the fds that are sockets. */
  struct relay relays[3];
  int theirs[3];
  for (int i = 0; i < 3; i++) {
    struct stat st;
    relays[i] = (struct relay){.from = -1, .to = -1};
    theirs[i] = -1;
    if (fstat(i, &st) < 0 || !S_ISSOCK(st.st_mode)) continue;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) die("pipe");
    int mine;
    if (i == 0) {
      theirs[i] = p[0];
      mine = p[1];
      relays[i].from = fcntl(0, F_DUPFD_CLOEXEC, 3);
      relays[i].to = mine;
    } else {
      theirs[i] = p[1];
      mine = p[0];
      relays[i].from = mine;
      relays[i].to = fcntl(i, F_DUPFD_CLOEXEC, 3);
    }
    if (relays[i].from < 0 || relays[i].to < 0) die("dup");
    fcntl(mine, F_SETFL, O_NONBLOCK);
    relays[i].buf = malloc(BUF);
    if (!relays[i].buf) die("malloc");
  }

  sigset_t mask;
  sigemptyset(&mask);
  int fwd[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  for (size_t i = 0; i < sizeof fwd / sizeof *fwd; i++) sigaddset(&mask, fwd[i]);
  sigaddset(&mask, SIGCHLD);
  sigset_t old;
  sigprocmask(SIG_BLOCK, &mask, &old);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");

  child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGPIPE, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive dl-run: nobody would record the end */
    if (getppid() == 1) _exit(125);
    for (int i = 0; i < 3; i++)
      if (theirs[i] >= 0 && dup2(theirs[i], i) < 0) _exit(125);
    execvp(argv[1], argv + 1);
    fprintf(stderr, "dl-run: %s: %s\n", argv[1], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  filter_events(nl, child);
  for (int i = 0; i < 3; i++) {
    if (theirs[i] < 0) continue;
    close(theirs[i]);
    close(i); /* the relay holds its own copy; the original must not keep the pipe's other side busy */
    if (open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY) != i) die("open /dev/null");
  }

  int child_status = -1;
  for (;;) {
    struct pollfd p[8];
    int np = 0;
    p[np++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    p[np++] = (struct pollfd){.fd = nl, .events = POLLIN};
    int which[3] = {-1, -1, -1};
    int open_relays = 0;
    for (int i = 0; i < 3; i++) {
      struct relay *r = &relays[i];
      if (r->from < 0) continue;
      open_relays++;
      which[i] = np;
      if (r->len > r->off)
        p[np++] = (struct pollfd){.fd = r->to, .events = POLLOUT};
      else
        p[np++] = (struct pollfd){.fd = r->from, .events = POLLIN};
    }
    /* Done when lxc-start has ended and every output pipe is at its end (nothing lost). */
    int outputs_open = (relays[1].from >= 0) + (relays[2].from >= 0);
    if (child_status != -1 && !outputs_open) break;
    (void)open_relays;
    if (poll(p, np, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (p[0].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGCHLD) {
          int st;
          if (child_status == -1 && waitpid(child, &st, WNOHANG) == child) {
            child_status = st;
            read_events(nl); /* pid 1's exit came before lxc-start's */
            /* stdin has no reader any more */
            if (relays[0].from >= 0) relay_close(&relays[0]);
          }
        } else if (child_status == -1) {
          kill(child, (int)si.ssi_signo);
        }
      }
    }
    if (p[1].revents) read_events(nl);
    for (int i = 0; i < 3; i++) {
      struct relay *r = &relays[i];
      if (which[i] < 0 || r->from < 0 || !p[which[i]].revents) continue;
      if (r->len > r->off) {
        ssize_t w = write(r->to, r->buf + r->off, r->len - r->off);
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
          /* the reader is gone: drop what it would have read, keep draining the writer */
          r->len = r->off = 0;
          if (i == 0) relay_close(r);
          continue;
        }
        if (w > 0) r->off += (size_t)w;
        if (r->off == r->len) r->off = r->len = 0;
        if (r->eof && r->len == 0) relay_close(r);
        continue;
      }
      ssize_t n = read(r->from, r->buf, BUF);
      if (n > 0) {
        r->len = (size_t)n;
        r->off = 0;
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        relay_close(r);
      }
    }
  }
  read_events(nl);
  if (status != -1) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  }
  /* lxc-start failed before the command ran: its own status (1) says so. */
  if (WIFEXITED(child_status) && WEXITSTATUS(child_status) != 0) return WEXITSTATUS(child_status);
  if (WIFSIGNALED(child_status)) return 128 + WTERMSIG(child_status);
  (void)lost;
  return 255;
}
