"""The paging parameters of every list route, checked where they are understood.

`page_size` 0 means the default (50) and more than 500 counts as 500; `page_token` is
the opaque `next_page_token` of the previous page. The services check both
(mgov_common.paging): a negative size is 400 `invalid_page_size`, a token that is not
one they issued for the same query is 400 `invalid_page_token`. Every list answers
`{"items": [...], "next_page_token": "..."}` ("" on the last page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

INT32 = 2**31 - 1

PAGE_SIZE_DOC = "0 = the default (50); more than 500 counts as 500"
PAGE_TOKEN_DOC = "the next_page_token of the previous page, as it was given"
PageSize = Annotated[int, Query(ge=-INT32 - 1, le=INT32, description=PAGE_SIZE_DOC)]
PageToken = Annotated[str, Query(description=PAGE_TOKEN_DOC)]
