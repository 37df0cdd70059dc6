/*
 * spawn.node: start a program with posix_spawn (a Node-API addon for
 * src/sys/exec.ts).
 *
 * Why it exists: on Linux, libuv (node's child_process) starts every program
 * with fork(). fork copies the page tables of the whole node process, and
 * each page the parent writes afterwards takes a copy-on-write fault. For a
 * CLI of 60 MB that cost 10 to 20 ms per program here, against 1 to 2 ms for
 * glibc's posix_spawn, which uses clone(CLONE_VM|CLONE_VFORK): the child
 * borrows the parent's memory until it execs. A `run --rm` starts three
 * programs (btrfs twice, dl-mon).
 *
 * JavaScript API:
 *   pipe() -> [readFd, writeFd]             both close-on-exec
 *   socketpair() -> [fd, fd]                a unix stream pair, close-on-exec
 *   spawn(file, argv, env, cwd, fds, flags, onExit) -> pid
 *     file is looked up in PATH; fds[i] becomes the child's fd i (-1: for
 *     0 to 2, /dev/null; above, nothing); flags: 1 = setsid, 2 = do not keep
 *     node's event loop alive for this child (it is still reaped);
 *     the child gets default signal dispositions and an empty signal mask
 *     (node ignores SIGPIPE, and a child must not inherit that).
 *     onExit(status, signal) runs on the main thread once a thread of ours
 *     has reaped the child: status is the exit status, or -1 with signal the
 *     signal's number. While a child runs, its callback keeps node's event
 *     loop alive, as a child_process child does.
 *   Errors (ENOENT for a missing program, ...) throw an Error whose code is
 *   the errno name.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(call)                                                            \
  do {                                                                         \
    if ((call) != napi_ok) return NULL;                                        \
  } while (0)

/* Throw an Error "what: strerror" whose code is the errno's name (as node's own errors). */
static napi_value throw_errno(napi_env env, int err, const char *what) {
  napi_value msg, code, error;
  char text[512];
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  const char *name = err == ENOENT ? "ENOENT" : err == EACCES ? "EACCES" : err == ENOMEM ? "ENOMEM" : err == E2BIG ? "E2BIG" : "ESPAWN";
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_throw(env, error);
  return NULL;
}

/* A JS string as a malloc'd C string (NULL on failure). */
static char *cstring(napi_env env, napi_value v) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s && napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
    free(s);
    return NULL;
  }
  return s;
}

/* A JS array of strings as a NULL-terminated vector (NULL on failure). */
static char **cvector(napi_env env, napi_value arr) {
  uint32_t n;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return NULL;
  char **v = calloc(n + 1, sizeof *v);
  for (uint32_t i = 0; v && i < n; i++) {
    napi_value e;
    if (napi_get_element(env, arr, i, &e) != napi_ok || !(v[i] = cstring(env, e))) {
      for (uint32_t j = 0; j < i; j++) free(v[j]);
      free(v);
      return NULL;
    }
  }
  return v;
}

static void free_vector(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

static napi_value fd_pair(napi_env env, int fds[2]) {
  napi_value arr, a, b;
  CHECK(napi_create_array_with_length(env, 2, &arr));
  CHECK(napi_create_int32(env, fds[0], &a));
  CHECK(napi_create_int32(env, fds[1], &b));
  CHECK(napi_set_element(env, arr, 0, a));
  CHECK(napi_set_element(env, arr, 1, b));
  return arr;
}

static napi_value js_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return throw_errno(env, errno, "pipe");
  return fd_pair(env, fds);
}

static napi_value js_socketpair(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return throw_errno(env, errno, "socketpair");
  return fd_pair(env, fds);
}

/* One child: its pid, and the callback its reaper thread calls back through. */
struct child {
  pid_t pid;
  int status;
  napi_threadsafe_function done;
};

static void call_on_exit(napi_env env, napi_value fn, void *context, void *data) {
  (void)context;
  struct child *c = data;
  if (env && fn) {
    napi_value args[2], undefined;
    int exited = WIFEXITED(c->status);
    napi_create_int32(env, exited ? WEXITSTATUS(c->status) : -1, &args[0]);
    napi_create_int32(env, exited ? 0 : WTERMSIG(c->status), &args[1]);
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, fn, 2, args, NULL);
  }
  free(c);
}

static void *reap(void *arg) {
  struct child *c = arg;
  napi_threadsafe_function done = c->done;
  while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR) {
  }
  napi_call_threadsafe_function(done, c, napi_tsfn_blocking);
  napi_release_threadsafe_function(done, napi_tsfn_release);
  return NULL;
}

static napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 7) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, env, cwd, fds, flags, onExit)");
    return NULL;
  }
  napi_valuetype cwd_type;
  int fds[8];
  uint32_t nfds;
  int32_t flags;
  CHECK(napi_typeof(env, a[3], &cwd_type));
  CHECK(napi_get_array_length(env, a[4], &nfds));
  if (nfds < 3 || nfds > 8) {
    napi_throw_range_error(env, NULL, "spawn: fds holds 3 to 8 descriptors");
    return NULL;
  }
  for (uint32_t i = 0; i < nfds; i++) {
    napi_value e;
    CHECK(napi_get_element(env, a[4], i, &e));
    CHECK(napi_get_value_int32(env, e, &fds[i]));
  }
  CHECK(napi_get_value_int32(env, a[5], &flags));

  char *file = cstring(env, a[0]);
  char **argv = cvector(env, a[1]);
  char **envp = cvector(env, a[2]);
  char *cwd = cwd_type == napi_string ? cstring(env, a[3]) : NULL;
  napi_value result = NULL;
  int err = 0;
  pid_t pid = 0;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t all, none;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  if (!file || !argv || !envp || (cwd_type == napi_string && !cwd)) {
    err = ENOMEM;
    goto out;
  }
  for (int i = 0; i < (int)nfds; i++) {
    if (fds[i] >= 0)
      posix_spawn_file_actions_adddup2(&fa, fds[i], i);
    else if (i < 3)
      posix_spawn_file_actions_addopen(&fa, i, "/dev/null", i ? O_WRONLY : O_RDONLY, 0);
  }
  if (cwd) posix_spawn_file_actions_addchdir_np(&fa, cwd);
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (flags & 1 ? POSIX_SPAWN_SETSID : 0));

  /* posix_spawnp looks file up in our PATH; the child's own PATH is in envp. */
  err = posix_spawnp(&pid, file, &fa, &attr, argv, envp);
  if (err) goto out;

  struct child *c = calloc(1, sizeof *c);
  napi_value name;
  pthread_t t;
  pthread_attr_t ta;
  if (c) c->pid = pid;
  napi_create_string_utf8(env, "dl-spawn-reaper", NAPI_AUTO_LENGTH, &name);
  if (!c || napi_create_threadsafe_function(env, a[6], NULL, name, 0, 1, NULL, NULL, NULL, call_on_exit, &c->done) != napi_ok) {
    /* Cannot watch it: reap it here rather than leave a zombie (it has barely started). */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    free(c);
    err = ENOMEM;
    goto out;
  }
  if (flags & 2) napi_unref_threadsafe_function(env, c->done);
  pthread_attr_init(&ta);
  pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&ta, 64 * 1024);
  if ((err = pthread_create(&t, &ta, reap, c)) != 0) {
    napi_release_threadsafe_function(c->done, napi_tsfn_abort);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    free(c);
  }
  pthread_attr_destroy(&ta);
  if (!err) napi_create_int32(env, pid, &result);

out:
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  free(file);
  free(cwd);
  free_vector(argv);
  free_vector(envp);
  return err ? throw_errno(env, err, "spawn") : result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"pipe", NULL, js_pipe, NULL, NULL, NULL, napi_default, NULL},
      {"socketpair", NULL, js_socketpair, NULL, NULL, NULL, napi_default, NULL},
      {"spawn", NULL, js_spawn, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(spawn, init)
