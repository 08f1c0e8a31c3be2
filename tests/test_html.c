/* test_html.c - the HTML article extractor: metadata sources, furniture
 * removal, block conventions, character sets, hostile input. Pages are
 * small and written here; every expectation is exact. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "docseal/docseal.h"
#include "html_internal.h"
#include "testutil.h"

static ds__html_article *extract_n(const char *page, size_t len)
{
    ds__html_article *a = NULL;
    int err = ds__html_extract(&a, page, len, "page.html");
    cr_assert_eq(err, 0, "extract failed: %s", ds_error_last());
    cr_assert_not_null(a);
    return a;
}

static ds__html_article *extract(const char *page)
{
    return extract_n(page, strlen(page));
}

/* Blocks joined with "\n" (static buffer). */
static const char *body(const ds__html_article *a)
{
    static char buf[1 << 16];
    size_t i, o = 0;
    buf[0] = '\0';
    for (i = 0; i < a->block_count; i++) {
        size_t l = strlen(a->blocks[i]);
        cr_assert_lt(o + l + 2, sizeof(buf));
        if (i > 0)
            buf[o++] = '\n';
        memcpy(buf + o, a->blocks[i], l);
        o += l;
        buf[o] = '\0';
    }
    return buf;
}

#define STR_OR_NULL(x) ((x) != NULL ? (x) : "(null)")

/* An article body long enough to be found, around the given furniture. */
#define P1                                                                                         \
    "<p>The council voted on Tuesday to close the old bridge, citing a report that found cracks "  \
    "in two of its piers.</p>"
#define P2                                                                                         \
    "<p>Engineers said repairs would cost more than a new crossing, and the mayor agreed, "        \
    "although residents objected.</p>"
#define P3                                                                                         \
    "<p>A temporary ferry will run from March, the council said, until the new bridge opens in "   \
    "two years' time.</p>"
#define BODY P1 P2 P3
#define BODY_TEXT                                                                                  \
    "The council voted on Tuesday to close the old bridge, citing a report that found cracks in "  \
    "two of its piers.\n"                                                                          \
    "Engineers said repairs would cost more than a new crossing, and the mayor agreed, although "  \
    "residents objected.\n"                                                                        \
    "A temporary ferry will run from March, the council said, until the new bridge opens in two "  \
    "years' time."

/* ---- metadata sources ---- */

Test(html_meta, og_title_beats_title_element)
{
    ds__html_article *a =
        extract("<html><head><title>Bridge to close | The Daily</title>"
                "<meta property=\"og:title\" content=\"Old bridge to close\"></head>"
                "<body><article>" BODY "</article></body></html>");
    cr_assert_str_eq(a->title, "Old bridge to close");
    cr_assert_str_eq(body(a), BODY_TEXT);
    ds__html_article_free(a);
}

Test(html_meta, jsonld_headline_author_dates_graph)
{
    ds__html_article *a = extract(
        "<html><head><meta property=\"og:title\" content=\"OG title\">"
        "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@graph\":["
        "{\"@type\":\"WebSite\",\"name\":\"The Daily\"},"
        "{\"@type\":\"NewsArticle\",\"headline\":\"Old bridge to close\","
        "\"author\":[{\"@type\":\"Person\",\"name\":\"Ann Lee\"},{\"name\":\"Bo Chen\"}],"
        "\"datePublished\":\"2019-11-18T10:20:30.000+01:00\","
        "\"dateModified\":\"2019-11-19T08:00:00Z\","
        "\"publisher\":{\"@type\":\"Organization\",\"name\":\"The Daily\"}}]}</script>"
        "</head><body><article>" BODY "</article></body></html>");
    cr_assert_str_eq(a->title, "Old bridge to close");
    cr_assert_str_eq(a->byline, "Ann Lee, Bo Chen");
    cr_assert_str_eq(a->published_raw, "2019-11-18T10:20:30.000+01:00");
    cr_assert_str_eq(a->published, "2019-11-18T10:20:30+01:00");
    cr_assert_str_eq(a->modified, "2019-11-19T08:00:00Z");
    cr_assert_str_eq(a->site_name, "The Daily");
    ds__html_article_free(a);
}

Test(html_meta, jsonld_in_cdata_with_raw_newlines)
{
    ds__html_article *a =
        extract("<html><head><script type=\"application/ld+json\">\n<![CDATA[\n"
                "{\"@type\":\"Article\",\"headline\":\"A line\nbreak\",\"author\":\"Jo Park\"}\n"
                "]]></script></head><body>" BODY "</body></html>");
    cr_assert_str_eq(a->title, "A line break");
    cr_assert_str_eq(a->byline, "Jo Park");
    ds__html_article_free(a);
}

Test(html_meta, twitter_title_and_dc_title)
{
    ds__html_article *a = extract("<html><head><title>x</title>"
                                  "<meta name=\"twitter:title\" content=\"Twitter title\">"
                                  "</head><body>" BODY "</body></html>");
    cr_assert_str_eq(a->title, "Twitter title");
    ds__html_article_free(a);
    a = extract("<html><head><meta name=\"twitter:title\" content=\"Twitter title\">"
                "<meta property=\"dc:title\" content=\"DC title\"></head><body>" BODY
                "</body></html>");
    cr_assert_str_eq(a->title, "DC title");
    ds__html_article_free(a);
}

Test(html_meta, title_element_site_suffix_removed)
{
    ds__html_article *a =
        extract("<html><head><title>Old bridge to close for good | The Daily</title>"
                "<meta property=\"og:site_name\" content=\"The Daily\"></head>"
                "<body>" BODY "</body></html>");
    cr_assert_str_eq(a->title, "Old bridge to close for good");
    cr_assert_str_eq(a->site_name, "The Daily");
    ds__html_article_free(a);
    /* no site name known: a short last part goes */
    a = extract("<html><head><title>Old bridge to close for good - Daily News</title></head>"
                "<body>" BODY "</body></html>");
    cr_assert_str_eq(a->title, "Old bridge to close for good");
    ds__html_article_free(a);
    /* the <h1> the title starts with */
    a = extract("<html><head><title>Old bridge to close - Local - The Daily Chronicle</title>"
                "</head><body><h1>Old bridge to close</h1>" BODY "</body></html>");
    cr_assert_str_eq(a->title, "Old bridge to close");
    ds__html_article_free(a);
}

Test(html_meta, h1_when_nothing_else)
{
    ds__html_article *a = extract("<html><body><h1>Old bridge to close</h1>" BODY "</body></html>");
    cr_assert_str_eq(a->title, "Old bridge to close");
    /* the headline is not repeated in the body */
    cr_assert_str_eq(body(a), BODY_TEXT);
    ds__html_article_free(a);
}

Test(html_meta, double_escaped_references_decoded)
{
    ds__html_article *a = extract(
        "<html><head><meta property=\"og:title\" content=\"Fee of &amp;#163;71m &amp;amp; more\">"
        "</head><body>" BODY "</body></html>");
    cr_assert_str_eq(a->title, "Fee of \xc2\xa3"
                               "71m & more");
    ds__html_article_free(a);
}

Test(html_meta, byline_sources)
{
    ds__html_article *a;
    a = extract("<html><head><meta name=\"author\" content=\"Ann Lee\">"
                "<meta property=\"article:author\" content=\"https://x.example/ann\"></head>"
                "<body>" BODY "</body></html>");
    cr_assert_str_eq(a->byline, "Ann Lee");
    ds__html_article_free(a);
    a = extract("<html><head><meta property=\"article:author\" content=\"https://x.example/ann\">"
                "</head><body><p class=\"byline\">By Ann Lee</p>" BODY "</body></html>");
    cr_assert_str_eq(a->byline, "Ann Lee");
    cr_assert_str_eq(body(a), BODY_TEXT); /* the byline is not body text */
    ds__html_article_free(a);
    a = extract("<html><body><div><a rel=\"author\" href=\"/ann\">Ann Lee</a></div>" BODY
                "</body></html>");
    cr_assert_str_eq(a->byline, "Ann Lee");
    ds__html_article_free(a);
    a = extract("<html><body><span itemprop=\"author\" itemscope>"
                "<span itemprop=\"name\">Ann Lee</span></span>" BODY "</body></html>");
    cr_assert_str_eq(a->byline, "Ann Lee");
    ds__html_article_free(a);
    /* a byline in the navigation is someone else's */
    a = extract("<html><body><nav><span class=\"byline\">Other Writer</span></nav>" BODY
                "</body></html>");
    cr_assert_null(a->byline);
    ds__html_article_free(a);
}

Test(html_meta, published_sources_and_iso_form)
{
    ds__html_article *a;
    a = extract("<html><head><meta property=\"article:published_time\" "
                "content=\"2021-11-01T10:52:50+0100\"></head><body>" BODY "</body></html>");
    cr_assert_str_eq(a->published_raw, "2021-11-01T10:52:50+0100");
    cr_assert_str_eq(a->published, "2021-11-01T10:52:50+01:00");
    ds__html_article_free(a);
    a = extract("<html><head><meta name=\"parsely-pub-date\" content=\"2024-04-20T04:20:00.000Z\">"
                "</head><body>" BODY "</body></html>");
    cr_assert_str_eq(a->published, "2024-04-20T04:20:00Z");
    ds__html_article_free(a);
    a = extract("<html><body><time datetime=\"2017-11-03 03:01:00.000000\">Nov 3</time>" BODY
                "</body></html>");
    cr_assert_str_eq(a->published_raw, "2017-11-03 03:01:00.000000");
    cr_assert_str_eq(a->published, "2017-11-03T03:01:00");
    ds__html_article_free(a);
    a = extract("<html><head><meta name=\"date\" content=\"November 18, 2019\"></head>"
                "<body>" BODY "</body></html>");
    cr_assert_str_eq(a->published, "2019-11-18");
    ds__html_article_free(a);
    a = extract("<html><head><meta name=\"pubdate\" content=\"garbage\"></head>"
                "<body>" BODY "</body></html>");
    cr_assert_str_eq(a->published_raw, "garbage");
    cr_assert_null(a->published);
    ds__html_article_free(a);
}

Test(html_meta, iso_date_forms)
{
    static const char *const cases[][2] = {
        {"2019-11-18T10:20:30Z", "2019-11-18T10:20:30Z"},
        {"2019-11-18T10:20:30.123-05:00", "2019-11-18T10:20:30-05:00"},
        {"2019-11-18 10:20", "2019-11-18T10:20:00"},
        {"2019-11-18", "2019-11-18"},
        {"2019/11/18", "2019-11-18"},
        {"20191118", "2019-11-18"},
        {"20191118103000", "2019-11-18T10:30:00"},
        {"Tue, 19 Nov 2019 10:00:00 GMT", "2019-11-19T10:00:00Z"},
        {"Tue, 19 Nov 2019 10:00:00 +0530", "2019-11-19T10:00:00+05:30"},
        {"18 November 2019", "2019-11-18"},
        {"Nov. 18, 2019 3:05 pm EST", "2019-11-18T15:05:00-05:00"},
        {"1574072400", "2019-11-18T10:20:00Z"},
        {"1574072400000", "2019-11-18T10:20:00Z"},
        {"2019-02-30", NULL},
        {"yesterday", NULL},
    };
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *iso = ds__html_iso_date(cases[i][0]);
        if (cases[i][1] == NULL)
            cr_assert_null(iso, "%s gave %s", cases[i][0], iso);
        else
            cr_assert_str_eq(STR_OR_NULL(iso), cases[i][1], "for %s", cases[i][0]);
        free(iso);
    }
}

Test(html_meta, canonical_url_cleaned)
{
    ds__html_article *a;
    char *u;
    a = extract("<html><head><link rel=\"canonical\" "
                "href=\"https://news.example/a/1?id=7&amp;utm_source=tw&amp;fbclid=X#top\">"
                "<meta property=\"og:url\" content=\"https://news.example/other\"></head>"
                "<body>" BODY "</body></html>");
    cr_assert_str_eq(a->canonical_url, "https://news.example/a/1?id=7");
    ds__html_article_free(a);
    /* relative canonical made absolute with og:url */
    a = extract("<html><head><link rel=\"canonical\" href=\"/a/2\">"
                "<meta property=\"og:url\" content=\"https://news.example/a/2?utm_medium=x\">"
                "</head><body>" BODY "</body></html>");
    cr_assert_str_eq(a->canonical_url, "https://news.example/a/2");
    ds__html_article_free(a);
    a = extract("<html><head><meta property=\"og:url\" content=\"https://news.example/a/3\">"
                "</head><body>" BODY "</body></html>");
    cr_assert_str_eq(a->canonical_url, "https://news.example/a/3");
    ds__html_article_free(a);
    u = ds__html_clean_url("https://x.example/p?utm_campaign=a&gclid=b&q=1&UTM_Term=z&mc_cid=3");
    cr_assert_str_eq(u, "https://x.example/p?q=1");
    free(u);
}

Test(html_meta, language_sources)
{
    ds__html_article *a;
    a = extract("<html lang=\"en-GB\"><body>" BODY "</body></html>");
    cr_assert_str_eq(a->language, "en-GB");
    ds__html_article_free(a);
    a = extract("<html><head><meta property=\"og:locale\" content=\"pt_BR\"></head><body>" BODY
                "</body></html>");
    cr_assert_str_eq(a->language, "pt-BR");
    ds__html_article_free(a);
    a = extract("<html><body>" BODY "</body></html>");
    cr_assert_null(a->language);
    cr_assert_null(a->title);
    cr_assert_null(a->byline);
    cr_assert_null(a->published);
    cr_assert_null(a->canonical_url);
    ds__html_article_free(a);
}

/* ---- furniture ---- */

static void assert_body_only(const char *before, const char *after)
{
    char page[8192];
    ds__html_article *a;
    snprintf(page, sizeof(page), "<html><body>%s<article>" BODY "</article>%s</body></html>",
             before, after);
    a = extract(page);
    cr_assert_str_eq(body(a), BODY_TEXT, "with %s ... %s", before, after);
    ds__html_article_free(a);
}

Test(html_body, navigation_header_footer_aside)
{
    assert_body_only("<nav><ul><li><a href=/>Home</a></li><li><a href=/w>World</a></li></ul></nav>"
                     "<header><div>The Daily - Your local news since 1901</div></header>",
                     "<aside><p>Editor's picks: a long paragraph of promotional text for another "
                     "story that should not appear.</p></aside>"
                     "<footer><p>Copyright 2019 The Daily. All rights reserved worldwide.</p>"
                     "</footer>");
}

Test(html_body, scripts_styles_templates)
{
    assert_body_only("<script>var story = 'not text';</script><style>p{color:red}</style>"
                     "<noscript>Please enable JavaScript to read comments.</noscript>"
                     "<template><p>A hidden template paragraph of some length.</p></template>",
                     "<iframe src=x>frame text</iframe><svg><text>svg text</text></svg>");
}

Test(html_body, hidden_elements)
{
    assert_body_only("<div hidden><p>Hidden by attribute, a paragraph of considerable length "
                     "that is never shown.</p></div>"
                     "<div aria-hidden=\"true\"><p>Hidden from readers, a paragraph of "
                     "considerable length.</p></div>",
                     "<div style=\"display: none\"><p>Display none, a paragraph of considerable "
                     "length for the scorer.</p></div><span class=\"sr-only\">Screen readers "
                     "only</span><div style=\"visibility:hidden\">Invisible</div>");
}

Test(html_body, share_related_comments_ads_newsletter)
{
    assert_body_only(
        "<div class=\"share-bar\"><a href=#>Share on Facebook</a> <a href=#>Tweet</a></div>"
        "<div class=\"ad-slot\">Advertisement</div>",
        "<div class=\"related-stories\"><h3>Related</h3><ul><li><a href=/1>Another story about "
        "bridges</a></li><li><a href=/2>A second story</a></li><li><a href=/3>Third</a></li>"
        "</ul></div>"
        "<div id=\"comments\"><p>What a terrible decision, the bridge was fine, said one reader "
        "who commented at length.</p><p>I agree with the council, said another, at length "
        "too.</p></div>"
        "<div class=\"newsletter-signup\"><p>Sign up for our newsletter to get the news.</p>"
        "</div>");
}

Test(html_body, link_lists_and_teasers_inside_the_article)
{
    ds__html_article *a = extract(
        "<html><body><article>" P1
        "<ul><li><a href=/a>Read: another story</a></li><li><a href=/b>Read: yet another</a>"
        "</li><li><a href=/c>Read: and one more</a></li></ul>" P2
        "<p><a href=/d>A teaser paragraph that is nothing but a link</a></p>" P3
        "<p>You may also like...</p><p><a href=/e>Teaser one</a></p>"
        "<p><a href=/f>Teaser two</a></p></article></body></html>");
    cr_assert_str_eq(body(a), BODY_TEXT);
    ds__html_article_free(a);
}

Test(html_body, bylines_datelines_and_urls_dropped)
{
    ds__html_article *a =
        extract("<html><head><meta name=author content=\"Ann Lee\"></head><body><article>"
                "<div>By Ann Lee</div><div>Updated 5:27 am CST, Wednesday, November 20, 2019</div>"
                "<div>https://news.example/a/1</div>" BODY "</article></body></html>");
    cr_assert_str_eq(body(a), BODY_TEXT);
    ds__html_article_free(a);
}

Test(html_body, ledes_and_headings_that_look_like_bylines_or_dates_kept)
{
    ds__html_article *a = extract(
        "<html><head><meta name=author content=\"Reuters\"></head><body><article>"
        "<p>Reuters reported on Monday that the council would close the bridge within weeks.</p>"
        "<h2>November 2019</h2>" BODY "</article></body></html>");
    cr_assert_str_eq(body(a), "Reuters reported on Monday that the council would close the "
                              "bridge within weeks.\n## November 2019\n" BODY_TEXT);
    ds__html_article_free(a);
}

Test(html_body, datelines)
{
    cr_assert_eq(ds__html_is_dateline("Posted: Fri 6:45 PM, Feb 16, 2018 |"), 1);
    cr_assert_eq(ds__html_is_dateline("Updated Nov 19, 6:55 AM;Posted Nov 19, 6:51 AM"), 1);
    cr_assert_eq(ds__html_is_dateline("Jun 7, 2023, 8:54 PM UTC"), 1);
    cr_assert_eq(ds__html_is_dateline("18 November 2019 \xe2\x80\x94 10:20 GMT"), 1);
    cr_assert_eq(ds__html_is_dateline("2019"), 0);
    cr_assert_eq(ds__html_is_dateline("November"), 0);
    cr_assert_eq(ds__html_is_dateline("Posted in 2019 by the council"), 0);
    cr_assert_eq(ds__html_is_dateline("18 novembre 2019"), 0);
}

Test(html_body, main_content_chosen_over_sidebar)
{
    ds__html_article *a =
        extract("<html><body><div id=\"page\"><div class=\"sidebar\"><p>Popular: a list of popular "
                "stories, each a short paragraph, with commas, commas, commas.</p></div>"
                "<div class=\"story-body\">" BODY "</div>"
                "<div class=\"more\"><a href=1>More one</a> <a href=2>More two</a> <a href=3>More "
                "three</a> <a href=4>More four</a></div></div></body></html>");
    cr_assert_str_eq(body(a), BODY_TEXT);
    ds__html_article_free(a);
}

/* ---- block conventions ---- */

Test(html_blocks, headings_lists_quotes_pre)
{
    ds__html_article *a =
        extract("<html><body><article>" P1 "<h2>What happens next</h2>" P2 "<h3>Timeline</h3>"
                "<ol start=\"3\"><li>Ferry from March</li><li>New bridge in 2021</li></ol>"
                "<ul><li>Cost: high</li><li>Risk: <b>low</b></li></ul>"
                "<blockquote><p>We had no choice.</p><p>None at all.</p></blockquote>"
                "<pre>line 1\n  line 2</pre>" P3 "</article></body></html>");
    cr_assert_str_eq(body(a), "The council voted on Tuesday to close the old bridge, citing a "
                              "report that found cracks in two of its piers.\n"
                              "## What happens next\n"
                              "Engineers said repairs would cost more than a new crossing, and "
                              "the mayor agreed, although residents objected.\n"
                              "### Timeline\n"
                              "3. Ferry from March\n"
                              "4. New bridge in 2021\n"
                              "- Cost: high\n"
                              "- Risk: low\n"
                              "> We had no choice.\n"
                              "> None at all.\n"
                              "line 1 line 2\n"
                              "A temporary ferry will run from March, the council said, until "
                              "the new bridge opens in two years' time.");
    ds__html_article_free(a);
}

Test(html_blocks, inline_markup_breaks_and_entities)
{
    ds__html_article *a = extract(
        "<html><body><div class=\"content\"><p>The <em>council</em> voted on <a href=x>Tuesday"
        "</a> to close the old&nbsp;bridge &amp; its ramps, citing a report&#x2014;cracks were "
        "found in two&#146;s piers, <custom-ref>[1]</custom-ref> engineers said.<br>A new line "
        "after a break, long enough to count for the scorer here.</p>" P2 P3
        "</div></body></html>");
    cr_assert_str_eq(body(a),
                     "The council voted on Tuesday to close the old bridge & its ramps, citing a "
                     "report\xe2\x80\x94"
                     "cracks were found in two\xe2\x80\x99s piers, [1] engineers said.\n"
                     "A new line after a break, long enough to count for the scorer here.\n"
                     "Engineers said repairs would cost more than a new crossing, and the mayor "
                     "agreed, although residents objected.\n"
                     "A temporary ferry will run from March, the council said, until the new "
                     "bridge opens in two years' time.");
    ds__html_article_free(a);
}

/* ---- character sets ---- */

Test(html_charset, windows_1252_meta_charset)
{
    ds__html_article *a = extract("<html><head><meta charset=\"windows-1252\">"
                                  "<title>Caf\xe9 \x93open\x94</title></head><body><p>It\x92s "
                                  "open \x96 the caf\xe9 reopened on Tuesday after repairs to "
                                  "its kitchen.</p></body></html>");
    cr_assert_str_eq(a->title, "Caf\xc3\xa9 \xe2\x80\x9copen\xe2\x80\x9d");
    cr_assert_str_eq(body(a), "It\xe2\x80\x99s open \xe2\x80\x93 the caf\xc3\xa9 reopened on "
                              "Tuesday after repairs to its kitchen.");
    ds__html_article_free(a);
}

Test(html_charset, iso_8859_1_http_equiv_reads_as_windows_1252)
{
    ds__html_article *a =
        extract("<html><head><meta http-equiv=\"Content-Type\" "
                "content=\"text/html; charset=ISO-8859-1\"><title>Gr\xfc\xdf"
                "e \x85</title></head><body><p>\xc0 bient\xf4t, dit-il, apr\xe8s la r\xe9union "
                "du conseil municipal.</p></body></html>");
    cr_assert_str_eq(a->title, "Gr\xc3\xbc\xc3\x9f"
                               "e \xe2\x80\xa6");
    cr_assert_str_eq(body(a), "\xc3\x80 bient\xc3\xb4t, dit-il, apr\xc3\xa8s la r\xc3\xa9union "
                              "du conseil municipal.");
    ds__html_article_free(a);
}

Test(html_charset, shift_jis_meta)
{
    /* 日本語のニュース in Shift_JIS */
    ds__html_article *a =
        extract("<html><head><meta http-equiv=\"content-type\" content=\"text/html; "
                "charset=Shift_JIS\"><title>\x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83\x6a\x83\x85"
                "\x81\x5b\x83\x58</title></head><body><p>\x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83"
                "\x6a\x83\x85\x81\x5b\x83\x58\x81\x41\x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83\x6a"
                "\x83\x85\x81\x5b\x83\x58\x81\x42</p></body></html>");
    cr_assert_str_eq(a->title, "日本語のニュース");
    cr_assert_str_eq(body(a), "日本語のニュース、日本語のニュース。");
    ds__html_article_free(a);
}

Test(html_charset, utf16_with_bom)
{
    static const char page[] = "\xff\xfe<\0p\0>\0c\0a\0f\0\xe9\0<\0/\0p\0>\0";
    ds__html_article *a = extract_n(page, sizeof(page) - 1);
    cr_assert_str_eq(body(a), "caf\xc3\xa9");
    ds__html_article_free(a);
}

Test(html_charset, wrong_declarations)
{
    /* declared Latin-1, written in UTF-8: read as UTF-8 */
    ds__html_article *a =
        extract("<html><head><meta charset=\"iso-8859-1\"></head><body><p>caf\xc3\xa9 "
                "\xe2\x80\x9cquoted\xe2\x80\x9d</p></body></html>");
    cr_assert_str_eq(body(a), "caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d");
    ds__html_article_free(a);
    /* declared UTF-8, written in Latin-1: read as windows-1252 */
    a = extract("<html><head><meta charset=\"utf-8\"></head><body><p>caf\xe9 cr\xe8me "
                "br\xfbl\xe9"
                "e</p></body></html>");
    cr_assert_str_eq(body(a), "caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
                              "e");
    ds__html_article_free(a);
    /* an unknown label: UTF-8 */
    a = extract("<html><head><meta charset=\"x-no-such-charset\"></head><body><p>caf\xc3\xa9"
                "</p></body></html>");
    cr_assert_str_eq(body(a), "caf\xc3\xa9");
    ds__html_article_free(a);
}

Test(html_charset, invalid_utf8_becomes_replacement_character)
{
    ds__html_article *a = extract("<html><body><p>caf\xc3\xa9 ok, then a bad byte \xff here, "
                                  "and caf\xc3\xa9 again, and na\xc3\xafve.</p></body></html>");
    cr_assert_str_eq(body(a), "caf\xc3\xa9 ok, then a bad byte \xef\xbf\xbd here, and "
                              "caf\xc3\xa9 again, and na\xc3\xafve.");
    ds__html_article_free(a);
}

/* ---- hostile input ---- */

Test(html_robust, empty_and_blank_input)
{
    ds__html_article *a = (ds__html_article *)1;
    cr_assert_eq(ds__html_extract(&a, "", 0, "empty.html"), DS_EINVALID);
    cr_assert_null(a);
    cr_assert_str_eq(ds_error_last(), "empty.html: empty document");
    cr_assert_eq(ds__html_extract(&a, " \n\t\r\n", 5, "blank.html"), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "blank.html: empty document");
}

Test(html_robust, too_large_is_refused_before_reading)
{
    size_t len = DS_HTML_MAX_INPUT + 1;
    void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ds__html_article *a = NULL;
    cr_assert_neq(p, MAP_FAILED);
    cr_assert_eq(ds__html_extract(&a, p, len, "big.html"), DS_ELIMIT);
    cr_assert_str_eq(ds_error_last(),
                     "big.html: page too large (268435457 bytes, at most 268435456)");
    munmap(p, len);
}

Test(html_robust, malformed_markup)
{
    ds__html_article *a = extract(
        "<html><body></div></span><div class=content><p>The council voted on Tuesday to close "
        "the old bridge, citing a report <b><i>that found</b></i> cracks in two piers."
        "<p>Engineers said repairs would cost more than a new crossing, <a href=x>and the mayor "
        "agreed<p>A temporary ferry will run from March, the council said <td>stray cell"
        "<table><tr><p>odd</table>< notatag > & unescaped <!-- unclosed comment");
    cr_assert_str_eq(body(a), "The council voted on Tuesday to close the old bridge, citing a "
                              "report that found cracks in two piers.\n"
                              "Engineers said repairs would cost more than a new crossing, and "
                              "the mayor agreed\n"
                              "A temporary ferry will run from March, the council said\n"
                              "stray cell\nodd\n< notatag > & unescaped");
    ds__html_article_free(a);
}

Test(html_robust, one_hundred_thousand_nested_elements)
{
    const int depth = 100000;
    size_t cap = (size_t)depth * 16 + 4096, o = 0;
    char *page = malloc(cap);
    ds__html_article *a;
    int i;
    cr_assert_not_null(page);
    o += (size_t)sprintf(page + o, "<html><body>" P1);
    for (i = 0; i < depth; i++)
        o += (size_t)sprintf(page + o, i % 2 ? "<span>" : "<div>");
    o += (size_t)sprintf(page + o, "deep text");
    for (i = depth - 1; i >= 0; i--)
        o += (size_t)sprintf(page + o, i % 2 ? "</span>" : "</div>");
    o += (size_t)sprintf(page + o, P2 "</body></html>");
    a = extract_n(page, o);
    cr_assert_str_eq(body(a), "The council voted on Tuesday to close the old bridge, citing a "
                              "report that found cracks in two of its piers.\n"
                              "deep text\n"
                              "Engineers said repairs would cost more than a new crossing, and "
                              "the mayor agreed, although residents objected.");
    ds__html_article_free(a);
    /* unclosed, too */
    o = (size_t)sprintf(page, "<html><body>" P1);
    for (i = 0; i < depth; i++)
        o += (size_t)sprintf(page + o, "<font>");
    o += (size_t)sprintf(page + o, P2);
    a = extract_n(page, o);
    cr_assert_eq(a->block_count, 2);
    ds__html_article_free(a);
    free(page);
}

Test(html_robust, fifty_megabyte_page)
{
    const size_t target = (size_t)50 << 20;
    size_t cap = target + 4096, o = 0, n = 0;
    char *page = malloc(cap);
    ds__html_article *a;
    cr_assert_not_null(page);
    o += (size_t)sprintf(page + o, "<html><head><title>Big</title></head><body><article>");
    while (o + 400 < target) {
        o += (size_t)sprintf(page + o,
                             "<p>Paragraph %zu of a very long page, with commas, and enough "
                             "words to look like prose that a reader would read.</p>\n",
                             n++);
    }
    o += (size_t)sprintf(page + o, "</article></body></html>");
    a = extract_n(page, o);
    cr_assert_eq(a->block_count, n);
    {
        char last[200];
        snprintf(last, sizeof(last),
                 "Paragraph %zu of a very long page, with commas, and enough words to look like "
                 "prose that a reader would read.",
                 n - 1);
        cr_assert_str_eq(a->blocks[n - 1], last);
    }
    cr_assert_eq(strncmp(a->blocks[0], "Paragraph 0 of a very long page", 31), 0);
    ds__html_article_free(a);
    free(page);
}

Test(html_robust, binary_garbage)
{
    unsigned char junk[65536];
    unsigned x = 12345;
    size_t i;
    int round;
    for (round = 0; round < 8; round++) {
        ds__html_article *a = NULL;
        int err;
        for (i = 0; i < sizeof(junk); i++) {
            x = x * 1103515245u + 12345u;
            junk[i] = (unsigned char)(x >> 16);
        }
        if (round % 2)
            junk[0] = '<'; /* looks like a tag at first */
        err = ds__html_extract(&a, (const char *)junk, sizeof(junk), "junk.bin");
        cr_assert(err == 0 || err == DS_EINVALID, "err %d", err);
        if (err == 0) {
            /* whatever came out is valid UTF-8 text */
            for (i = 0; i < a->block_count; i++)
                cr_assert_eq(strlen(a->blocks[i]) > 0, 1);
        }
        ds__html_article_free(a);
    }
}

Test(html_robust, only_markup_no_text)
{
    ds__html_article *a = extract("<html><head></head><body><div><img src=x></div></body></html>");
    cr_assert_eq(a->block_count, 0);
    cr_assert_null(a->title);
    ds__html_article_free(a);
}

/* ---- sniffing and the public API ---- */

Test(html_api, sniff)
{
    cr_assert_eq(ds_html_sniff("<!DOCTYPE html><html>", 21), 1);
    cr_assert_eq(ds_html_sniff("\xef\xbb\xbf\n  <HTML lang=en>", 20), 1);
    cr_assert_eq(ds_html_sniff("<!-- saved from url --><html>", 29), 1);
    cr_assert_eq(ds_html_sniff("# Headline\n\nText", 16), 0);
    cr_assert_eq(ds_html_sniff("<3 love", 7), 0);
    cr_assert_eq(ds_html_sniff("", 0), 0);
}

Test(html_api, normalized_text_through_the_public_api)
{
    static const char page[] =
        "<html lang=\"en\"><head><title>Old bridge to close | The Daily</title>"
        "<meta property=\"og:site_name\" content=\"The Daily\">"
        "<meta name=\"author\" content=\"Ann Lee\">"
        "<meta property=\"article:published_time\" content=\"2019-11-18T10:20:30Z\">"
        "<link rel=\"canonical\" href=\"https://news.example/bridge?utm_source=x\"></head>"
        "<body><nav><a href=/>Home</a></nav><article><h1>Old bridge to close</h1>" BODY
        "</article></body></html>";
    ds_document *d = NULL;
    int err = ds_html_extract(&d, page, sizeof(page) - 1, NULL);
    cr_assert_eq(err, 0, "%s", ds_error_last());
    cr_assert_eq(d->format, DS_FORMAT_HTML);
    cr_assert_str_eq(d->title, "Old bridge to close");
    cr_assert_str_eq(d->canonical_url, "https://news.example/bridge");
    cr_assert_str_eq(d->language, "en");
    cr_assert_str_eq(d->site_name, "The Daily");
    cr_assert_str_eq(d->published, "2019-11-18T10:20:30Z");
    cr_assert_str_eq(d->text, "# Old bridge to close\n"
                              "byline: Ann Lee\n"
                              "date: 2019-11-18T10:20:30Z\n"
                              "\n"
                              "The council voted on Tuesday to close the old bridge, citing a "
                              "report that found cracks in two of its piers.\n"
                              "\n"
                              "Engineers said repairs would cost more than a new crossing, and "
                              "the mayor agreed, although residents objected.\n"
                              "\n"
                              "A temporary ferry will run from March, the council said, until "
                              "the new bridge opens in two years' time.\n");
    ds_document_free(d);
}

/* ---- golden pages through the command line ---- */

static void assert_golden(const char *page, const char *expected)
{
    char *out = NULL, *err = NULL, *want;
    size_t len;
    int rc = tu_run(&out, &err, "normalize --format html '%s'", tu_src(page));
    cr_assert_eq(rc, 0, "%s: exit %d: %s", page, rc, err);
    want = tu_read(tu_src(expected), &len);
    cr_assert_str_eq(out, want, "%s", page);
    free(want);
    free(out);
    free(err);
}

Test(html_golden, written_page_with_all_furniture)
{
    assert_golden("fixtures/html/article.html", "fixtures/html/article.expected");
}

Test(html_golden, same_page_in_windows_1252_same_content_hash)
{
    char *out = NULL, *err = NULL;
    assert_golden("fixtures/html/article-cp1252.html", "fixtures/html/article.expected");
    cr_assert_eq(tu_run(&out, &err, "hash --format html '%s' '%s'",
                        tu_src("fixtures/html/article.html"),
                        tu_src("fixtures/html/article-cp1252.html")),
                 0);
    cr_assert_eq(
        strncmp(out, "8d5fdb61a034b2d0e1f81d0d43badc1d98260d6b042d12e4ec58660e96ec1065  ", 66), 0,
        "%s", out);
    cr_assert_neq(strstr(out, "\n8d5fdb61a034b2d0e1f81d0d43badc1d98260d6b042d12e4ec58660e96ec1065"
                              "  "),
                  NULL, "%s", out);
    free(out);
    free(err);
}

Test(html_golden, real_page)
{
    assert_golden("fixtures/html/ars-1.html", "fixtures/html/ars-1.expected");
}

Test(html_golden, cli_errors)
{
    char *out = NULL, *err = NULL, *dir = tu_tmpdir(), path[4096];
    snprintf(path, sizeof(path), "%s/empty.html", dir);
    tu_write(path, "", 0);
    cr_assert_eq(tu_run(&out, &err, "normalize --format html '%s'", path), 2);
    cr_assert_str_eq(out, "");
    cr_assert_neq(strstr(err, "empty.html: empty document"), NULL, "%s", err);
    free(out);
    free(err);
    snprintf(path, sizeof(path), "%s/binary.html", dir);
    tu_write(path, "<html>\0\x01\x02", 9);
    cr_assert_eq(tu_run(&out, &err, "normalize --format html '%s'", path), 2);
    cr_assert_neq(strstr(err, "binary.html: binary input (NUL byte at offset 6)"), NULL, "%s", err);
    free(out);
    free(err);
    free(dir);
}
