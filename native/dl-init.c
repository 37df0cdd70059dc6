/*
 * dl-init: what LXC 5.0 cannot do between its setup and the container's
 * command. LXC execs it as the container's pid 1, as root (lxc.init.uid 0),
 * with the container's capability set; it then
 *   - sets the supplementary groups (LXC 5.0 has no lxc.init.groups), the
 *     gid and the uid of the container's user, as Docker does;
 *   - removes the `container=lxc` LXC puts in the environment (Docker has no
 *     such variable), or puts back the container's own value (--container=V:
 *     LXC's overrides what the config sets);
 *   - execs the command, which so becomes pid 1 itself; or with --init, stays
 *     pid 1 as a small init (Docker's tini role): it runs the command as its
 *     child, passes signals on to it, reaps every orphan, and exits with the
 *     command's status (128+N for a signal).
 *
 *   dl-init [--init] [--container=VALUE] UID GID GROUPS -- ARGV...
 *
 * GROUPS is a comma-separated list of gids ("-" for none). It is statically
 * linked and bind-mounted read-only into the container's /dev, so it needs
 * nothing from the image.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_GROUPS 256

static void fail(const char *what, int code) {
  fprintf(stderr, "dl-init: %s: %s\n", what, strerror(errno));
  exit(code);
}

static unsigned long number(const char *s) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || end == s || *end) {
    fprintf(stderr, "dl-init: not a number: %s\n", s);
    exit(125);
  }
  return v;
}

static void run(char **argv) {
  execvp(argv[0], argv);
  int code = errno == ENOENT ? 127 : 126;
  fprintf(stderr, "dl-init: exec %s: %s\n", argv[0], strerror(errno));
  exit(code);
}

static pid_t child;
static void forward(int sig) {
  if (child > 0) kill(child, sig);
}

int main(int argc, char **argv) {
  int init = 0, i = 1;
  const char *container = NULL;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
    if (!strcmp(argv[i], "--init"))
      init = 1;
    else if (!strncmp(argv[i], "--container=", 12))
      container = argv[i] + 12;
    else {
      fprintf(stderr, "dl-init: unknown option %s\n", argv[i]);
      return 125;
    }
  }
  if (argc - i < 5 || strcmp(argv[i + 3], "--")) {
    fprintf(stderr, "usage: dl-init [--init] [--container=VALUE] UID GID GROUPS -- ARGV...\n");
    return 125;
  }
  uid_t uid = (uid_t)number(argv[i]);
  gid_t gid = (gid_t)number(argv[i + 1]);
  gid_t groups[MAX_GROUPS];
  size_t n = 0;
  if (strcmp(argv[i + 2], "-")) {
    char *list = argv[i + 2];
    for (char *tok = strtok(list, ","); tok && n < MAX_GROUPS; tok = strtok(NULL, ",")) groups[n++] = (gid_t)number(tok);
  }
  char **cmd = argv + i + 4;
  if (container)
    setenv("container", container, 1);
  else
    unsetenv("container");

  /* A terminal (-t) becomes the command's controlling terminal, as runc makes it (job control). */
  if (isatty(0)) {
    setsid();
    ioctl(0, TIOCSCTTY, 0);
  }
  /* Without CAP_SETGID (--cap-drop ALL) the groups stay as they are; ids that already match need no call. */
  if (setgroups(n, groups) < 0 && errno != EPERM) fail("setgroups", 125);
  if (getgid() != gid && setgid(gid) < 0) fail("setgid", 125);
  if (getuid() != uid && setuid(uid) < 0) fail("setuid", 125);

  if (!init) run(cmd);

  /* --init: pid 1 stays ours. Signals for the command go to it; its status is ours. */
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  child = fork();
  if (child < 0) fail("fork", 125);
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    run(cmd);
  }
  struct sigaction sa = {0};
  sa.sa_handler = forward;
  for (int s = 1; s < NSIG; s++) {
    if (s == SIGCHLD || s == SIGKILL || s == SIGSTOP) continue;
    sigaction(s, &sa, NULL);
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  for (;;) {
    int status;
    pid_t p = wait(&status);
    if (p < 0) {
      if (errno == EINTR) continue;
      return 125;
    }
    if (p != child) continue; /* an orphan: reaped */
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }
}
