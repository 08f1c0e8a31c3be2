/*
 * minisig.c - minisign's public-key and signature text formats.
 *
 * Layouts (all integers are raw bytes; base64 is RFC 4648 with padding):
 *   public key line:  base64("Ed" || key id[8] || Ed25519 public key[32])  = 42 bytes
 *   signature line:   base64(alg[2] || key id[8] || signature[64])         = 74 bytes
 *                     alg "ED": signature = Ed25519(BLAKE2b-512(message))
 *                     alg "Ed": signature = Ed25519(message)  (legacy)
 *   global signature: base64(Ed25519(signature[64] || trusted comment))    = 64 bytes
 * A .minisig file is four lines: "untrusted comment: TEXT", the signature
 * line, "trusted comment: TEXT", the global signature line. See
 * docseal-formats(5), KEYS AND SIGNATURES.
 */
#include "sign_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define PUBKEY_BYTES 42
#define SIG_BYTES 74
#define PUBLIC_KEY_FILE_MAX 16384

static const char untrusted_prefix[] = "untrusted comment: ";
static const char trusted_prefix[] = "trusted comment: ";
static const char default_untrusted[] = "signature from docseal secret key";
#define PREFIX_LEN(p) (sizeof(p) - 1)

/* ---- base64 ---- */

int ds__b64_append(ds__buf *b, const unsigned char *in, size_t n)
{
    size_t need = 4 * ((n + 2) / 3);
    int err;
    if ((err = ds__buf_grow(b, need + 1)) < 0)
        return err;
    /* EVP_EncodeBlock takes an int length; our inputs are at most 74 bytes */
    EVP_EncodeBlock((unsigned char *)b->ptr + b->len, in, (int)n);
    b->len += need;
    b->ptr[b->len] = '\0';
    return 0;
}

static int b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

int ds__b64_decode_exact(unsigned char *out, size_t want, const char *s, size_t n, const char *what)
{
    unsigned char tmp[128], check[180];
    size_t i, pad = 0, got;
    int r;

    if (n == 0 || n % 4 != 0)
        return ds__error_set(DS_EINVALID,
                             "%s: not valid base64 (%zu characters, not a multiple of 4)", what, n);
    if (s[n - 1] == '=')
        pad = s[n - 2] == '=' ? 2 : 1;
    for (i = 0; i < n - pad; i++)
        if (!b64_char(s[i]))
            return ds__error_set(DS_EINVALID, "%s: not valid base64 (bad character at column %zu)",
                                 what, i + 1);
    got = n / 4 * 3 - pad;
    if (got != want)
        return ds__error_set(DS_EINVALID, "%s: decodes to %zu bytes, expected %zu", what, got,
                             want);
    /* want is small (at most 74), so n is at most 100 here */
    if (n / 4 * 3 > sizeof tmp)
        return ds__error_set(DS_EINVALID, "%s: too long", what);
    r = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
    if (r < 0 || (size_t)r != n / 4 * 3)
        return ds__error_set(DS_EINVALID, "%s: not valid base64", what);
    /* canonical form only: re-encoding must give the same text (rejects
     * non-zero unused bits, which would make two texts for one value) */
    EVP_EncodeBlock(check, tmp, (int)want);
    if (memcmp(check, s, n) != 0)
        return ds__error_set(DS_EINVALID, "%s: not canonical base64", what);
    memcpy(out, tmp, want);
    OPENSSL_cleanse(tmp, sizeof tmp);
    return 0;
}

/* ---- lines ---- */

typedef struct line_reader {
    const char *p, *end;
    unsigned no; /* number of the line last returned, from 1 */
} line_reader;

/*
 * The next line: its text without the '\n' and an optional '\r' before it.
 * Returns 1 with a line, 0 at the end of input. A line may not hold NUL or a
 * stray '\r' (DS_EINVALID, naming `what` and the line number).
 */
static int next_line(line_reader *lr, const char **line, size_t *len, const char *what)
{
    const char *nl, *q;
    size_t n = 0;

    if (lr->p >= lr->end)
        return 0;
    lr->no++;
    nl = memchr(lr->p, '\n', (size_t)(lr->end - lr->p));
    n = (size_t)((nl ? nl : lr->end) - lr->p);
    *line = lr->p;
    lr->p = nl ? nl + 1 : lr->end;
    if (n > 0 && (*line)[n - 1] == '\r')
        n--;
    for (q = *line; q < *line + n; q++)
        if (*q == '\0' || *q == '\r')
            return ds__error_set(DS_EINVALID, "%s: line %u holds a %s character", what, lr->no,
                                 *q ? "carriage return" : "NUL");
    *len = n;
    return 1;
}

/* Only line breaks may follow the last line. */
static int expect_end(line_reader *lr, const char *what)
{
    const char *q;
    for (q = lr->p; q < lr->end; q++)
        if (*q != '\n' && *q != '\r')
            return ds__error_set(DS_EINVALID, "%s: unexpected data after line %u", what, lr->no);
    return 0;
}

static int comment_check(const char *text, size_t max, const char *what)
{
    size_t n = strlen(text);
    if (strpbrk(text, "\r\n"))
        return ds__error_set(DS_EINVALID, "%s holds a line break", what);
    if (n > max)
        return ds__error_set(DS_EINVALID, "%s is %zu bytes long; the limit is %zu", what, n, max);
    return 0;
}

/* ---- public keys ---- */

int ds_public_key_format(char **out, const ds_public_key *key, const char *comment)
{
    ds__buf b = DS__BUF_INIT;
    unsigned char raw[PUBKEY_BYTES];
    char hex[DS_KEY_ID_HEX_SIZE];
    int err;

    *out = NULL;
    if (comment &&
        (err = comment_check(comment, DS__UNTRUSTED_COMMENT_MAX, "public key comment")) < 0)
        return err;
    ds__key_id_hex(hex, key->key_id);
    memcpy(raw, "Ed", 2);
    memcpy(raw + 2, key->key_id, DS__KEY_ID_SIZE);
    memcpy(raw + 2 + DS__KEY_ID_SIZE, key->pk, DS__PK_SIZE);
    if ((err = ds__buf_puts(&b, untrusted_prefix)) < 0 ||
        (err = comment ? ds__buf_puts(&b, comment)
                       : ds__buf_printf(&b, "minisign public key %s", hex)) < 0 ||
        (err = ds__buf_putc(&b, '\n')) < 0 || (err = ds__b64_append(&b, raw, sizeof raw)) < 0 ||
        (err = ds__buf_putc(&b, '\n')) < 0) {
        ds__buf_free(&b);
        return err;
    }
    *out = ds__buf_detach(&b);
    return 0;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int public_key_parse(ds_public_key **out, const char *text, size_t len, const char *what)
{
    line_reader lr = {text, text + len, 0};
    unsigned char raw[PUBKEY_BYTES];
    const char *line;
    size_t n = 0;
    int err;

    *out = NULL;
    if (len >= PREFIX_LEN("untrusted comment:") &&
        memcmp(text, "untrusted comment:", PREFIX_LEN("untrusted comment:")) == 0) {
        /* a .pub file: the comment line, then the key line */
        if ((err = next_line(&lr, &line, &n, what)) < 0)
            return err;
        if ((err = next_line(&lr, &line, &n, what)) < 0)
            return err;
        if (err == 0)
            return ds__error_set(DS_EINVALID, "%s: the public key line is missing", what);
        if ((err = expect_end(&lr, what)) < 0)
            return err;
    } else {
        /* the base64 line alone, blanks around it allowed */
        line = text;
        n = len;
        while (n > 0 && is_blank(*line))
            line++, n--;
        while (n > 0 && is_blank(line[n - 1]))
            n--;
        if (memchr(line, '\n', n))
            return ds__error_set(DS_EINVALID,
                                 "%s: not a minisign public key (expected an 'untrusted "
                                 "comment:' line or a single base64 line)",
                                 what);
    }
    if ((err = ds__b64_decode_exact(raw, sizeof raw, line, n, what)) < 0)
        return err;
    if (memcmp(raw, "Ed", 2) != 0)
        return ds__error_set(
            DS_EUNSUPPORTED,
            "%s: unsupported public key algorithm (0x%02x%02x; only 'Ed' is known)", what, raw[0],
            raw[1]);
    return ds__public_key_new(out, raw + 2 + DS__KEY_ID_SIZE, raw + 2);
}

int ds_public_key_parse(ds_public_key **out, const char *text, size_t len)
{
    return public_key_parse(out, text, len, "minisign public key");
}

int ds_public_key_load(ds_public_key **out, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    int err;

    *out = NULL;
    err = ds__read_file(&text, &len, path, PUBLIC_KEY_FILE_MAX);
    if (err == DS_ELIMIT)
        err = ds__error_set(DS_EINVALID, "%s: too large for a public key file (over %d bytes)",
                            ds__display_name(path), PUBLIC_KEY_FILE_MAX);
    if (err == 0)
        err = public_key_parse(out, text, len, ds__display_name(path));
    free(text);
    return err;
}

/* ---- signatures ---- */

typedef struct minisig {
    unsigned char raw[SIG_BYTES]; /* alg[2] || key id[8] || signature[64] */
    unsigned char global[DS_ED25519_SIG_SIZE];
    const char *trusted; /* points into the input text */
    size_t trusted_len;
} minisig;

#define SIG_ALG(m) ((m)->raw)
#define SIG_KEY_ID(m) ((m)->raw + 2)
#define SIG_SIG(m) ((m)->raw + 2 + DS__KEY_ID_SIZE)

static int minisig_parse(minisig *m, const char *text, size_t len)
{
    static const char what[] = "minisign signature";
    line_reader lr = {text, text + len, 0};
    const char *line;
    size_t n = 0;
    int err;

    memset(m, 0, sizeof *m);
    /* line 1: untrusted comment */
    if ((err = next_line(&lr, &line, &n, what)) < 0)
        return err;
    if (err == 0)
        return ds__error_set(DS_EINVALID, "%s: empty", what);
    if (n < PREFIX_LEN(untrusted_prefix) ||
        memcmp(line, untrusted_prefix, PREFIX_LEN(untrusted_prefix)) != 0)
        return ds__error_set(DS_EINVALID, "%s: line 1 does not start with \"%s\"", what,
                             untrusted_prefix);
    if (n - PREFIX_LEN(untrusted_prefix) > DS__UNTRUSTED_COMMENT_MAX)
        return ds__error_set(DS_EINVALID, "%s: the untrusted comment is longer than %d bytes", what,
                             DS__UNTRUSTED_COMMENT_MAX);
    /* line 2: algorithm, key id, signature */
    if ((err = next_line(&lr, &line, &n, what)) < 0)
        return err;
    if (err == 0)
        return ds__error_set(DS_EINVALID, "%s: the signature line (line 2) is missing", what);
    if ((err = ds__b64_decode_exact(m->raw, SIG_BYTES, line, n, "minisign signature: line 2")) < 0)
        return err;
    /* line 3: trusted comment */
    if ((err = next_line(&lr, &line, &n, what)) < 0)
        return err;
    if (err == 0)
        return ds__error_set(DS_EINVALID, "%s: the trusted comment line (line 3) is missing", what);
    if (n < PREFIX_LEN(trusted_prefix) ||
        memcmp(line, trusted_prefix, PREFIX_LEN(trusted_prefix)) != 0)
        return ds__error_set(DS_EINVALID, "%s: line 3 does not start with \"%s\"", what,
                             trusted_prefix);
    m->trusted = line + PREFIX_LEN(trusted_prefix);
    m->trusted_len = n - PREFIX_LEN(trusted_prefix);
    if (m->trusted_len > DS__TRUSTED_COMMENT_MAX)
        return ds__error_set(DS_EINVALID, "%s: the trusted comment is longer than %d bytes", what,
                             DS__TRUSTED_COMMENT_MAX);
    /* line 4: global signature */
    if ((err = next_line(&lr, &line, &n, what)) < 0)
        return err;
    if (err == 0)
        return ds__error_set(DS_EINVALID, "%s: the global signature line (line 4) is missing",
                             what);
    if ((err = ds__b64_decode_exact(m->global, DS_ED25519_SIG_SIZE, line, n,
                                    "minisign signature: line 4")) < 0)
        return err;
    return expect_end(&lr, what);
}

int ds_minisig_key_id(const char *sig, size_t sig_len, char hex[DS_KEY_ID_HEX_SIZE])
{
    minisig m;
    int err;
    hex[0] = '\0';
    if ((err = minisig_parse(&m, sig, sig_len)) < 0)
        return err;
    ds__key_id_hex(hex, SIG_KEY_ID(&m));
    return 0;
}

int ds_minisig_sign(char **out, const ds_secret_key *key, const void *msg, size_t len,
                    const char *trusted_comment, const char *untrusted_comment)
{
    unsigned char raw[SIG_BYTES], global[DS_ED25519_SIG_SIZE], hash[DS__BLAKE2B_SIZE];
    unsigned char *sig_and_comment = NULL;
    size_t tlen;
    ds__buf b = DS__BUF_INIT;
    int err;

    *out = NULL;
    if (!untrusted_comment)
        untrusted_comment = default_untrusted;
    if (!trusted_comment)
        trusted_comment = "";
    if ((err = comment_check(untrusted_comment, DS__UNTRUSTED_COMMENT_MAX,
                             "minisign signature: the untrusted comment")) < 0 ||
        (err = comment_check(trusted_comment, DS__TRUSTED_COMMENT_MAX,
                             "minisign signature: the trusted comment")) < 0)
        return err;
    tlen = strlen(trusted_comment);
    memcpy(raw, "ED", 2);
    memcpy(raw + 2, key->key_id, DS__KEY_ID_SIZE);
    if ((err = ds__blake2b512(hash, msg, len, NULL, 0)) < 0 ||
        (err = ds__ed25519_sign(raw + 2 + DS__KEY_ID_SIZE, key->pkey, hash, sizeof hash)) < 0)
        goto done;
    if (!(sig_and_comment = ds__malloc(DS_ED25519_SIG_SIZE + tlen))) {
        err = DS_ENOMEM;
        goto done;
    }
    memcpy(sig_and_comment, raw + 2 + DS__KEY_ID_SIZE, DS_ED25519_SIG_SIZE);
    memcpy(sig_and_comment + DS_ED25519_SIG_SIZE, trusted_comment, tlen);
    if ((err = ds__ed25519_sign(global, key->pkey, sig_and_comment, DS_ED25519_SIG_SIZE + tlen)) <
        0)
        goto done;
    if ((err = ds__buf_puts(&b, untrusted_prefix)) < 0 ||
        (err = ds__buf_puts(&b, untrusted_comment)) < 0 || (err = ds__buf_putc(&b, '\n')) < 0 ||
        (err = ds__b64_append(&b, raw, sizeof raw)) < 0 || (err = ds__buf_putc(&b, '\n')) < 0 ||
        (err = ds__buf_puts(&b, trusted_prefix)) < 0 ||
        (err = ds__buf_put(&b, trusted_comment, tlen)) < 0 || (err = ds__buf_putc(&b, '\n')) < 0 ||
        (err = ds__b64_append(&b, global, sizeof global)) < 0 || (err = ds__buf_putc(&b, '\n')) < 0)
        goto done;
    *out = ds__buf_detach(&b);
done:
    free(sig_and_comment);
    ds__buf_free(&b);
    return err;
}

int ds_minisig_verify(const ds_public_key *key, const void *msg, size_t len, const char *sig,
                      size_t sig_len, char **trusted_comment_out)
{
    minisig m;
    unsigned char hash[DS__BLAKE2B_SIZE];
    unsigned char *sig_and_comment = NULL;
    int err, rc;

    if (trusted_comment_out)
        *trusted_comment_out = NULL;
    if ((err = minisig_parse(&m, sig, sig_len)) < 0)
        return err;
    if (memcmp(SIG_ALG(&m), "ED", 2) != 0 && memcmp(SIG_ALG(&m), "Ed", 2) != 0) {
        unsigned char a = SIG_ALG(&m)[0], b = SIG_ALG(&m)[1];
        if (a >= 0x21 && a < 0x7f && b >= 0x21 && b < 0x7f)
            return ds__error_set(DS_EUNSUPPORTED,
                                 "minisign signature: unsupported algorithm \"%c%c\" (known: "
                                 "\"ED\", \"Ed\")",
                                 a, b);
        return ds__error_set(DS_EUNSUPPORTED,
                             "minisign signature: unsupported algorithm 0x%02x%02x (known: "
                             "\"ED\", \"Ed\")",
                             a, b);
    }
    if (memcmp(SIG_KEY_ID(&m), key->key_id, DS__KEY_ID_SIZE) != 0) {
        char have[DS_KEY_ID_HEX_SIZE], want[DS_KEY_ID_HEX_SIZE];
        ds__key_id_hex(have, SIG_KEY_ID(&m));
        ds__key_id_hex(want, key->key_id);
        return ds__error_set(DS_EINTEGRITY, "signature key id %s does not match public key %s",
                             have, want);
    }
    if (SIG_ALG(&m)[1] == 'D') {
        if ((err = ds__blake2b512(hash, msg, len, NULL, 0)) < 0)
            return err;
        rc = ds__ed25519_check(key->pkey, SIG_SIG(&m), hash, sizeof hash);
    } else {
        rc = ds__ed25519_check(key->pkey, SIG_SIG(&m), msg, len);
    }
    if (rc < 0)
        return rc;
    if (rc == 0)
        return ds__error_set(DS_EINTEGRITY,
                             "minisign signature: signature verification failed (the message "
                             "or the signature was altered, or another key signed it)");
    if (!(sig_and_comment = ds__malloc(DS_ED25519_SIG_SIZE + m.trusted_len)))
        return DS_ENOMEM;
    memcpy(sig_and_comment, SIG_SIG(&m), DS_ED25519_SIG_SIZE);
    if (m.trusted_len)
        memcpy(sig_and_comment + DS_ED25519_SIG_SIZE, m.trusted, m.trusted_len);
    rc = ds__ed25519_check(key->pkey, m.global, sig_and_comment,
                           DS_ED25519_SIG_SIZE + m.trusted_len);
    free(sig_and_comment);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return ds__error_set(DS_EINTEGRITY,
                             "minisign signature: trusted comment signature verification failed "
                             "(the trusted comment was altered)");
    if (trusted_comment_out && !(*trusted_comment_out = ds__strndup(m.trusted, m.trusted_len)))
        return DS_ENOMEM;
    return 0;
}
