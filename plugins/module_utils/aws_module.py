# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""``AnsibleAWSModule`` of every AWS module of the collection: amazon.aws's, with botocore's data loader shared.

Every ``boto3.session.Session`` builds a new botocore ``Loader``, and a loader caches what it reads only for
itself: each module call therefore parses the JSON service models of every client it makes again (the EC2
model alone is several megabytes; ``endpoints.json`` and ``partitions.json`` come with every session). That is
most of the fixed cost of an AWS task. Under the Mitogen strategy (README, "Speed") modules run one after
another in one warm interpreter, so one loader per data path, kept for the life of the interpreter, lets every
later call reuse the parsed models: a no-op converge creates about a hundred clients.

The loader only reads botocore's packaged data files and hands out the same parsed dicts it always hands its
own session (botocore treats them as read-only), so sharing it changes no behaviour. Without Mitogen each
module runs in a new process: the cache lives for that one call, as before. ``share_loaders`` is idempotent;
``unshare_loaders`` puts botocore's own factory back (tests).
"""

from __future__ import annotations

import threading

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule as _AnsibleAWSModule

try:
    import botocore.loaders
    import botocore.session
except ImportError:  # pragma: no cover - AnsibleAWSModule reports the missing botocore
    botocore = None

_LOCK = threading.Lock()
_LOADERS = {}


def _shared_loader(search_path_string=None):
    """``botocore.loaders.create_loader`` with one loader per search path for the whole interpreter."""
    with _LOCK:
        loader = _LOADERS.get(search_path_string)
        if loader is None:
            loader = _LOADERS[search_path_string] = botocore.loaders.create_loader(search_path_string)
        return loader


def share_loaders():
    """Make every botocore session created from now on use the shared loader of its data path."""
    if botocore is not None and botocore.session.create_loader is not _shared_loader:
        botocore.session.create_loader = _shared_loader


def unshare_loaders():
    """Back to one loader per session (botocore's default); forget the shared ones."""
    if botocore is not None:
        botocore.session.create_loader = botocore.loaders.create_loader
    with _LOCK:
        _LOADERS.clear()


class AnsibleAWSModule(_AnsibleAWSModule):
    """amazon.aws ``AnsibleAWSModule``; its clients share botocore's parsed service models (see above)."""

    def __init__(self, **kwargs):
        share_loaders()
        super().__init__(**kwargs)
