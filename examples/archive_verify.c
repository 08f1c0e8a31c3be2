/*
 * archive_verify.c - archive a document in a new vault and verify the vault,
 * using only the public API of libdocseal (#include <docseal/docseal.h>).
 *
 * Usage: archive_verify FILE
 *
 * In a fresh temporary directory (under $TMPDIR, else /tmp) it
 *   1. generates an Ed25519 signing key and saves it (key/example.key and
 *      key/example.key.pub, unencrypted),
 *   2. creates a vault that trusts that key (vault/),
 *   3. adds FILE to the vault as one snapshot (normalized, content-hashed,
 *      sealed into a signed bundle, recorded in the manifest),
 *   4. reads the archived revision back,
 *   5. verifies the whole vault, expecting the head it just wrote,
 * prints what each step produced and the verification report, then removes
 * the temporary directory. The snapshot time is SOURCE_DATE_EPOCH when set,
 * else the current time.
 *
 * Exit status: 0 when the document was archived and the vault verified,
 * 1 when verification failed, 2 on an error (message on standard error).
 *
 * Build against an installed docseal: see README.md in this directory.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */

#include <docseal/docseal.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Remove one file or directory (nftw callback, children first). */
static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

/* Print a failed libdocseal call: every function returns 0 or a negative
 * DS_E... code and leaves a "<what>: <why>" message for ds_error_last(). */
static int fail(const char *what, int err)
{
    fprintf(stderr, "archive_verify: %s: %s (%s)\n", what, ds_error_last(), ds_status_name(err));
    return 2;
}

int main(int argc, char **argv)
{
    char tmpl[4096], key_path[4200], vault_dir[4200];
    const char *tmpdir = getenv("TMPDIR");
    const char *paths[1];
    ds_secret_key *key = NULL;
    ds_public_key *pub = NULL;
    ds_vault *vault = NULL;
    ds_vault_add_result *added = NULL;
    ds_vault_entry rev;
    ds_vault_rev latest = {DS_VAULT_REV_LATEST, 0, 0};
    ds_report *report = NULL;
    char *text = NULL, key_id[DS_KEY_ID_HEX_SIZE], when[32];
    size_t text_len = 0, i;
    int err, rc = 2, made_dir = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: archive_verify FILE\n");
        return 2;
    }
    printf("libdocseal %s\n", ds_version());

    /* A private working directory; everything below lives in it. */
    snprintf(tmpl, sizeof tmpl, "%s/docseal-example.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(tmpl)) {
        perror("archive_verify: mkdtemp");
        return 2;
    }
    made_dir = 1;
    snprintf(key_path, sizeof key_path, "%s/key/example.key", tmpl);
    snprintf(vault_dir, sizeof vault_dir, "%s/vault", tmpl);

    /* 1. A signing key. ds_secret_key_save() writes the PKCS#8 secret key
     *    (mode 0600) and the minisign public key next to it (.pub). A real
     *    archive would use a passphrase (third argument) and keep the key. */
    if ((err = ds_secret_key_generate(&key)) < 0) {
        rc = fail("generate key", err);
        goto done;
    }
    if ((err = ds_secret_key_save(key, key_path, NULL, NULL, 0)) < 0) {
        rc = fail("save key", err);
        goto done;
    }
    if ((err = ds_secret_key_public(&pub, key)) < 0) {
        rc = fail("public key", err);
        goto done;
    }
    ds_secret_key_id(key, key_id);
    printf("key id %s\n", key_id);

    /* 2. A vault: docseal.json records the key path; trusted-keys/ gets the
     *    public key, so the records and bundles it signs verify. */
    {
        ds_vault_init_options io = DS_VAULT_INIT_OPTIONS_INIT;
        io.key_path = key_path;
        if ((err = ds_vault_init(&vault, vault_dir, pub, &io)) < 0) {
            rc = fail("create vault", err);
            goto done;
        }
    }

    /* 3. One snapshot of one document. Its id is the file name without its
     *    extension unless the document names a canonical URL. */
    {
        ds_vault_add_options ao = DS_VAULT_ADD_OPTIONS_INIT;
        paths[0] = argv[1];
        if ((err = ds_vault_add(&added, vault, key, paths, 1, &ao)) < 0) {
            rc = fail("add", err);
            goto done;
        }
    }
    ds_vault_time_format(when, added->time);
    printf("snapshot %llu at %s\n", (unsigned long long)added->seq, when);
    printf("bundle %s\n", added->bundle);
    printf("head %s\n", added->record_hash);
    for (i = 0; i < added->doc_count; i++) {
        const ds_vault_added_doc *d = &added->docs[i];
        printf("document %s rev %u %s\n", d->id, d->revision, ds_doc_status_name(d->status));
        printf("  content sha256 %s\n", d->content_sha256);
        printf("  original sha256 %s\n", d->original_sha256);
    }

    /* 4. Read the latest revision back from its bundle: ds_vault_read()
     *    checks the bytes against the digest in the manifest record. */
    if ((err = ds_vault_resolve(&rev, vault, added->docs[0].id, &latest)) < 0 ||
        (err = ds_vault_read(&text, &text_len, vault, added->docs[0].id, &rev, 0)) < 0) {
        rc = fail("read back", err);
        goto done;
    }
    printf("read back %zu bytes of normalized text\n", text_len);

    /* 5. Verify everything: manifest chain, signatures, bundles, and that the
     *    manifest still contains the head we were given. */
    {
        ds_vault_verify_options vo = DS_VAULT_VERIFY_OPTIONS_INIT;
        vo.expect_head = added->record_hash;
        if ((err = ds_vault_verify(&report, vault, &vo)) < 0) {
            rc = fail("verify", err);
            goto done;
        }
    }
    for (i = 0; i < report->count; i++) {
        const ds_check *c = &report->checks[i];
        printf("%-4s %s%s%s: %s\n",
               c->result == DS_CHECK_PASS   ? "ok"
               : c->result == DS_CHECK_FAIL ? "FAIL"
                                            : "skip",
               c->name, c->subject ? " " : "", c->subject ? c->subject : "",
               c->detail ? c->detail : "");
    }
    if (ds_report_ok(report)) {
        printf("verification passed\n");
        rc = 0;
    } else {
        printf("verification FAILED (%zu checks)\n", report->failures);
        rc = 1;
    }

done:
    /* Every _free() accepts NULL, so one exit path releases everything. */
    ds_report_free(report);
    free(text);
    ds_vault_add_result_free(added);
    ds_vault_free(vault);
    ds_public_key_free(pub);
    ds_secret_key_free(key);
    if (made_dir && nftw(tmpl, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        perror("archive_verify: removing the temporary directory");
        rc = 2;
    }
    return rc;
}
