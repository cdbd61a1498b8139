/*
 * sd_notify(3) without libsystemd: one sendto() of a datagram on an AF_UNIX
 * SOCK_DGRAM socket to $NOTIFY_SOCKET. Node's dgram module refuses unix
 * datagram sockets (ERR_SOCKET_BAD_TYPE), hence this addon.
 *
 * notify(state: string, socketPath?: string) -> boolean
 *   Returns false when no socket is configured (no-op outside systemd),
 *   true when the datagram was sent; throws Error with code on failure.
 */
#include <errno.h>
#include <node_api.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_STATE 4096

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  char code[32];
  snprintf(code, sizeof code, "ENOTIFY_%d", err);
  snprintf(msg, sizeof msg, "sd_notify %s failed: %s", what, strerror(err));
  napi_throw_error(env, code, msg);
  return NULL;
}

static napi_value Notify(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) {
    napi_throw_type_error(env, "EINVAL", "notify(state, socketPath?) needs a state string");
    return NULL;
  }
  char state[MAX_STATE];
  size_t state_len = 0;
  if (napi_get_value_string_utf8(env, argv[0], state, sizeof state, &state_len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "state must be a string");
    return NULL;
  }
  char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
  size_t path_len = 0;
  path[0] = '\0';
  napi_valuetype t = napi_undefined;
  if (argc >= 2) napi_typeof(env, argv[1], &t);
  if (t == napi_string) {
    if (napi_get_value_string_utf8(env, argv[1], path, sizeof path, &path_len) != napi_ok) {
      napi_throw_type_error(env, "EINVAL", "socketPath must be a string");
      return NULL;
    }
  } else {
    const char *e = getenv("NOTIFY_SOCKET");
    if (e != NULL) {
      path_len = strlen(e);
      if (path_len >= sizeof path) {
        napi_throw_range_error(env, "ENAMETOOLONG", "NOTIFY_SOCKET path is too long");
        return NULL;
      }
      memcpy(path, e, path_len + 1);
    }
  }
  napi_value result;
  if (path_len == 0) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path_len >= sizeof addr.sun_path) {
    napi_throw_range_error(env, "ENAMETOOLONG", "notify socket path is too long");
    return NULL;
  }
  memcpy(addr.sun_path, path, path_len);
  socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len);
  if (path[0] == '@') {
    addr.sun_path[0] = '\0'; /* abstract namespace */
  } else {
    addr_len += 1; /* include the terminating NUL for filesystem paths */
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket()", errno);
  ssize_t n = sendto(fd, state, state_len, MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len);
  int err = errno;
  close(fd);
  if (n < 0) return throw_errno(env, "sendto()", err);
  napi_get_boolean(env, true, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "notify", NAPI_AUTO_LENGTH, Notify, NULL, &fn);
  napi_set_named_property(env, exports, "notify", fn);
  return exports;
}
