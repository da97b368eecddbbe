"""The local demo's news pages: the SCO Qingdao story of June 2025 as the outlets told it.

`manage.py demo_pages` serves them on 127.0.0.1:8001 (editable at /<slug>/edit), and
`manage.py seed_demo --pages-url http://127.0.0.1:8001` (bin/start) links the demo claims to
them instead of the real outlets' addresses, so the demo works with no internet: each
page stands in for the article it imitates, under that outlet. The Anadolu page already
carries its rewritten headline: the first check finds the change, as monitoring would have.

The server also publishes Hindustan Times' feed (FEED_PATH, an RSS 2.0 feed that seed_demo
registers for the outlet). DEMO_NEW_ARTICLE_AFTER seconds after the server starts, a new
article (NEW_ARTICLE) appears on it: beat polls the feed, and discovery suggests it as a
source of the meeting claim, with "denies" pre-selected (docs/discovery.md, "The demo").
"""

import html
from datetime import datetime
from email.utils import format_datetime
from xml.etree import ElementTree as ET

# slug -> the outlet's domain, the real article it imitates, headline when linked, text.
ARTICLES = {
    "aa-defence-chiefs-may-meet": {
        "outlet": "aa.com.tr",
        "imitates": "https://www.aa.com.tr/en/asia-pacific/pakistan-india-defence-chiefs-may-meet-at-sco-qingdao/3581101",
        "title": "Pakistan and India defence chiefs may meet on SCO sidelines in Qingdao",
        "now_title": "Pakistan says no meeting planned with India at SCO in Qingdao",
        "text": (
            "Pakistan's Defence Minister Khawaja Asif will lead the Pakistani delegation at the "
            "two-day Shanghai Cooperation Organisation defence ministers' meeting in Qingdao, "
            "China.\n\n"
            "India's Defence Minister Rajnath Singh will also attend the forum with a high-level "
            "delegation, raising the possibility of the first face-to-face meeting between the "
            "two since the recent military standoff between Islamabad and New Delhi.\n\n"
            "Singh is scheduled to hold meetings with the defence ministers of China, Russia, "
            "and other nations on the sidelines of the meeting."
        ),
    },
    "trt-asif-singh-could-meet": {
        "outlet": "trtworld.com",
        "imitates": "https://www.trtworld.com/asia/sco-qingdao-asif-singh-possible-meeting-18331",
        "title": "Asif and Singh could meet in Qingdao, reports say",
        "text": (
            "Pakistan's Defence Minister Khawaja Asif will lead the Pakistani delegation at the "
            "two-day Shanghai Cooperation Organisation defence ministers' meeting in Qingdao, "
            "according to Anadolu Agency.\n\n"
            "India's Defence Minister Rajnath Singh will also attend the forum, raising the "
            "possibility of the first face-to-face meeting between the two since the recent "
            "military standoff, Anadolu reported.\n\n"
            "The two ministers are expected to attend the two-day forum."
        ),
    },
    "mofa-response-to-speculation": {
        "outlet": "mofa.gov.pk",
        "imitates": "https://mofa.gov.pk/press-releases/response-to-speculation-sco-defence-ministers-meeting",
        "title": "Response to speculation regarding SCO Defence Ministers' Meeting",
        "text": (
            "In response to speculation and rumours, the Foreign Office wishes to clarify that "
            "no meeting is scheduled between the Defence Minister and his Indian counterpart "
            "during the SCO Defence Ministers' Meeting.\n\n"
            "The Defence Minister reached Qingdao, China to participate in the SCO meeting, "
            "which began on Wednesday and will deliberate on regional and global security, "
            "counter-terrorism cooperation and military ties."
        ),
    },
    "ary-defense-minister-reaches-china": {
        "outlet": "arynews.tv",
        "imitates": "https://arynews.tv/defense-minister-reaches-china-to-attend-sco-meeting/",
        "title": "Defense Minister reaches China to attend SCO Defence Ministers' Meeting",
        "text": (
            "ISLAMABAD: Pakistan's Foreign Ministry on Wednesday clarified that no meeting is "
            "scheduled between Defense Minister Khawaja Asif and his Indian counterpart Rajnath "
            "Singh during the Shanghai Cooperation Organisation Defence Ministers' Meeting.\n\n"
            "The Foreign Office, in a statement issued in response to speculations and rumor, "
            "confirmed that the Defense Czar reached Qingdao, China to participate in the SCO "
            "meeting.\n\n"
            "On the other hand, Turkish media reports suggested the possibility of the first "
            "face-to-face meeting between the defense ministers of the two South Asian "
            "countries since the recent military standoff."
        ),
    },
    "ht-rajnath-singh-to-attend": {
        "outlet": "hindustantimes.com",
        "imitates": "https://www.hindustantimes.com/india-news/rajnath-singh-to-attend-sco-meet-in-qingdao-101750700000000.html",
        "title": "Rajnath Singh to attend SCO defence ministers' meet in Qingdao",
        "text": (
            "Defence Minister Rajnath Singh will travel to Qingdao in China to attend the SCO "
            "defence ministers' meeting, the defence ministry said.\n\n"
            "He is expected to hold bilateral talks with some of his counterparts on the "
            "sidelines. The ministry did not say with whom."
        ),
    },
    "xinhua-sco-security-secretaries": {
        "outlet": "english.news.cn",
        "imitates": "https://english.news.cn/20250624/sco-security-council-secretaries-meeting-beijing/c.html",
        "title": "SCO Security Council secretaries meet in Beijing",
        "text": (
            "The 20th meeting of the secretaries of the Security Councils of SCO member states "
            "was held in Beijing on Tuesday.\n\n"
            "Pakistan's National Security Advisor Lt Gen Asim Malik attended the meeting and "
            "held talks with Chinese leaders on regional security cooperation."
        ),
    },
    # A free page to link to any claim and edit (docs/monitoring.md, "The local demo").
    "sco-meeting": {
        "outlet": "",
        "imitates": "",
        "title": "Pakistan and India defence chiefs may meet at SCO meeting in Qingdao",
        "text": (
            "Pakistan's Defence Minister Khawaja Asif will lead the Pakistani delegation at "
            "the Shanghai Cooperation Organisation's defence ministers' meeting in Qingdao.\n\n"
            "India's Defence Minister Rajnath Singh is also expected to attend the two-day "
            "forum, which could bring the first face-to-face meeting between the two since "
            "the recent military standoff.\n\n"
            "Officials of neither ministry have confirmed that a meeting is planned."
        ),
    },
}
BY_REAL_URL = {a["imitates"]: slug for slug, a in ARTICLES.items() if a["imitates"]}


def page_html(title: str, text: str) -> str:
    """A demo article as the page server sends it (and the seed stores its first snapshot)."""
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)} | Demo News</title></head><body>"
        f"<article><h1>{html.escape(title)}</h1>{paragraphs}</article></body></html>"
    )


FEED_OUTLET = "hindustantimes.com"
FEED_PATH = "/feeds/hindustantimes.xml"
# The Indian report that arrives while the demo runs. Its lead says how it stands on the
# meeting: the stance model reads a headline and its lead, and attribution alone ("officials
# say") would pull the headline to neutral.
NEW_ARTICLE_SLUG = "ht-singh-to-skip-bilateral"
NEW_ARTICLE = {
    "outlet": FEED_OUTLET,
    "title": "Singh to skip bilateral with Asif at Qingdao, officials say",
    "summary": (
        "No bilateral meeting with Pakistan's Khawaja Asif is planned, defence ministry "
        "officials said on Wednesday, dismissing Turkish media reports of a face-to-face "
        "meeting."
    ),
    "text": (
        "No bilateral meeting with Pakistan's Khawaja Asif is planned, defence ministry "
        "officials said on Wednesday, dismissing Turkish media reports of a face-to-face "
        "meeting.\n\n"
        "Defence Minister Rajnath Singh will hold talks with the defence ministers of China "
        "and Russia on the sidelines of the SCO meeting in Qingdao, the officials said."
    ),
}


def feed_rss(base_url: str, items: list[tuple[str, dict, datetime]]) -> bytes:
    """Hindustan Times' demo feed: RSS 2.0 with these (slug, article, published) items,
    newest first, links under `base_url` (the page server's own address)."""
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = "Hindustan Times: India news (demo)"
    ET.SubElement(channel, "link").text = f"{base_url}/"
    ET.SubElement(channel, "description").text = "The demo pages' feed of the outlet."
    for slug, article, published in sorted(items, key=lambda item: item[2], reverse=True):
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = article["title"]
        ET.SubElement(item, "link").text = f"{base_url}/{slug}"
        ET.SubElement(item, "guid", isPermaLink="true").text = f"{base_url}/{slug}"
        ET.SubElement(item, "pubDate").text = format_datetime(published)
        lead = article.get("summary") or article["text"].split("\n\n")[0]
        ET.SubElement(item, "description").text = lead
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)
