/*
 * normdate.c - date lines of norm-1 (docseal-formats(5), NORMALIZED TEXT).
 *
 * A date line is a paragraph that is only a date as articles print it:
 *
 *     [WEEKDAY[.][,] ]DATE[ TIME]
 *     DATE  = YYYY-MM-DD | NN-NN-YYYY            (separator '-', '/' or '.', the same twice)
 *           | D[ord][.] MONTH[,] YYYY            ("11 January 2018", "11th Jan. 2018")
 *           | MONTH D[ord][,] YYYY               ("January 11, 2018", "Jan. 11 2018")
 *     TIME  = ("T" | [","] " " ["at " | "- " | "| " | "@ "]) H[H]:MM[:SS[.fff]]
 *             [[" "]am|pm|a.m.|p.m.] [[" "](Z | +HH[:]MM | -HH[:]MM | UTC | GMT | ZONE)]
 *
 * English month and weekday names (full, three-letter, "Sept", "Tues",
 * "Thur", "Thurs"), case-insensitive. The ISO date is given only when the
 * calendar date is valid and unambiguous (see ds__date_line()).
 */
#include "normalize_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct cur {
    const char *s;
    size_t n, i;
} cur;

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int peek(const cur *c)
{
    return c->i < c->n ? (unsigned char)c->s[c->i] : -1;
}

static int eat(cur *c, int ch)
{
    if (peek(c) == ch) {
        c->i++;
        return 1;
    }
    return 0;
}

/* Case-insensitive word w at the cursor, not followed by a letter. */
static int word(cur *c, const char *w)
{
    size_t k = strlen(w), j;
    if (c->n - c->i < k)
        return 0;
    for (j = 0; j < k; j++)
        if (lower((unsigned char)c->s[c->i + j]) != w[j])
            return 0;
    if (c->i + k < c->n && is_alpha((unsigned char)c->s[c->i + k]))
        return 0;
    c->i += k;
    return 1;
}

/* A run of digits whose length is in [min, max]. */
static int number(cur *c, size_t min, size_t max, int *v)
{
    size_t j = c->i;
    int x = 0;
    while (j < c->n && is_digit((unsigned char)c->s[j]) && j - c->i <= max) {
        if (x < 100000000)
            x = x * 10 + (c->s[j] - '0');
        j++;
    }
    if (j - c->i < min || j - c->i > max)
        return 0;
    c->i = j;
    *v = x;
    return 1;
}

static int month(cur *c)
{
    static const char *const full[] = {"january",   "february", "march",    "april",
                                       "may",       "june",     "july",     "august",
                                       "september", "october",  "november", "december"};
    static const char *const abbr[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
    int m;
    for (m = 0; m < 12; m++)
        if (word(c, full[m]))
            return m + 1;
    if (word(c, "sept")) {
        eat(c, '.');
        return 9;
    }
    for (m = 0; m < 12; m++) {
        if (word(c, abbr[m])) {
            eat(c, '.');
            return m + 1;
        }
    }
    return 0;
}

static int weekday(cur *c)
{
    static const char *const names[] = {"monday",   "tuesday", "wednesday", "thursday", "friday",
                                        "saturday", "sunday",  "tues",      "thurs",    "thur",
                                        "mon",      "tue",     "wed",       "thu",      "fri",
                                        "sat",      "sun"};
    size_t k;
    for (k = 0; k < sizeof names / sizeof *names; k++) {
        if (word(c, names[k])) {
            eat(c, '.');
            return 1;
        }
    }
    return 0;
}

static void ordinal(cur *c)
{
    if (!word(c, "st") && !word(c, "nd") && !word(c, "rd"))
        word(c, "th");
}

static int valid_date(int y, int m, int d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

static int zone(cur *c)
{
    size_t save = c->i, k;
    int v;
    if (eat(c, 'Z'))
        return 1;
    if (word(c, "utc") || word(c, "gmt")) {
        save = c->i;
        if (eat(c, '+') || eat(c, '-')) {
            if (!number(c, 1, 2, &v)) {
                c->i = save;
                return 1;
            }
            if (eat(c, ':') && !number(c, 2, 2, &v))
                return 0;
        }
        return 1;
    }
    if (eat(c, '+') || eat(c, '-')) {
        if (number(c, 4, 4, &v))
            return 1;
        if (!number(c, 2, 2, &v))
            return 0;
        if (eat(c, ':') && !number(c, 2, 2, &v))
            return 0;
        return 1;
    }
    /* an abbreviation of 2 to 5 capital letters: EST, CEST, BST, ... */
    for (k = 0; k < 6 && c->i + k < c->n && c->s[c->i + k] >= 'A' && c->s[c->i + k] <= 'Z'; k++)
        ;
    if (k >= 2 && k <= 5 && !(c->i + k < c->n && is_alpha((unsigned char)c->s[c->i + k]))) {
        c->i += k;
        return 1;
    }
    c->i = save;
    return 0;
}

/* H[H]:MM[:SS[.fff]] [am/pm] [zone], to the end of the line. */
static int time_of_day(cur *c)
{
    int h, m, s, ampm = 0;
    size_t save;
    if (!number(c, 1, 2, &h) || !eat(c, ':') || !number(c, 2, 2, &m) || m > 59)
        return 0;
    if (eat(c, ':')) {
        if (!number(c, 2, 2, &s) || s > 60)
            return 0;
        if (eat(c, '.') && !number(c, 1, 9, &s))
            return 0;
    }
    save = c->i;
    eat(c, ' ');
    if (word(c, "am") || word(c, "pm") || word(c, "a.m.") || word(c, "p.m."))
        ampm = 1;
    else
        c->i = save;
    if (ampm ? (h < 1 || h > 12) : h > 23)
        return 0;
    if (c->i == c->n)
        return 1;
    save = c->i;
    eat(c, ' ');
    if (zone(c) && c->i == c->n)
        return 1;
    c->i = save;
    return 0;
}

int ds__date_line(const char *s, size_t len, ds_date_order order, char iso[11])
{
    cur c = {s, len, 0};
    int y = 0, m = 0, d = 0, a = 0, b = 0, ymd = 0, numeric = 0, ok;

    iso[0] = '\0';
    if (len < 8 || len > 80 || !s)
        return 0;
    if (weekday(&c)) {
        eat(&c, ',');
        if (!eat(&c, ' '))
            return 0;
    }
    if (is_digit(peek(&c))) {
        size_t start = c.i;
        if (number(&c, 4, 4, &y)) {
            int sep = peek(&c);
            if (sep != '-' && sep != '/' && sep != '.')
                return 0;
            c.i++;
            if (!number(&c, 1, 2, &m) || !eat(&c, sep) || !number(&c, 1, 2, &d))
                return 0;
            ymd = numeric = 1;
        } else {
            int sep;
            c.i = start;
            if (!number(&c, 1, 2, &a))
                return 0;
            sep = peek(&c);
            if (sep == '-' || sep == '/' || sep == '.') {
                size_t save = c.i;
                c.i++;
                if (number(&c, 1, 2, &b) && eat(&c, sep) && number(&c, 4, 4, &y)) {
                    numeric = 1;
                } else {
                    c.i = save; /* "11. January 2018" */
                }
            }
            if (!numeric) {
                d = a;
                ordinal(&c);
                eat(&c, '.');
                if (!eat(&c, ' ') || !(m = month(&c)))
                    return 0;
                eat(&c, ',');
                if (!eat(&c, ' ') || !number(&c, 4, 4, &y))
                    return 0;
            }
        }
    } else {
        if (!(m = month(&c)) || !eat(&c, ' ') || !number(&c, 1, 2, &d))
            return 0;
        ordinal(&c);
        eat(&c, ',');
        if (!eat(&c, ' ') || !number(&c, 4, 4, &y))
            return 0;
    }
    if (c.i < c.n) {
        /* a time of day */
        if (ymd && eat(&c, 'T')) {
            if (!time_of_day(&c))
                return 0;
        } else {
            eat(&c, ',');
            if (!eat(&c, ' '))
                return 0;
            if (word(&c, "at") || eat(&c, '-') || eat(&c, '|') || eat(&c, '@')) {
                if (!eat(&c, ' '))
                    return 0;
            }
            if (!time_of_day(&c))
                return 0;
        }
    }
    if (c.i != c.n)
        return 0;

    if (numeric && !ymd) {
        int mdy = valid_date(y, a, b), dmy = valid_date(y, b, a);
        if (mdy && dmy && a != b) {
            if (order == DS_DATE_ORDER_MDY)
                m = a, d = b;
            else if (order == DS_DATE_ORDER_DMY)
                m = b, d = a;
            else
                return 1; /* ambiguous */
        } else if (mdy) {
            m = a, d = b;
        } else if (dmy) {
            m = b, d = a;
        } else {
            return 1; /* a date line, but not a calendar date */
        }
    }
    ok = valid_date(y, m, d) && y <= 9999;
    if (ok)
        snprintf(iso, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
                 (unsigned)d % 100u);
    return 1;
}
