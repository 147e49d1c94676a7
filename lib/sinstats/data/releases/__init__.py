"""``sinstats fetch``: bring an official EES release into ``data/raw/<release>/``, safely.

What happens, in order (nothing downloaded is ever executed):

1. the ZIP is streamed into a temporary folder inside ``data/raw/`` over ``https://`` only, with
   a progress bar, a timeout, retries with back-off and a size cap; an HTML page or another
   content type is refused (:mod:`~sinstats.data.releases.download`);
2. the archive is checked before anything is written (paths, links, encryption, duplicates,
   entry count, sizes and compression ratios) and plain files of known types are extracted
   (:mod:`~sinstats.data.releases.archive`);
3. every data CSV is validated with :func:`sinstats.data.official.read_ees_file`; at least one
   must be a serious incident notifications file and the latest period must be the one the
   release slug names (:func:`validate_release`);
4. ``SOURCE.json`` is written and the folder is moved into ``data/raw/<release>/``, replacing a
   previous copy only once the new one is in place (:func:`fetch`,
   :mod:`~sinstats.data.releases.install`).

The releases sinstats knows and their download URLs are in
:mod:`~sinstats.data.releases.catalogue`. The names below are the public API; callers need not
know which module holds which.
"""

from __future__ import annotations

from sinstats.data.releases.archive import (
    DATA_FOLDERS,
    KEPT_SUFFIXES,
    ArchiveLimits,
    Entry,
    check_archive,
    extract_archive,
)
from sinstats.data.releases.catalogue import (
    KNOWN_RELEASES,
    RELEASE_URL_TEMPLATE,
    KnownRelease,
    check_release,
    release_label,
    release_url,
)
from sinstats.data.releases.download import (
    DEFAULT_BACKOFF,
    DEFAULT_MAX_BYTES,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    ENV_ALLOW_HTTP_LOCALHOST,
    ZIP_CONTENT_TYPES,
    DownloadInfo,
    DownloadOptions,
    check_url,
    download,
)
from sinstats.data.releases.install import FetchResult, fetch, validate_release
from sinstats.errors import ArchiveError, FetchError

__all__ = [
    "DATA_FOLDERS",
    "DEFAULT_BACKOFF",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "ENV_ALLOW_HTTP_LOCALHOST",
    "KEPT_SUFFIXES",
    "KNOWN_RELEASES",
    "RELEASE_URL_TEMPLATE",
    "ZIP_CONTENT_TYPES",
    "ArchiveError",
    "ArchiveLimits",
    "DownloadInfo",
    "DownloadOptions",
    "Entry",
    "FetchError",
    "FetchResult",
    "KnownRelease",
    "check_archive",
    "check_release",
    "check_url",
    "download",
    "extract_archive",
    "fetch",
    "release_label",
    "release_url",
    "validate_release",
]
