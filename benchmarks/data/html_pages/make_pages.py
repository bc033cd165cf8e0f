"""Writes the 15 article pages of the HTML extraction benchmark and their reference texts.

trafilatura's own evaluation pages could not be downloaded on this machine (only package registries are
reachable), so these pages were written for this benchmark: fifteen short articles (invented, written for
the repository; same licence as the code), each wrapped in the markup of a different kind of site with the
clutter real pages carry (navigation, cookie banners, ads, share bars, newsletter boxes, comments,
related links, footers, JSON-LD and tracking scripts). For each page:

- `NAME.html`: the page;
- `NAME.ref.txt`: the article body (subheadings and paragraphs, one per line), what an extractor should keep;
- `NAME.boiler.txt`: the clutter, one block per line, what it should drop.

Run `python benchmarks/data/html_pages/make_pages.py` to write them again (the files are committed).
"""

from __future__ import annotations

import html
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (name, title, author, date, [paragraph or "## subheading", ...])
ARTICLES = [
    (
        "news-classic",
        "City council approves night bus network",
        "Priya Natarajan",
        "2024-03-14",
        [
            "The city council voted on Wednesday to create a network of six night bus routes, the first overnight service the city has had since 1998.",
            "The routes will run every 30 minutes between midnight and five in the morning from Friday to Sunday, and hourly on weekdays, starting in September.",
            "## Who pays",
            "The service will cost 4.2 million a year. Two thirds will come from the transport levy and the rest from a grant by the regional government.",
            "Hospital workers and cleaners who finish late shifts had campaigned for the buses for three years, collecting more than 11,000 signatures.",
            "Councillor Marta Ruiz said the first year would be a trial, with passenger counts published every quarter.",
        ],
    ),
    (
        "blog-wordpress",
        "What I learned from a year of growing tomatoes on a balcony",
        "Tom Brennan",
        "2023-10-02",
        [
            "Last spring I bought six tomato plants for a north-facing balcony, against the advice of everyone at the garden centre.",
            "Four of them survived the summer. The cherry varieties did far better than the beefsteak ones, which never got enough sun to ripen before October.",
            "## Watering",
            "The biggest lesson was watering. Pots dry out in a single hot afternoon, so I moved to a self-watering trough with a reservoir that holds three days of water.",
            "## Feeding",
            "I fed them every week with a liquid seaweed fertiliser once the first flowers opened, and the yield roughly doubled compared with the unfed plant I kept as a test.",
            "Next year I will try a dwarf variety bred for containers and start the seeds indoors in March.",
        ],
    ),
    (
        "div-soup",
        "Shipping rates fall as new container vessels arrive",
        "Lena Hoffmann",
        "2024-01-22",
        [
            "The cost of sending a container from Shanghai to Rotterdam fell by a fifth in December, the lowest level since the pandemic began.",
            "Analysts say the drop follows the delivery of more than 300 new container ships last year, many of them ordered during the shortage of 2021.",
            "Carriers have responded by slowing their ships down and cancelling some sailings, but the extra capacity still outweighs demand.",
            "Freight forwarders expect rates to keep falling through the spring unless disruption in the Red Sea forces longer routes around Africa.",
        ],
    ),
    (
        "medium-like",
        "Why our team stopped doing daily stand-ups",
        "Jonas Berg",
        "2024-05-09",
        [
            "For four years our team of nine met every morning at half past nine for a fifteen-minute stand-up.",
            "In January we replaced it with a written update in a shared channel, posted by each person before noon.",
            "## What happened",
            "Meetings dropped by more than two hours a week per person, and the people in other time zones could finally take part on equal terms.",
            "We kept one live meeting on Mondays to plan the week, and we still talk whenever someone is blocked.",
            "The written updates also became a searchable record, which new colleagues now read to learn how past decisions were made.",
        ],
    ),
    (
        "table-layout",
        "Annual model railway exhibition returns to the town hall",
        "Harold Finch",
        "2023-11-18",
        [
            "The annual model railway exhibition returns to the town hall on the first weekend of December, with 24 layouts from clubs across the county.",
            "The largest layout, a copy of the old harbour branch line, is nine metres long and took the club eleven years to build.",
            "Entry costs five pounds for adults, and children under twelve go in free when accompanied by an adult.",
            "Proceeds go to the restoration of the steam locomotive that stands outside the station.",
        ],
    ),
    (
        "press-release",
        "Northwind Energy opens battery storage plant in Valdmark",
        "Northwind Energy press office",
        "2024-02-27",
        [
            "Northwind Energy today opened a 200-megawatt battery storage plant in Valdmark, the largest of its kind in the country.",
            "The plant can power about 150,000 homes for two hours and will store surplus wind power produced at night.",
            "Construction took 14 months and created 120 local jobs, 18 of which will remain for operation and maintenance.",
            "The batteries use lithium iron phosphate cells, which the company chose because they last longer and carry a lower fire risk.",
        ],
    ),
    (
        "newsletter",
        "The quiet return of the neighbourhood repair café",
        "Ada Quinn",
        "2024-04-04",
        [
            "Every second Saturday, the community hall on Mill Street fills with broken toasters, torn jackets and bicycles with flat tyres.",
            "The repair café began in 2019 with three volunteers. It now has 31, including two retired electricians and a former tailor.",
            "## The numbers",
            "Last year the volunteers fixed 1,240 items, and they keep a logbook of every repair, noting which brands are hardest to open.",
            "The organisers say the logbook has become evidence for a national campaign for a right to repair household goods.",
        ],
    ),
    (
        "docs-tutorial",
        "How to rotate the encryption keys of a backup repository",
        "Docs team",
        "2024-06-30",
        [
            "Backup repositories are encrypted with a master key that is itself protected by one or more passwords.",
            "Rotating a password does not re-encrypt the data; it only re-wraps the master key, so it takes seconds even for large repositories.",
            "## Add a new key",
            "Run the key add command with the repository path, enter the current password, then the new one twice.",
            "## Remove the old key",
            "List the keys to find the identifier of the old one, then remove it. At least one key must always remain, or the repository can no longer be opened.",
        ],
    ),
    (
        "magazine",
        "The last lighthouse keeper of Skarvøy",
        "Ingrid Solheim",
        "2023-08-12",
        [
            "For 41 years Odd Arne Lund climbed the 112 steps of the Skarvøy lighthouse twice a day.",
            "When the light was automated in 2002, he stayed on the island as its caretaker, repairing the jetty and counting the puffins each summer.",
            "He says the hardest winter was 1987, when storms cut the island off for seven weeks and the supply boat could not land.",
            "Now 79, he plans to leave the island next spring to live with his daughter in Bergen, and the coastal authority is looking for a new caretaker.",
        ],
    ),
    (
        "local-paywall",
        "School kitchen to serve meals made from local farms",
        "Rhys Evans",
        "2024-09-03",
        [
            "From this term, the kitchen at Westbrook Primary will cook lunches with vegetables and meat from farms within 30 miles of the school.",
            "The head cook, Sian Morgan, has rewritten the menu around the seasons, with more soups in autumn and salads from May.",
            "Parents pay the same 2.60 a day, because the county council is covering the higher cost for a two-year trial.",
            "If the trial succeeds, the council wants to extend it to all 46 primary schools in the county.",
        ],
    ),
    (
        "recipe-blog",
        "A simple sourdough loaf for busy weekdays",
        "Carla Mendes",
        "2024-02-11",
        [
            "This loaf fits around a working day: mix the dough in the morning, shape it in the evening and bake it the next morning.",
            "You need 500 grams of bread flour, 350 grams of water, 100 grams of active starter and 10 grams of salt.",
            "## Method",
            "Mix everything until no dry flour remains, then fold the dough four times during the first two hours.",
            "Leave it covered at room temperature until it has grown by half, shape it, and put it in the fridge overnight.",
            "Bake in a preheated cast-iron pot at 250 degrees for 20 minutes with the lid on and 25 minutes with the lid off.",
        ],
    ),
    (
        "wiki-like",
        "Hallstrom Bridge",
        "",
        "",
        [
            "The Hallstrom Bridge is a cable-stayed road bridge over the river Aven, opened in 1987.",
            "## History",
            "It replaced a ferry crossing that had operated since the 18th century and carried about 4,000 vehicles a day before the bridge opened.",
            "Construction began in 1983 and was delayed by a year after flooding damaged the foundations of the western pylon.",
            "## Design",
            "The main span is 320 metres long and the two pylons are 94 metres high. The deck carries four traffic lanes and a footpath on each side.",
        ],
    ),
    # Three harder pages, shapes that trip simple readers on real news sites:
    (
        "news-cards",
        "Flood barrier test closes the river to shipping for a day",
        "Karin Vos",
        "2024-10-15",
        [
            "The river will be closed to shipping for 24 hours on Sunday while engineers lower all four gates of the new flood barrier for the first time.",
            "The test simulates a storm surge of 3.5 metres, the height reached during the flood of 1953, and will be watched by inspectors from the national water agency.",
            "Ferries to the islands will run from the outer harbour instead, with buses linking the two terminals every twenty minutes.",
            "If the test succeeds, the barrier will be declared operational before the winter storm season begins in November.",
        ],
    ),
    (
        "split-body",
        "Library extends its opening hours after a record year",
        "Tomasz Wójcik",
        "2024-01-09",
        [
            "The central library will open until ten in the evening on weekdays from February, after a record 1.3 million visits last year.",
            "Most of the growth came from students, who filled the reading rooms during exam periods and often queued before the doors opened.",
            "## Cost",
            "The longer hours will cost 310,000 a year, paid from the savings of the new heating system installed in 2023.",
            "The library will also lend laptops for the first time, starting with 40 machines that can be borrowed for a week.",
        ],
    ),
    (
        "live-blog",
        "Marathon day: roads reopen as the last runners finish",
        "Sports desk",
        "2024-04-21",
        [
            "All roads in the city centre reopened at four in the afternoon after the last of the 18,400 runners crossed the finish line.",
            "The men's race was won in 2 hours 9 minutes, a course record, and the women's race in 2 hours 24 minutes.",
            "Paramedics treated 61 runners for heat exhaustion as temperatures reached 24 degrees by midday.",
            "Organisers said next year's race would start half an hour earlier to avoid the afternoon heat.",
        ],
    ),
]

COMMON = {
    "cookie": "We value your privacy. We and our 412 partners use cookies to store and access information on your device.",
    "nav": "Home News Sport Business Culture Travel Opinion",
    "footer": "Copyright 2024 All rights reserved. Terms of use Privacy policy Contact us",
    "newsletter": "Sign up to our daily newsletter and get the top stories in your inbox every morning",
    "comment1": "Absolutely ridiculous decision, nobody asked for this and we will all pay for it in the end.",
    "comment2": "Great piece, thanks for writing it, I shared it with my whole family.",
    "related": "You may also like: Ten gadgets you need this summer",
    "ad": "ADVERTISEMENT Get 50 percent off your first box of meal kits with code FRESH50",
    "share": "Share this article on Facebook Twitter WhatsApp Email",
}


def paragraphs(body: list[str], tag: str = "p", heading: str = "h2", between: str = "") -> str:
    out = []
    for i, block in enumerate(body):
        if block.startswith("## "):
            out.append(f"<{heading}>{html.escape(block[3:])}</{heading}>")
        else:
            out.append(f"<{tag}>{html.escape(block)}</{tag}>")
            if between and i == 1:
                out.append(between)
    return "\n".join(out)


def head(title: str, author: str, date: str, site: str, extra: str = "") -> str:
    meta = f'<meta name="author" content="{author}">' if author else ""
    meta += f'<meta property="article:published_time" content="{date}">' if date else ""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | {site}</title>'
        f'<meta property="og:site_name" content="{site}">{meta}{extra}'
        '<script>window.ga=function(){};ga("create","UA-000000-1","auto");ga("send","pageview");</script>'
        "<style>body{font-family:sans-serif}.hidden{display:none}</style></head>"
    )


def news_classic(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    boiler += [COMMON[k] for k in ("cookie", "nav", "related", "comment1", "comment2", "footer")]
    boiler.append("Most read: Storm warning for the weekend")
    return (
        head(t, a, d, "The Daily Courier")
        + f"""<body>
<div class="cookie-banner" role="dialog"><p>{COMMON["cookie"]}</p><button>Accept</button><button>Manage options</button></div>
<header class="site-header"><a class="logo" href="/">The Daily Courier</a><nav><ul>{"".join(f'<li><a href="/{w.lower()}">{w}</a></li>' for w in COMMON["nav"].split())}</ul></nav></header>
<main><article class="story"><h1>{t}</h1><div class="byline">By <a rel="author" href="/authors/x">{a}</a> <time datetime="{d}">{d}</time></div>
{paragraphs(body)}
</article>
<aside class="related"><h3>Related</h3><p>{COMMON["related"]}</p></aside>
<aside class="most-read"><h3>Most read</h3><ol><li><a href="/1">Most read: Storm warning for the weekend</a></li></ol></aside>
<section class="comments"><h3>Comments (2)</h3><div class="comment"><p>{COMMON["comment1"]}</p></div><div class="comment"><p>{COMMON["comment2"]}</p></div></section></main>
<footer><p>{COMMON["footer"]}</p></footer></body></html>"""
    )


def blog_wordpress(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    widgets = [
        "Recent posts: Overwintering chillies indoors",
        "Tags: balcony garden compost seeds pots",
        "Leave a reply. Your email address will not be published. Required fields are marked",
    ]
    boiler += [*widgets, COMMON["share"], COMMON["comment2"], "Proudly powered by WordPress"]
    return (
        head(t, a, d, "Small Space Gardener")
        + f"""<body class="post-template-default single">
<div id="page" class="site"><div class="site-branding"><p class="site-title"><a href="/">Small Space Gardener</a></p></div>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-812" class="post-812 post type-post status-publish"><header class="entry-header"><h1 class="entry-title">{t}</h1>
<div class="entry-meta"><span class="posted-on">Posted on {d}</span> by <span class="author vcard">{a}</span></div></header>
<div class="entry-content">{paragraphs(body)}
<div class="sharedaddy"><h3>{COMMON["share"]}</h3></div></div></article>
<div id="comments" class="comments-area"><h2 class="comments-title">One thought on this post</h2><ol class="comment-list"><li class="comment"><div class="comment-content"><p>{COMMON["comment2"]}</p></div></li></ol>
<div id="respond"><h3>{widgets[2]}</h3><form><textarea name="comment"></textarea></form></div></div></main></div>
<aside id="secondary" class="widget-area"><section class="widget"><h2>Recent posts</h2><p>{widgets[0]}</p></section><section class="widget"><p>{widgets[1]}</p></section></aside></div>
<footer class="site-footer"><p>Proudly powered by WordPress</p></footer></div></body></html>"""
    )


def div_soup(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    trending = ["Trending: Markets rally as inflation cools", "Trending: Port strike talks collapse"]
    boiler += [*trending, COMMON["ad"], COMMON["newsletter"], COMMON["footer"]]
    paras = "".join(f'<div class="para">{html.escape(p)}</div>' for p in body)
    return (
        head(t, a, d, "Freight Daily")
        + f"""<body><div class="container"><div class="row topbar"><div class="col">
<div class="menu">{"".join(f'<div class="menu-item"><a href="#">{w}</a></div>' for w in COMMON["nav"].split())}</div></div></div>
<div class="row"><div class="col-8"><div class="headline">{t}</div><div class="meta">{a} | {d}</div>
<div class="story-body">{paras}</div>
<div class="promo">{COMMON["newsletter"]}</div></div>
<div class="col-4"><div class="ad-slot">{COMMON["ad"]}</div><div class="trending"><div class="item">{trending[0]}</div><div class="item">{trending[1]}</div></div></div></div>
<div class="row footer"><div class="col">{COMMON["footer"]}</div></div></div></body></html>"""
    )


def medium_like(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    extra = [
        "Member-only story",
        "Get an email whenever Jonas Berg publishes",
        "More from Jonas Berg and The Process Blog",
        "Recommended from Medium: How we ship twice a day",
    ]
    boiler += extra
    return (
        head(t, a, d, "Medium")
        + f"""<body><div id="root"><div class="a b c"><nav><a href="/">Medium</a><a href="/write">Write</a><a href="/signin">Sign in</a></nav>
<main><div class="pw-post-body"><section><div class="ch bg"><span class="member">{extra[0]}</span><h1 class="pw-post-title">{t}</h1>
<div class="author"><a href="/@jonas">{a}</a> · 4 min read · {d}</div>
{paragraphs(body, heading="h3")}
</div></section></div>
<div class="follow"><p>{extra[1]}</p><button>Subscribe</button></div>
<div class="more"><h2>{extra[2]}</h2></div><div class="recommended"><h2>{extra[3]}</h2></div></main></div></div></body></html>"""
    )


def table_layout(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    left = ["Club news Meetings Gallery Links Guestbook", "You are visitor number 048213", "Best viewed in 800x600"]
    boiler += left
    paras = "<br><br>\n".join(html.escape(p) for p in body)
    return (
        head(t, a, d, "Hillcross Model Railway Club")
        + f"""<body bgcolor="#ffffee"><table width="100%" border="0"><tr>
<td width="160" valign="top" bgcolor="#ccccff"><font size="2">{left[0]}</font><br><br><font size="1">{left[1]}</font></td>
<td valign="top"><font face="Arial"><b><font size="5">{t}</font></b><br><i>Posted by {a}, {d}</i><br><br>
{paras}
</font></td></tr><tr><td colspan="2" align="center"><font size="1">{left[2]}</font></td></tr></table></body></html>"""
    )


def press_release(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    about = (
        "About Northwind Energy: Northwind Energy is a renewable energy company with wind and solar parks in "
        "five countries and 2,300 employees."
    )
    contact = "Media contact: press@northwind.example, phone +45 00 00 00 00"
    mega = "Products Wind Solar Storage Investors Annual reports Careers Sustainability"
    boiler += [about, contact, mega, COMMON["cookie"]]
    return (
        head(t, a, d, "Northwind Energy")
        + f"""<body><div id="consent"><p>{COMMON["cookie"]}</p></div>
<div id="megamenu"><ul>{"".join(f"<li>{w}</li>" for w in mega.split())}</ul></div>
<div id="content"><div class="breadcrumb">Home / Newsroom / Press releases</div><h1>{t}</h1><p class="dateline">VALDMARK, {d}</p>
{paragraphs(body)}
<p class="boilerplate"><strong>{about}</strong></p><p class="contact">{contact}</p></div>
<div id="footer"><p>{COMMON["footer"]}</p></div></body></html>"""
    )


def newsletter(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    sub = "Thanks for reading Streets and Squares! Subscribe for free to receive new posts and support my work."
    boiler += [sub, COMMON["comment1"], "Ready for more?"]
    return (
        head(t, a, d, "Streets and Squares")
        + f"""<body><div class="main-menu"><a href="/">Streets and Squares</a><a href="/archive">Archive</a><a href="/about">About</a></div>
<article class="post newsletter-post"><div class="post-header"><h1 class="post-title">{t}</h1><div class="byline">{a} · {d}</div></div>
<div class="available-content"><div class="body markup">
{paragraphs(body, between=f'<div class="subscription-widget"><p>{sub}</p><input type="email"><button>Subscribe</button></div>')}
</div></div></article>
<div class="comments-section"><h3>Discussion</h3><div class="comment"><p>{COMMON["comment1"]}</p></div></div>
<div class="footer-cta"><h3>Ready for more?</h3></div></body></html>"""
    )


def docs_tutorial(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    side = [
        "Getting started",
        "Installation",
        "Repositories",
        "Snapshots",
        "Keys and passwords",
        "Restoring files",
        "Troubleshooting",
    ]
    extra = [
        "Was this page helpful? Yes No",
        "Edit this page on GitHub",
        "On this page: Add a new key Remove the old key",
    ]
    boiler += [" ".join(side), *extra]
    return (
        head(t, a, d, "Vaultkeeper docs")
        + f"""<body><div class="wrapper"><nav class="sidebar"><ul>{"".join(f"<li><a href='#'>{s}</a></li>" for s in side)}</ul></nav>
<div class="content"><div class="breadcrumbs">Docs › Keys and passwords</div><div role="main" class="document"><div class="section"><h1>{t}</h1>
{paragraphs(body)}
</div></div><div class="feedback">{extra[0]}</div><a class="edit" href="#">{extra[1]}</a></div>
<div class="toc-right"><p>{extra[2]}</p></div></div></body></html>"""
    )


def magazine(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    readmore = "Read more: The island where the post still arrives by rowing boat"
    caption = "Photo: The lighthouse at dusk. Credit: Coastal Archive"
    boiler += [readmore, caption, COMMON["newsletter"], COMMON["share"]]
    return (
        head(t, a, d, "North Atlantic Quarterly")
        + f"""<body><header><nav><a href="/">Home</a><a href="/issues">Issues</a><a href="/subscribe">Subscribe</a></nav></header>
<article><header><h1>{t}</h1><p class="dek">A life spent between the rocks and the lamp</p><p class="by">Words by {a}</p></header>
<figure><img src="x.jpg" alt=""><figcaption>{caption}</figcaption></figure>
{paragraphs(body, between=f'<p class="read-more"><a href="/island">{readmore}</a></p>')}
<div class="share-bar">{COMMON["share"]}</div><div class="inline-newsletter"><p>{COMMON["newsletter"]}</p></div></article></body></html>"""
    )


def local_paywall(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    extra = [
        "You have 3 free articles left this month. Subscribe for unlimited access.",
        "Weather: 14 degrees, light rain, wind from the south west",
        "Family notices Jobs Property Motors Dating Puzzles Announcements",
    ]
    boiler += [*extra, COMMON["cookie"], COMMON["footer"]]
    return (
        head(t, a, d, "Westbrook Gazette")
        + f"""<body><div class="modal cookie"><h2>Your privacy</h2><p>{COMMON["cookie"]}</p></div>
<div class="weather-widget">{extra[1]}</div><div class="paywall-banner">{extra[0]}</div>
<main><article><h1 class="headline">{t}</h1><span class="author-name">{a}</span><span class="date">{d}</span>
<div class="article-body">{paragraphs(body)}</div></article></main>
<footer><div class="mega-footer"><p>{extra[2]}</p><p>{COMMON["footer"]}</p></div></footer></body></html>"""
    )


def recipe_blog(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    extra = ["Jump to recipe", "Print recipe", "Rate this recipe: 5 stars from 212 votes", "Pin it for later"]
    boiler += [*extra, COMMON["ad"]]
    ld = '{"@context":"https://schema.org","@type":"Recipe","name":"Sourdough","recipeIngredient":["500 g flour"]}'
    return (
        head(t, a, d, "Crumb and Crust", f'<script type="application/ld+json">{ld}</script>')
        + f"""<body>
<div class="header"><a href="/">Crumb and Crust</a> <a href="/recipes">Recipes</a> <a href="/about">About</a></div>
<div class="post"><h1>{t}</h1><div class="post-meta">by {a} on {d}</div><div class="recipe-buttons"><a href="#r">{extra[0]}</a> <a href="#p">{extra[1]}</a></div>
<div class="entry">{paragraphs(body, between=f'<div class="ad-inline">{COMMON["ad"]}</div>')}</div>
<div class="rating">{extra[2]}</div><div class="pin">{extra[3]}</div></div></body></html>"""
    )


def wiki_like(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    extra = [
        "From Wikipedia, the free encyclopedia",
        "Bridges over the river Aven: Old Mill Bridge Hallstrom Bridge Kingsway Viaduct",
        "This page was last edited on 3 May 2024",
        "Jump to navigation Jump to search",
    ]
    infobox = "Carries Four lanes Crosses River Aven Design Cable-stayed Opened 1987"
    boiler += [*extra, infobox]
    return (
        head(t, a, d, "Wikipedia")
        + f"""<body><div id="mw-navigation"><a href="/">Main page</a><a href="/random">Random article</a></div>
<div id="content"><h1 id="firstHeading">{t}</h1><div id="siteSub">{extra[0]}</div><div id="jump">{extra[3]}</div>
<div id="mw-content-text"><table class="infobox"><tr><td>{infobox}</td></tr></table>
{paragraphs(body).replace("</h2>", ' <span class="mw-editsection">[edit]</span></h2>')}
<div class="navbox">{extra[1]}</div></div></div><div id="footer">{extra[2]}</div></body></html>"""
    )


def news_cards(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    """Teaser cards marked up as <article> before the story, as many news front pages and story pages do."""
    cards = [
        (
            "Council budget: what changes for you",
            "A look at the spending plans for next year and what they mean for households.",
        ),
        (
            "Five walks for autumn weekends",
            "From the dunes to the old canal, our pick of routes for the cooler months.",
        ),
        ("Port workers vote on new contract", "The union will announce the result of the ballot on Friday afternoon."),
    ]
    boiler += [f"{h} {p}" for h, p in cards] + [COMMON["nav"], COMMON["footer"], COMMON["cookie"]]
    strip = "".join(f'<article class="card"><h3><a href="#">{h}</a></h3><p>{p}</p></article>' for h, p in cards)
    return (
        head(t, a, d, "Delta Post")
        + f"""<body><div class="consent"><p>{COMMON["cookie"]}</p></div>
<nav class="top">{"".join(f'<a href="#">{w}</a>' for w in COMMON["nav"].split())}</nav>
<section class="top-stories">{strip}</section>
<div class="story-page"><h1>{t}</h1><p class="meta">{a}, {d}</p><div class="story-text">{paragraphs(body)}</div></div>
<footer><p>{COMMON["footer"]}</p></footer></body></html>"""
    )


def split_body(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    """The story in two blocks around an ad and a "see also" box, inside a <main> shared with a sidebar."""
    see_also = "See also: Museum night returns with free entry to twelve galleries"
    side = "Opening hours Monday to Friday 9 to 20 Saturday 10 to 16 Sunday closed"
    boiler += [see_also, side, COMMON["ad"], COMMON["newsletter"]]
    first, second = body[:2], body[2:]
    return (
        head(t, a, d, "City Bulletin")
        + f"""<body><header><a href="/">City Bulletin</a></header><main>
<div class="layout"><div class="content"><h1>{t}</h1><div class="byline">{a} · {d}</div>
<div class="text-block">{paragraphs(first)}</div>
<div class="ad-container"><p>{COMMON["ad"]}</p></div><div class="see-also"><p>{see_also}</p></div>
<div class="text-block">{paragraphs(second)}</div></div>
<div class="sidebar"><div class="box"><h4>Visit us</h4><p>{side}</p></div><div class="box"><p>{COMMON["newsletter"]}</p></div></div></div>
</main></body></html>"""
    )


def live_blog(t: str, a: str, d: str, body: list[str], boiler: list[str]) -> str:
    """A live page: the summary in an <article> with timestamped posts, a results widget and a poll."""
    widget = "Results table: 1 Kiprono 2:09:11 2 Haile 2:09:48 3 Moreau 2:10:02"
    poll = "Poll: Should the marathon move to October? Yes No Vote"
    boiler += [widget, poll, COMMON["share"], "Refresh for the latest updates"]
    posts = "".join(f'<div class="post"><time>1{i}:00</time><p>{html.escape(p)}</p></div>' for i, p in enumerate(body))
    return (
        head(t, a, d, "Sport Today")
        + f"""<body><header><nav><a href="/">Sport Today</a><a href="/live">Live</a></nav></header>
<article class="live"><h1>{t}</h1><p class="author">By {a}</p><p class="refresh">Refresh for the latest updates</p>
<div class="share">{COMMON["share"]}</div><div class="posts">{posts}</div></article>
<aside class="widget"><p>{widget}</p></aside><aside class="poll"><p>{poll}</p></aside></body></html>"""
    )


STYLES = {
    "news-classic": news_classic,
    "blog-wordpress": blog_wordpress,
    "div-soup": div_soup,
    "medium-like": medium_like,
    "table-layout": table_layout,
    "press-release": press_release,
    "newsletter": newsletter,
    "docs-tutorial": docs_tutorial,
    "magazine": magazine,
    "local-paywall": local_paywall,
    "recipe-blog": recipe_blog,
    "wiki-like": wiki_like,
    "news-cards": news_cards,
    "split-body": split_body,
    "live-blog": live_blog,
}


def main() -> None:
    for name, title, author, date, body in ARTICLES:
        boiler: list[str] = []
        page = STYLES[name](title, author, date, body, boiler)
        (HERE / f"{name}.html").write_text(page, encoding="utf-8")
        (HERE / f"{name}.ref.txt").write_text("\n".join(b.removeprefix("## ") for b in body) + "\n", encoding="utf-8")
        (HERE / f"{name}.boiler.txt").write_text("\n".join(boiler) + "\n", encoding="utf-8")
    print(f"wrote {len(ARTICLES)} pages to {HERE}")


if __name__ == "__main__":
    main()
