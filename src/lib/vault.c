/* vault.c - vault directory: init, open, discovery, configuration, keys, lock. */
#include "docseal/vault.h"
#include "vault_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DS__CONFIG_MAX ((size_t)1 << 20)

int ds__is_bundle_name(const char *name)
{
    size_t i;
    for (i = 0; i < 64; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return 0;
    return strcmp(name + 64, ".tar.zst") == 0;
}

int ds__open_regular(int *fd, const char *path, const char *what)
{
    struct stat st;
    int f, flags;

    *fd = -1;
    f = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (f < 0) {
        if (errno == ELOOP)
            return ds__error_set(DS_EINVALID, "%s: not a regular file (a symbolic link)", what);
        return ds__error_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno, what);
    }
    if (fstat(f, &st) < 0) {
        int e = errno;
        close(f);
        return ds__error_errno(DS_EIO, e, what);
    }
    if (!S_ISREG(st.st_mode)) {
        close(f);
        return ds__error_set(DS_EINVALID, "%s: not a regular file", what);
    }
    if ((flags = fcntl(f, F_GETFL)) < 0 || fcntl(f, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        int e = errno;
        close(f);
        return ds__error_errno(DS_EIO, e, what);
    }
    *fd = f;
    return 0;
}

char *ds__vault_bundle_path(const ds_vault *v, const char *bundle_id)
{
    return ds__asprintf("%s/%s.tar.zst", v->bundles_dir, bundle_id);
}

static int ds__vault_paths(ds_vault *v, const char *dir)
{
    v->lock_fd = -1;
    if (!(v->path = ds__strdup(dir)) || !(v->config_path = ds__asprintf("%s/docseal.json", dir)) ||
        !(v->manifest_path = ds__asprintf("%s/manifest.jsonl", dir)) ||
        !(v->bundles_dir = ds__asprintf("%s/bundles", dir)) ||
        !(v->keys_dir = ds__asprintf("%s/trusted-keys", dir)) ||
        !(v->index_dir = ds__asprintf("%s/index", dir)) ||
        !(v->lock_path = ds__asprintf("%s/.lock", dir)))
        return DS_ENOMEM;
    return 0;
}

void ds_vault_free(ds_vault *v)
{
    if (!v)
        return;
    ds__vault_unlock(v);
    ds__index_free(v->index);
    free(v->path);
    free(v->config_path);
    free(v->manifest_path);
    free(v->bundles_dir);
    free(v->keys_dir);
    free(v->index_dir);
    free(v->lock_path);
    free(v->key_path);
    free(v->created);
    free(v->sum_path);
    free(v->sum_data);
    free(v->text);
    ds__base_map_free(v->base_map);
    free(v->bases);
    free(v);
}

const char *ds_vault_path(const ds_vault *v)
{
    return v->path;
}

const char *ds_vault_key_path(const ds_vault *v)
{
    return v->key_path;
}

int ds_vault_compression_level(const ds_vault *v)
{
    return v->compression_level;
}

/* --- lock --- */

int ds__vault_lock(ds_vault *v, int exclusive, int nonblock)
{
    int mode = exclusive ? 2 : 1;
    if (v->lock_mode == mode)
        return 0;
    if (v->lock_mode)
        ds__vault_unlock(v);
    if (exclusive)
        v->lock_fd = open(v->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    else
        v->lock_fd = open(v->lock_path, O_RDONLY | O_CLOEXEC);
    if (v->lock_fd < 0) {
        if (!exclusive && (errno == ENOENT || errno == EACCES || errno == EROFS)) {
            /* a read-only vault (archival media): nobody can write it, no lock needed */
            v->lock_mode = mode;
            return 0;
        }
        return ds__error_errno(DS_EIO, errno, v->lock_path);
    }
    for (;;) {
        if (flock(v->lock_fd, (exclusive ? LOCK_EX : LOCK_SH) | (nonblock ? LOCK_NB : 0)) == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK) {
            close(v->lock_fd);
            v->lock_fd = -1;
            return ds__error_set(DS_EBUSY, "%s: the vault is locked by another process",
                                 v->lock_path);
        }
        {
            int e = errno;
            close(v->lock_fd);
            v->lock_fd = -1;
            return ds__error_errno(DS_EIO, e, v->lock_path);
        }
    }
    v->lock_mode = mode;
    return 0;
}

void ds__vault_unlock(ds_vault *v)
{
    if (v->lock_fd >= 0) {
        flock(v->lock_fd, LOCK_UN);
        close(v->lock_fd);
    }
    v->lock_fd = -1;
    v->lock_mode = 0;
}

/* --- configuration --- */

static int ds__config_load(ds_vault *v)
{
    char *data = NULL;
    size_t len = 0;
    json_t *o = NULL, *x;
    json_error_t jerr;
    const char *fmt;
    int err;

    if ((err = ds__read_file(&data, &len, v->config_path, DS__CONFIG_MAX)) < 0) {
        if (err == DS_ENOTFOUND)
            err = ds__error_set(DS_ENOTFOUND, "%s: not a docseal vault (no docseal.json)", v->path);
        goto done;
    }
    o = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(o)) {
        err = ds__error_set(DS_EINVALID, "%s: not valid JSON (line %d: %s)", v->config_path,
                            jerr.line, o ? "not an object" : jerr.text);
        goto done;
    }
    fmt = json_string_value(json_object_get(o, "format"));
    if (!fmt || strcmp(fmt, "docseal-vault") != 0) {
        err = ds__error_set(DS_EINVALID, "%s: \"format\" is not \"docseal-vault\"", v->config_path);
        goto done;
    }
    x = json_object_get(o, "version");
    if (!json_is_integer(x) || json_integer_value(x) < 1) {
        err =
            ds__error_set(DS_EINVALID, "%s: \"version\" is not a positive integer", v->config_path);
        goto done;
    }
    if (json_integer_value(x) > DS_VAULT_FORMAT_VERSION) {
        err = ds__error_set(
            DS_EUNSUPPORTED, "%s: vault format version %lld is newer than this docseal reads (%d)",
            v->config_path, (long long)json_integer_value(x), DS_VAULT_FORMAT_VERSION);
        goto done;
    }
    v->version = (int)json_integer_value(x);
    x = json_object_get(o, "key");
    if (x && !json_is_null(x)) {
        if (!json_is_string(x) || !*json_string_value(x)) {
            err = ds__error_set(DS_EINVALID, "%s: \"key\" is not a path", v->config_path);
            goto done;
        }
        if (!(v->key_path = ds__strdup(json_string_value(x)))) {
            err = DS_ENOMEM;
            goto done;
        }
    }
    x = json_object_get(o, "compression_level");
    v->compression_level = DS_VAULT_DEFAULT_LEVEL;
    if (x) {
        if (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > 19) {
            err = ds__error_set(DS_EINVALID, "%s: \"compression_level\" is not 1..19",
                                v->config_path);
            goto done;
        }
        v->compression_level = (int)json_integer_value(x);
    }
    x = json_object_get(o, "created");
    if (json_is_string(x) && !(v->created = ds__strdup(json_string_value(x)))) {
        err = DS_ENOMEM;
        goto done;
    }
done:
    json_decref(o);
    free(data);
    return err;
}

int ds_vault_open(ds_vault **out, const char *dir)
{
    ds_vault *v = ds__calloc(1, sizeof *v);
    int err;
    *out = NULL;
    if (!v)
        return DS_ENOMEM;
    if ((err = ds__vault_paths(v, dir)) < 0 || (err = ds__config_load(v)) < 0) {
        ds_vault_free(v);
        return err;
    }
    *out = v;
    return 0;
}

static int ds__file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int ds_vault_discover(char **out, const char *dir)
{
    const char *env = getenv(DS_VAULT_ENV);
    char *cwd = NULL, *cand = NULL;
    int err = 0;

    *out = NULL;
    if (dir && *dir) {
        cand = ds__asprintf("%s/docseal.json", dir);
        if (!cand)
            return DS_ENOMEM;
        struct stat st;
        if (stat(dir, &st) < 0)
            err = ds__error_errno(DS_ENOTFOUND, errno, dir);
        else if (!S_ISDIR(st.st_mode))
            err = ds__error_set(DS_ENOTFOUND, "%s: not a directory", dir);
        else if (!ds__file_exists(cand))
            err = ds__error_set(DS_ENOTFOUND, "%s: not a docseal vault (no docseal.json)", dir);
        else if (!(*out = ds__strdup(dir)))
            err = DS_ENOMEM;
        free(cand);
        return err;
    }
    if (env && *env) {
        cand = ds__asprintf("%s/docseal.json", env);
        if (!cand)
            return DS_ENOMEM;
        if (!ds__file_exists(cand))
            err = ds__error_set(DS_ENOTFOUND,
                                "%s: not a docseal vault (no docseal.json; from $" DS_VAULT_ENV ")",
                                env);
        else if (!(*out = ds__strdup(env)))
            err = DS_ENOMEM;
        free(cand);
        return err;
    }
    cwd = getcwd(NULL, 0);
    if (!cwd)
        return ds__error_errno(DS_EIO, errno, "working directory");
    for (;;) {
        char *slash;
        cand = ds__asprintf("%s/docseal.json", strcmp(cwd, "/") == 0 ? "" : cwd);
        if (!cand) {
            err = DS_ENOMEM;
            break;
        }
        if (ds__file_exists(cand)) {
            free(cand);
            *out = cwd;
            return 0;
        }
        free(cand);
        if (strcmp(cwd, "/") == 0) {
            free(cwd);
            cwd = getcwd(NULL, 0);
            err =
                ds__error_set(DS_ENOTFOUND,
                              "no docseal vault in %s or any parent directory (create one "
                              "with 'docseal init', or name one with -C DIR or $" DS_VAULT_ENV ")",
                              cwd ? cwd : ".");
            break;
        }
        slash = strrchr(cwd, '/');
        if (slash == cwd)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
    free(cwd);
    return err;
}

int ds_vault_open_ext(ds_vault **out, const char *dir)
{
    char *found = NULL;
    int err;
    *out = NULL;
    if ((err = ds_vault_discover(&found, dir)) < 0)
        return err;
    err = ds_vault_open(out, found);
    free(found);
    return err;
}

/* --- keys --- */

static int ds__name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of directory entries (regular names not starting with '.'). */
int ds__list_dir(char ***names, size_t *count, const char *dir, int include_hidden)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **list = NULL;
    size_t n = 0, cap = 0;
    int err = 0;

    *names = NULL;
    *count = 0;
    if (!d)
        return ds__error_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno, dir);
    while ((errno = 0, de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (!include_hidden && de->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **g = ds__realloc(list, (cap = cap ? cap * 2 : 16) * sizeof *list);
            if (!g) {
                err = DS_ENOMEM;
                break;
            }
            list = g;
        }
        if (!(list[n] = ds__strdup(de->d_name))) {
            err = DS_ENOMEM;
            break;
        }
        n++;
    }
    if (!err && errno)
        err = ds__error_errno(DS_EIO, errno, dir);
    closedir(d);
    if (err) {
        while (n)
            free(list[--n]);
        free(list);
        return err;
    }
    if (n)
        qsort(list, n, sizeof *list, ds__name_cmp);
    *names = list;
    *count = n;
    return 0;
}

void ds__free_names(char **names, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

void ds_vault_keys_free(ds_public_key **keys, size_t count)
{
    size_t i;
    if (!keys)
        return;
    for (i = 0; i < count; i++)
        ds_public_key_free(keys[i]);
    free(keys);
}

int ds_vault_trusted_keys(ds_public_key ***keys, size_t *count, ds_vault *v)
{
    char **names = NULL;
    size_t n = 0, i, k = 0;
    ds_public_key **list = NULL;
    char *path = NULL;
    int err;

    *keys = NULL;
    *count = 0;
    if ((err = ds__list_dir(&names, &n, v->keys_dir, 0)) < 0) {
        if (err == DS_ENOTFOUND)
            err = ds__error_set(DS_EINVALID, "%s: missing (the vault has no trusted keys)",
                                v->keys_dir);
        return err;
    }
    if (!(list = ds__calloc(n ? n : 1, sizeof *list))) {
        err = DS_ENOMEM;
        goto done;
    }
    for (i = 0; i < n; i++) {
        char kid[DS_KEY_ID_HEX_SIZE];
        size_t len = strlen(names[i]);
        if (len < 4 || strcmp(names[i] + len - 4, ".pub") != 0)
            continue;
        free(path);
        if (!(path = ds__asprintf("%s/%s", v->keys_dir, names[i]))) {
            err = DS_ENOMEM;
            goto done;
        }
        if ((err = ds_public_key_load(&list[k], path)) < 0) {
            err = ds__error_set(DS_EINVALID, "trusted-keys/%s: %s", names[i], ds_error_last());
            goto done;
        }
        ds_public_key_id(list[k], kid);
        k++;
        if (len != 20 || strncmp(names[i], kid, 16) != 0) {
            err = ds__error_set(DS_EINVALID,
                                "trusted-keys/%s: holds key %s; the file must be named %s.pub",
                                names[i], kid, kid);
            goto done;
        }
    }
    *keys = list;
    *count = k;
    list = NULL;
done:
    ds_vault_keys_free(list, k);
    ds__free_names(names, n);
    free(path);
    return err;
}

int ds_vault_trust_key(ds_vault *v, const ds_public_key *key)
{
    char kid[DS_KEY_ID_HEX_SIZE];
    char *path = NULL, *text = NULL;
    ds_public_key *old = NULL;
    int err;

    ds_public_key_id(key, kid);
    if (!(path = ds__asprintf("%s/%s.pub", v->keys_dir, kid))) {
        err = DS_ENOMEM;
        goto done;
    }
    err = ds_public_key_load(&old, path);
    if (err == 0) {
        err = ds_public_key_equal(old, key)
                  ? 0
                  : ds__error_set(DS_EEXISTS,
                                  "trusted-keys/%s.pub: a different key with the same key id "
                                  "is already trusted",
                                  kid);
        goto done;
    }
    if (err != DS_ENOTFOUND)
        goto done;
    if ((err = ds__mkdirs(v->keys_dir, 0755)) < 0 ||
        (err = ds_public_key_format(&text, key, NULL)) < 0)
        goto done;
    err = ds__write_file_atomic(path, text, strlen(text), 0644, 1);
done:
    ds_public_key_free(old);
    free(text);
    free(path);
    return err;
}

/* --- init --- */

static int ds__create_empty(const char *path, unsigned mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
    if (fd < 0)
        return errno == EEXIST ? ds__error_set(DS_EEXISTS, "%s: already exists", path)
                               : ds__error_errno(DS_EIO, errno, path);
    if (fsync(fd) < 0) {
        int e = errno;
        close(fd);
        return ds__error_errno(DS_EIO, e, path);
    }
    close(fd);
    return 0;
}

int ds_vault_init(ds_vault **out, const char *dir, const ds_public_key *signer,
                  const ds_vault_init_options *opts)
{
    ds_vault_init_options o = DS_VAULT_INIT_OPTIONS_INIT;
    ds_vault *v = NULL;
    json_t *cfg = NULL;
    char *text = NULL, *abs_key = NULL;
    char tbuf[32];
    int64_t created;
    int err;

    if (out)
        *out = NULL;
    if (opts)
        o = *opts;
    if (o.compression_level == 0)
        o.compression_level = DS_VAULT_DEFAULT_LEVEL;
    if (o.compression_level < 1 || o.compression_level > 19)
        return ds__error_set(DS_EINVALID, "compression level %d is not 1..19", o.compression_level);
    if (!(v = ds__calloc(1, sizeof *v)))
        return DS_ENOMEM;
    if ((err = ds__vault_paths(v, dir)) < 0)
        goto done;
    if (ds__file_exists(v->config_path) || ds__file_exists(v->manifest_path)) {
        err = ds__error_set(DS_EEXISTS, "%s: already a docseal vault", dir);
        goto done;
    }
    if ((err = ds__mkdirs(dir, 0755)) < 0 || (err = ds__mkdirs(v->bundles_dir, 0755)) < 0 ||
        (err = ds__mkdirs(v->keys_dir, 0755)) < 0 || (err = ds__mkdirs(v->index_dir, 0755)) < 0)
        goto done;
    if (signer && (err = ds_vault_trust_key(v, signer)) < 0)
        goto done;
    if ((err = ds__create_empty(v->manifest_path, 0644)) < 0)
        goto done;
    if (!ds__file_exists(v->lock_path) && (err = ds__create_empty(v->lock_path, 0644)) < 0)
        goto done;
    if (o.key_path) {
        abs_key = realpath(o.key_path, NULL);
        if (!abs_key && !(abs_key = ds__strdup(o.key_path))) {
            err = DS_ENOMEM;
            goto done;
        }
    }
    created = o.created == DS_TIME_NOW ? ds__now() : o.created;
    ds__format_time(tbuf, created);
    cfg = json_object();
    if (!cfg || json_object_set_new(cfg, "format", json_string("docseal-vault")) ||
        json_object_set_new(cfg, "version", json_integer(DS_VAULT_FORMAT_VERSION)) ||
        json_object_set_new(cfg, "created", json_string(tbuf)) ||
        json_object_set_new(cfg, "key", abs_key ? json_string(abs_key) : json_null()) ||
        json_object_set_new(cfg, "compression_level", json_integer(o.compression_level))) {
        err = ds__error_oom();
        goto done;
    }
    if (!(text = json_dumps(cfg, JSON_INDENT(2)))) {
        err = ds__error_oom();
        goto done;
    }
    {
        size_t n = strlen(text);
        char *t2 = ds__realloc(text, n + 2);
        if (!t2) {
            err = DS_ENOMEM;
            goto done;
        }
        text = t2;
        text[n] = '\n';
        text[n + 1] = '\0';
    }
    if ((err = ds__write_file_atomic(v->config_path, text, strlen(text), 0644, 1)) < 0 ||
        (err = ds__fsync_dir(dir)) < 0)
        goto done;
    ds_vault_free(v);
    v = NULL;
    if (out)
        err = ds_vault_open(out, dir);
done:
    json_decref(cfg);
    free(text);
    free(abs_key);
    ds_vault_free(v);
    return err;
}
