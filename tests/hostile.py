"""Text that must come out escaped wherever it is shown: every kind of text a person types
or a page we fetch can carry."""

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
XSS_ESCAPED = "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;"
