"""Pages of a list without counting the list.

Django's Paginator runs `COUNT(*)` over the whole filtered table on every request, which
grows with the data (200-370 ms at 100,000 claims). A `Page` here reads one row more
than it shows: that row says whether there is a next page. Links are "Previous" and
"Next"; the list says which rows it shows ("1-25"), not how many there are in all.
"""

from dataclasses import dataclass, field

MAX_PAGE = 10_000


@dataclass
class Page:
    number: int
    size: int
    object_list: list = field(default_factory=list)
    has_next: bool = False

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.object_list else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.size + len(self.object_list)


def page_number(raw) -> int:
    """`?page=` as a number from 1 to MAX_PAGE; anything else is page 1."""
    try:
        return min(max(int(raw), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def get_page(queryset, raw_number, size: int) -> Page:
    """One page of `queryset` (ordered) in one query, whatever its length."""
    number = page_number(raw_number)
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    return Page(number=number, size=size, object_list=rows[:size], has_next=len(rows) > size)
