# ruff: noqa: E501 (feeds as outlets publish them: long lines)
"""Feeds of the shapes outlets publish, for the parsing and polling tests."""

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Hindustan Times - India News</title><link>https://www.hindustantimes.com/</link>
<language>en-in</language>
<item>
  <title><![CDATA[Singh to skip bilateral with Asif at <b>Qingdao</b>, officials say]]></title>
  <link>/india-news/singh-to-skip-bilateral-101.html?utm_source=rss#top</link>
  <description>&lt;p&gt;India's defence minister will not meet his Pakistani counterpart.&lt;/p&gt;</description>
  <pubDate>Wed, 25 Jun 2025 06:30:00 +0530</pubDate>
</item>
<item><title>Monsoon reaches Delhi</title><link>https://www.hindustantimes.com/cities/monsoon-102.html</link></item>
<item><title>No link here</title></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>TRT World</title><id>tag:trtworld.com,2025:feed</id><updated>2025-06-24T10:00:00Z</updated>
  <entry><title>Asif and Singh could meet in Qingdao, reports say</title>
    <link rel="alternate" href="https://www.trtworld.com/asia/sco-qingdao-18331"/>
    <id>tag:trtworld.com,2025:18331</id><updated>2025-06-24T09:00:00Z</updated>
    <summary type="html">&lt;p&gt;The two ministers are expected to attend.&lt;/p&gt;</summary>
  </entry>
</feed>"""

JSON_FEED = """{"version": "https://jsonfeed.org/version/1.1", "title": "Dawn", "language": "en",
 "items": [
  {"id": "1", "url": "https://www.dawn.com/news/1920001", "title": "Asif lands in Qingdao for SCO meeting",
   "content_text": "Defence Minister Khawaja Asif arrived in Qingdao.", "date_published": "2025-06-25T08:00:00+05:00"},
  {"id": "2", "title": "An item without a URL"}
 ]}"""

SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://www.aa.com.tr/en/asia-pacific/pakistan-india-defence-chiefs-may-meet/3581101</loc>
    <news:news><news:publication><news:name>Anadolu Agency</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2025-06-24T09:00:00+03:00</news:publication_date>
      <news:title>Pakistan and India defence chiefs may meet on SCO sidelines in Qingdao</news:title>
    </news:news></url>
  <url><loc>javascript:alert(1)</loc></url>
</urlset>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<rss version="2.0"><channel><title>&c;</title><item><title>&c;</title>
<link>https://example.org/a</link></item></channel></rss>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY leak SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title><item><title>&leak;</title>
<link>https://example.org/a</link></item></channel></rss>"""


def many_items(n: int) -> str:
    items = "".join(
        f"<item><title>Story {i}</title><link>https://example.org/{i}</link></item>"
        for i in range(n)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Many</title>{items}</channel></rss>'
