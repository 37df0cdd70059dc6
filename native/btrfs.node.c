/*
 * btrfs.node: the three subvolume ioctls of a container's life (a Node-API
 * addon for src/snapshots/btrfs.ts).
 *
 * Why it exists: `btrfs subvolume snapshot` and `delete` are one ioctl each,
 * but the program costs a start-up of its own (~5 ms here, and a create and
 * an rm each run one). The tool stays the fallback, for its messages and
 * where this addon is not built: any failure here is retried with it.
 *
 * JavaScript API, each a Promise, the ioctl run on node's thread pool (a
 * snapshot waits for a transaction commit, which may take a while):
 *   snapshot(src, dir, name, readonly)  BTRFS_IOC_SNAP_CREATE_V2: dir/name, a
 *                                       snapshot of subvolume src
 *   create(dir, name)                   BTRFS_IOC_SUBVOL_CREATE: an empty dir/name
 *   destroy(dir, name)                  BTRFS_IOC_SNAP_DESTROY: delete dir/name
 * A failure rejects with an Error whose code is the errno's name.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

enum op { SNAPSHOT, CREATE, DESTROY };

struct job {
  enum op op;
  char src[4096], dir[4096], name[BTRFS_SUBVOL_NAME_MAX + 1];
  int readonly, err;
  napi_deferred deferred;
  napi_async_work work;
};

static void execute(napi_env env, void *data) {
  (void)env;
  struct job *j = data;
  int dfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    j->err = errno;
    return;
  }
  int r;
  if (j->op == SNAPSHOT) {
    int sfd = open(j->src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sfd < 0) {
      j->err = errno;
      close(dfd);
      return;
    }
    struct btrfs_ioctl_vol_args_v2 a;
    memset(&a, 0, sizeof a);
    a.fd = sfd;
    a.flags = j->readonly ? BTRFS_SUBVOL_RDONLY : 0;
    memcpy(a.name, j->name, strlen(j->name) + 1); /* it fits: text() checked */
    r = ioctl(dfd, BTRFS_IOC_SNAP_CREATE_V2, &a);
    if (r < 0) j->err = errno;
    close(sfd);
  } else {
    struct btrfs_ioctl_vol_args a;
    memset(&a, 0, sizeof a);
    memcpy(a.name, j->name, strlen(j->name) + 1); /* it fits: text() checked */
    r = ioctl(dfd, j->op == CREATE ? BTRFS_IOC_SUBVOL_CREATE : BTRFS_IOC_SNAP_DESTROY, &a);
    if (r < 0) j->err = errno;
  }
  close(dfd);
}

static void complete(napi_env env, napi_status status, void *data) {
  struct job *j = data;
  if (status == napi_ok && !j->err) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, j->deferred, undefined);
  } else {
    int e = j->err ? j->err : EIO;
    const char *name = strerrorname_np(e);
    napi_value code, msg, error;
    napi_create_string_utf8(env, name ? name : "EIO", NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, strerror(e), NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, code, msg, &error);
    napi_reject_deferred(env, j->deferred, error);
  }
  napi_delete_async_work(env, j->work);
  free(j);
}

/* A JS string into a fixed buffer; 0 if it is not a string or does not fit. */
static int text(napi_env env, napi_value v, char *buf, size_t cap) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok || len == 0 || len >= cap) return 0;
  return napi_get_value_string_utf8(env, v, buf, cap, &len) == napi_ok;
}

/* op's arguments: (src, dir, name, readonly) for a snapshot, else (dir, name). */
static napi_value start(napi_env env, napi_callback_info info, enum op op) {
  size_t argc = 4;
  napi_value a[4], promise, name;
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok) return NULL;
  struct job *j = calloc(1, sizeof *j);
  if (!j) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  j->op = op;
  napi_value *p = op == SNAPSHOT ? a + 1 : a;
  bool ro = false;
  int ok = argc >= (op == SNAPSHOT ? 4u : 2u) && (op != SNAPSHOT || text(env, a[0], j->src, sizeof j->src)) &&
           text(env, p[0], j->dir, sizeof j->dir) && text(env, p[1], j->name, sizeof j->name) && !strchr(j->name, '/') &&
           (op != SNAPSHOT || napi_get_value_bool(env, a[3], &ro) == napi_ok);
  if (!ok) {
    free(j);
    napi_throw_type_error(env, "EINVAL", "btrfs: expected (src, dir, name, readonly) or (dir, name); a name is one path component");
    return NULL;
  }
  j->readonly = ro;
  napi_create_string_utf8(env, "dl-btrfs", NAPI_AUTO_LENGTH, &name);
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, j, &j->work) != napi_ok || napi_queue_async_work(env, j->work) != napi_ok) {
    free(j);
    napi_throw_error(env, "EIO", "btrfs: cannot queue the ioctl");
    return NULL;
  }
  return promise;
}

static napi_value js_snapshot(napi_env env, napi_callback_info info) { return start(env, info, SNAPSHOT); }
static napi_value js_create(napi_env env, napi_callback_info info) { return start(env, info, CREATE); }
static napi_value js_destroy(napi_env env, napi_callback_info info) { return start(env, info, DESTROY); }

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"snapshot", NULL, js_snapshot, NULL, NULL, NULL, napi_default, NULL},
      {"create", NULL, js_create, NULL, NULL, NULL, napi_default, NULL},
      {"destroy", NULL, js_destroy, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(btrfs, init)
