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
 *   run(file, argv, env, cwd, input, onDone) -> pid
 *     the same start, with stdin the Buffer input (or /dev/null when input
 *     is null) and stdout and stderr pipes that a thread of ours reads to
 *     their ends before it reaps the child, so node loads no streams for a
 *     program it only runs: onDone(status, signal, stdout, stderr), the two
 *     outputs Buffers (status -2: they did not fit in memory).
 *   channel(fd, onData) -> handle; channelWrite(handle, text) -> bool;
 *   channelClose(handle); channelUnref(handle)
 *     our end of a detached program's fd 3, read by a thread of ours:
 *     onData(Buffer) per chunk, onData(null) at its end (the fd is then
 *     closed by that thread). Close shuts the socket down; a write after
 *     the end writes nothing and returns false.
 *   Errors (ENOENT for a missing program, ...) throw an Error whose code is
 *   the errno name.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
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

static napi_value js_socketpair(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return throw_errno(env, errno, "socketpair");
  return fd_pair(env, fds);
}

/* Close each fd that is open (>= 0). */
static void close_all(const int *fds, int n) {
  for (int i = 0; i < n; i++)
    if (fds[i] >= 0) close(fds[i]);
}

/* One child: its pid, the callback its thread calls back through, and for run() its pipes and output. */
struct buf {
  char *p;
  size_t len, cap;
};
struct child {
  pid_t pid;
  int status;
  napi_threadsafe_function done;
  int in, out, err;      /* our pipe ends, -1 once closed */
  char *input;           /* what goes to its stdin */
  size_t inlen, inoff;
  struct buf stdout_, stderr_;
  int nomem, collect; /* collect: run(), its output goes to the callback */
};

static void child_free(struct child *c) {
  int fds[] = {c->in, c->out, c->err};
  close_all(fds, 3);
  free(c->input);
  free(c->stdout_.p);
  free(c->stderr_.p);
  free(c);
}

/* The child's callback on the main thread: onExit(status, signal), or for run() onDone(status, signal, stdout, stderr). */
static void call_back(napi_env env, napi_value fn, void *context, void *data) {
  (void)context;
  struct child *c = data;
  if (env && fn) {
    napi_value args[4], undefined;
    int exited = WIFEXITED(c->status);
    /* status -2: run()'s output did not fit in memory */
    napi_create_int32(env, c->nomem ? -2 : exited ? WEXITSTATUS(c->status) : -1, &args[0]);
    napi_create_int32(env, exited ? 0 : WTERMSIG(c->status), &args[1]);
    if (c->collect) {
      napi_create_buffer_copy(env, c->stdout_.len, c->stdout_.len ? c->stdout_.p : "", NULL, &args[2]);
      napi_create_buffer_copy(env, c->stderr_.len, c->stderr_.len ? c->stderr_.p : "", NULL, &args[3]);
    }
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, fn, c->collect ? 4 : 2, args, NULL);
  }
  child_free(c);
}

static void finish(struct child *c) {
  while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR) {
  }
  napi_threadsafe_function done = c->done;
  napi_call_threadsafe_function(done, c, napi_tsfn_blocking);
  napi_release_threadsafe_function(done, napi_tsfn_release);
}

static void *reap(void *arg) {
  finish(arg);
  return NULL;
}

/* Read one chunk of fd into b; closes it (sets -1) at its end. */
static void drain(int *fd, struct buf *b, int *nomem) {
  char chunk[65536];
  ssize_t n = read(*fd, chunk, sizeof chunk);
  if (n > 0) {
    if (b->len + (size_t)n > b->cap) {
      size_t cap = b->cap ? b->cap * 2 : 65536;
      while (cap < b->len + (size_t)n) cap *= 2;
      char *p = realloc(b->p, cap);
      if (!p) {
        *nomem = 1; /* keep reading, so the program is not stuck on a full pipe */
        return;
      }
      b->p = p;
      b->cap = cap;
    }
    memcpy(b->p + b->len, chunk, (size_t)n);
    b->len += (size_t)n;
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    close(*fd);
    *fd = -1;
  }
}

/* run()'s thread: feed stdin, collect stdout and stderr to their ends, then reap (as child_process waits for 'close'). */
static void *collect(void *arg) {
  struct child *c = arg;
  if (c->in >= 0 && !c->inlen) {
    close(c->in);
    c->in = -1;
  }
  while (c->in >= 0 || c->out >= 0 || c->err >= 0) {
    struct pollfd p[3] = {{c->in, POLLOUT, 0}, {c->out, POLLIN, 0}, {c->err, POLLIN, 0}};
    if (poll(p, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[0].revents) {
      ssize_t w = write(c->in, c->input + c->inoff, c->inlen - c->inoff);
      if (w > 0) c->inoff += (size_t)w;
      /* All written, or it stopped reading (EPIPE: node ignores SIGPIPE): its end of input. */
      if (c->inoff == c->inlen || (w < 0 && errno != EAGAIN && errno != EINTR)) {
        close(c->in);
        c->in = -1;
      }
    }
    if (p[1].revents) drain(&c->out, &c->stdout_, &c->nomem);
    if (p[2].revents) drain(&c->err, &c->stderr_, &c->nomem);
  }
  finish(c);
  return NULL;
}

/* posix_spawnp of file with argv, env and cwd (JS values); fds[i] becomes the child's fd i. 0, or an errno. */
static int do_spawn(napi_env env, napi_value *a, const int *fds, int nfds, int flags, pid_t *pid) {
  napi_valuetype cwd_type;
  if (napi_typeof(env, a[3], &cwd_type) != napi_ok) return EINVAL;
  char *file = cstring(env, a[0]);
  char **argv = cvector(env, a[1]);
  char **envp = cvector(env, a[2]);
  char *cwd = cwd_type == napi_string ? cstring(env, a[3]) : NULL;
  int err = 0;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t all, none;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  if (!file || !argv || !envp || (cwd_type == napi_string && !cwd)) {
    err = ENOMEM;
    goto out;
  }
  for (int i = 0; i < nfds; i++) {
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
  err = posix_spawnp(pid, file, &fa, &attr, argv, envp);
out:
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  free(file);
  free(cwd);
  free_vector(argv);
  free_vector(envp);
  return err;
}

/* A child we cannot watch: reap it here rather than leave a zombie (it has barely started). */
static void abandon(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

/* Watch child c on a thread of its own running body; the callback goes through c->done. 0, or an errno (c is then freed). */
static int watch(napi_env env, napi_value fn, struct child *c, int unref, void *(*body)(void *), napi_threadsafe_function_call_js call) {
  napi_value name;
  pthread_t t;
  pthread_attr_t ta;
  int err;
  napi_create_string_utf8(env, "dl-spawn-reaper", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, fn, NULL, name, 0, 1, NULL, NULL, NULL, call, &c->done) != napi_ok) {
    err = ENOMEM;
  } else {
    if (unref) napi_unref_threadsafe_function(env, c->done);
    pthread_attr_init(&ta);
    pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&ta, 128 * 1024);
    err = pthread_create(&t, &ta, body, c);
    pthread_attr_destroy(&ta);
    if (!err) return 0;
    napi_release_threadsafe_function(c->done, napi_tsfn_abort);
  }
  abandon(c->pid);
  child_free(c);
  return err;
}

static napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 7) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, env, cwd, fds, flags, onExit)");
    return NULL;
  }
  int fds[8];
  uint32_t nfds;
  int32_t flags;
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
  pid_t pid = 0;
  int err = do_spawn(env, a, fds, (int)nfds, flags, &pid);
  struct child *c = err ? NULL : calloc(1, sizeof *c);
  if (!err && !c) {
    abandon(pid);
    err = ENOMEM;
  }
  if (c) {
    c->pid = pid;
    c->in = c->out = c->err = -1;
    err = watch(env, a[6], c, flags & 2, reap, call_back);
  }
  if (err) return throw_errno(env, err, "spawn");
  napi_value result;
  CHECK(napi_create_int32(env, pid, &result));
  return result;
}

static napi_value js_run(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value a[6];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "run(file, argv, env, cwd, input, onDone)");
    return NULL;
  }
  bool has_input = false;
  void *data = NULL;
  size_t len = 0;
  CHECK(napi_is_buffer(env, a[4], &has_input));
  if (has_input) CHECK(napi_get_buffer_info(env, a[4], &data, &len));
  /* p: stdin (ours: [1]), stdout and stderr (ours: [0]). */
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err2[2] = {-1, -1};
  if ((has_input && pipe2(in, O_CLOEXEC) < 0) || pipe2(out, O_CLOEXEC) < 0 || pipe2(err2, O_CLOEXEC) < 0) {
    int e = errno;
    int all[] = {in[0], in[1], out[0], out[1], err2[0], err2[1]};
    close_all(all, 6);
    return throw_errno(env, e, "pipe");
  }
  int fds[3] = {in[0], out[1], err2[1]};
  pid_t pid = 0;
  int e = do_spawn(env, a, fds, 3, 0, &pid);
  close_all(fds, 3);
  struct child *c = e ? NULL : calloc(1, sizeof *c);
  if (c && len && !(c->input = malloc(len))) {
    free(c);
    c = NULL;
  }
  if (!e && !c) {
    abandon(pid);
    e = ENOMEM;
  }
  if (e) {
    int ours[] = {in[1], out[0], err2[0]};
    close_all(ours, 3);
    return throw_errno(env, e, "spawn");
  }
  c->pid = pid;
  c->in = in[1];
  c->out = out[0];
  c->err = err2[0];
  if (len) memcpy(c->input, data, len);
  c->inlen = len;
  c->collect = 1;
  /* Our write end must not block: the thread also reads the output meanwhile. */
  if (c->in >= 0) fcntl(c->in, F_SETFL, O_NONBLOCK);
  if ((e = watch(env, a[5], c, 0, collect, call_back)) != 0) return throw_errno(env, e, "spawn");
  napi_value result;
  CHECK(napi_create_int32(env, pid, &result));
  return result;
}

/*
 * A channel: our end of a detached program's fd 3 (a socketpair), read by a
 * thread of ours, so that node needs none of its streams or node:net for it.
 * The thread owns the fd and closes it at the end; write and close take the
 * same lock, so nothing is ever written to an fd number reused since.
 */
struct chan {
  int fd, closed, refs;
  pthread_mutex_t mu;
  napi_threadsafe_function data;
};

struct chunk {
  size_t len; /* (size_t)-1: the end */
  char bytes[];
};

static void chan_unref(struct chan *c) {
  pthread_mutex_lock(&c->mu);
  int last = --c->refs == 0;
  pthread_mutex_unlock(&c->mu);
  if (last) {
    pthread_mutex_destroy(&c->mu);
    free(c);
  }
}

static void call_on_data(napi_env env, napi_value fn, void *context, void *data) {
  (void)context;
  struct chunk *k = data;
  if (env && fn && k) {
    napi_value arg, undefined;
    if (k->len == (size_t)-1)
      napi_get_null(env, &arg);
    else
      napi_create_buffer_copy(env, k->len, k->bytes, NULL, &arg);
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, fn, 1, &arg, NULL);
  }
  free(k);
}

static void *chan_read(void *arg) {
  struct chan *c = arg;
  char b[4096];
  for (;;) {
    ssize_t n = read(c->fd, b, sizeof b);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    struct chunk *k = malloc(sizeof *k + (size_t)n);
    if (!k) break;
    k->len = (size_t)n;
    memcpy(k->bytes, b, (size_t)n);
    napi_call_threadsafe_function(c->data, k, napi_tsfn_blocking);
  }
  pthread_mutex_lock(&c->mu);
  c->closed = 1;
  close(c->fd);
  pthread_mutex_unlock(&c->mu);
  struct chunk *end = malloc(sizeof *end);
  if (end) {
    end->len = (size_t)-1;
    napi_call_threadsafe_function(c->data, end, napi_tsfn_blocking);
  }
  napi_release_threadsafe_function(c->data, napi_tsfn_release);
  chan_unref(c);
  return NULL;
}

static void chan_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  chan_unref(data);
}

static struct chan *chan_of(napi_env env, napi_callback_info info, napi_value *args, size_t *argc) {
  void *c = NULL;
  if (napi_get_cb_info(env, info, argc, args, NULL, NULL) != napi_ok || *argc < 1 || napi_get_value_external(env, args[0], &c) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a channel");
    return NULL;
  }
  return c;
}

/* channel(fd, onData) -> handle: fd now belongs to the channel. */
static napi_value js_channel(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2], name, handle;
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 2 || napi_get_value_int32(env, a[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "channel(fd, onData)");
    return NULL;
  }
  struct chan *c = calloc(1, sizeof *c);
  if (!c) return throw_errno(env, ENOMEM, "channel");
  c->fd = fd;
  c->refs = 2; /* the thread and the handle */
  pthread_mutex_init(&c->mu, NULL);
  napi_create_string_utf8(env, "dl-channel", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, a[1], NULL, name, 0, 1, NULL, NULL, NULL, call_on_data, &c->data) != napi_ok) {
    pthread_mutex_destroy(&c->mu);
    free(c);
    return throw_errno(env, ENOMEM, "channel");
  }
  pthread_t t;
  pthread_attr_t ta;
  pthread_attr_init(&ta);
  pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&ta, 64 * 1024);
  int err = pthread_create(&t, &ta, chan_read, c);
  pthread_attr_destroy(&ta);
  if (err) {
    napi_release_threadsafe_function(c->data, napi_tsfn_abort);
    pthread_mutex_destroy(&c->mu);
    free(c);
    return throw_errno(env, err, "channel");
  }
  if (napi_create_external(env, c, chan_finalize, NULL, &handle) != napi_ok) {
    chan_unref(c); /* the thread still holds it; it ends with the program */
    return NULL;
  }
  return handle;
}

/* channelWrite(handle, string) -> false once the channel is closed. A blocking write: lines of a few bytes. */
static napi_value js_channel_write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2], result;
  struct chan *c = chan_of(env, info, a, &argc);
  if (!c) return NULL;
  char *text = argc > 1 ? cstring(env, a[1]) : NULL;
  int ok = 0;
  if (text) {
    pthread_mutex_lock(&c->mu);
    if (!c->closed) {
      size_t len = strlen(text), off = 0;
      while (off < len) {
        ssize_t w = send(c->fd, text + off, len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += (size_t)w;
      }
      ok = off == len;
    }
    pthread_mutex_unlock(&c->mu);
    free(text);
  }
  CHECK(napi_get_boolean(env, ok, &result));
  return result;
}

/* channelClose(handle): the program sees the end of its fd 3; our thread then ends. */
static napi_value js_channel_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  struct chan *c = chan_of(env, info, a, &argc);
  if (!c) return NULL;
  pthread_mutex_lock(&c->mu);
  if (!c->closed) shutdown(c->fd, SHUT_RDWR);
  pthread_mutex_unlock(&c->mu);
  return NULL;
}

/* channelUnref(handle): node's event loop no longer waits for the channel's end. */
static napi_value js_channel_unref(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  struct chan *c = chan_of(env, info, a, &argc);
  if (!c) return NULL;
  napi_unref_threadsafe_function(env, c->data);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socketpair", NULL, js_socketpair, NULL, NULL, NULL, napi_default, NULL},
      {"spawn", NULL, js_spawn, NULL, NULL, NULL, napi_default, NULL},
      {"run", NULL, js_run, NULL, NULL, NULL, napi_default, NULL},
      {"channel", NULL, js_channel, NULL, NULL, NULL, napi_default, NULL},
      {"channelWrite", NULL, js_channel_write, NULL, NULL, NULL, napi_default, NULL},
      {"channelClose", NULL, js_channel_close, NULL, NULL, NULL, napi_default, NULL},
      {"channelUnref", NULL, js_channel_unref, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(spawn, init)
