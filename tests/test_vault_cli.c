/* test_vault_cli.c - the vault commands' --help against their man pages, and
 * exact outputs that the shell tests do not pin. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

/* Every long option in --help is in the man page. */
static void help_matches_man(const char *cmd, const char *man, size_t min_options)
{
    char *out = NULL, *err = NULL, *page = tu_read(tu_src(man), NULL), *p;
    size_t options = 0;
    cr_assert_eq(tu_run(&out, &err, "%s --help", cmd), 0);
    for (p = strstr(out, "--"); p; p = strstr(p + 2, "--")) {
        char name[64], roff[160];
        size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-"), i, k;
        cr_assert_lt(n, sizeof name);
        memcpy(name, p + 2, n);
        name[n] = '\0';
        k = (size_t)snprintf(roff, sizeof roff, "\\-\\-");
        for (i = 0; i < n; i++) {
            if (name[i] == '-')
                roff[k++] = '\\';
            roff[k++] = name[i];
        }
        roff[k] = '\0';
        cr_expect_not_null(strstr(page, roff), "%s: --%s not in %s", cmd, name, man);
        options++;
    }
    cr_assert_geq(options, min_options, "%s: only %zu options in --help", cmd, options);
    free(out);
    free(err);
    free(page);
}

Test(vault_cli, help_and_man_pages)
{
    help_matches_man("init", "man/docseal-init.1", 4);
    help_matches_man("add", "man/docseal-add.1", 12);
    help_matches_man("log", "man/docseal-log.1", 5);
    help_matches_man("show", "man/docseal-show.1", 4);
    help_matches_man("repair", "man/docseal-repair.1", 3);
}

Test(vault_cli, help_text_of_show)
{
    char *out = NULL, *err = NULL;
    cr_assert_eq(tu_run(&out, &err, "show --help"), 0);
    cr_assert_str_eq(out, "Usage: docseal show [OPTIONS] ID[@REV]\n"
                          "print the normalized text (or original) of a revision\n\n"
                          "Options:\n"
                          "      --rev REV                the revision: N, latest, ~N, a date "
                          "YYYY-MM-DD or an RFC 3339 time\n"
                          "      --original               print the original bytes, not the text\n"
                          "      --json                   print the revision and its text as JSON\n"
                          "      --help                   show this help and exit\n\n"
                          "Global options (before or after show):\n"
                          "  -C, --vault VAULT            use the vault in VAULT (default: "
                          "$DOCSEAL_VAULT,\n"
                          "                               else the nearest vault above the "
                          "working directory)\n"
                          "      --color[=WHEN]           colour output: auto (default), always, "
                          "never\n"
                          "  -q, --quiet                  print only results and errors\n"
                          "  -v, --verbose                say more (repeat for more)\n\n"
                          "Exit status: 0 success, 1 negative result, 2 error.\n");
    free(out);
    free(err);
}

Test(vault_cli, no_vault_anywhere)
{
    char *out = NULL, *err = NULL, *dir = tu_tmpdir(), want[1024];
    cr_assert_eq(tu_run(&out, &err, "-C %s/none log", dir), 2);
    snprintf(want, sizeof want, "docseal: %s/none: No such file or directory\n", dir);
    cr_assert_str_eq(err, want);
    cr_assert_str_eq(out, "");
    free(out);
    free(err);
    cr_assert_eq(tu_run(&out, &err, "-C %s/none verify", dir), 2);
    cr_assert_str_eq(err, want);
    free(out);
    free(err);
    /* an existing directory that holds no vault */
    cr_assert_eq(tu_run(&out, &err, "-C %s log", dir), 2);
    snprintf(want, sizeof want, "docseal: %s: not a docseal vault (no docseal.json)\n", dir);
    cr_assert_str_eq(err, want);
    free(out);
    free(err);
    remove(dir);
    free(dir);
}
