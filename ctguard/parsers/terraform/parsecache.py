"""HCL bodies cached by file content, so an unchanged module is not parsed again.

A CI gate or pre-commit hook sees mostly unchanged files, so we keep what ``tf_hcl`` reads of each
file (its ``Body``: blocks, labels, attribute names and positions, and python-hcl2's expression
trees) under the user's cache directory (``$XDG_CACHE_HOME/ctguard/hcl-trees/``, default
``~/.cache/...``), keyed by the SHA-256 of the text with the versions of everything that shapes
it. The body, not the whole parse tree: the body/block/attribute rules and the layout tokens are
most of a tree's nodes and nobody reads them, so an entry is smaller and loads faster.

An entry is plain data (``marshal`` of tuples, strings, ints and dicts, rebuilt into Lark
``Body``, ``Tree``/``Meta``/``Token`` by our own code): loading it cannot run code, unlike a pickle. A forged
tree could still change verdicts, and ``marshal`` is not hardened against malformed input, so an
entry is only read when:

* the directory and a 32-byte secret key file in it are owned by the current user and closed to
  group and others (the key is created 0600 on first use; anything else turns the cache off);
* the entry's HMAC-SHA256, under that key and bound to the entry's name, verifies: a file planted
  or edited by anyone who cannot read the key is refused.

A failure anywhere (read-only home, foreign owner, bad tag, odd entry) falls back to parsing with
Lark: the cache can make a run faster, never different. ``CTGUARD_HCL_PARSER=lark`` bypasses it
and the tree-sitter fast path of ``tf_fastparse``
(the equivalence test compares both paths).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import marshal
import os
import secrets
import stat
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from lark import Token, Tree
from lark.tree import Meta

from ctguard.gcpause import collector_paused
from ctguard.parsers.terraform.body import Attr, Block, Body, body_of
from ctguard.parsers.terraform.budget import MAX_EXACT_PARSE_CHARS, ParseBudget

FORMAT = b"ctguard-hcl-body-4"
# Storing a body costs a good part of parsing it. A file seen once (an ephemeral CI runner, a
# one-off scan) only leaves an empty marker; the body is stored when the same text comes again.
STORE_ON_SECOND_SIGHT = True
MIN_CHARS = 64  # lone expressions (`-var` values, heredoc interpolations): not worth a file
# Hand-written .tf files are tens of KB (the largest of the real-world corpus: 23 KB). A huge
# generated or hostile file is parsed again rather than stored: storing the whole tree of a 1 MB
# file cost 537 MB and 6.3 s on its second sight; its body, 1.6 s against 0.9 s to parse it.
MAX_CHARS = 256 * 1024
MAX_AGE_DAYS = 30  # entries not rewritten for this long are removed (at most one sweep a day)
_KEY_BYTES = 32
_TAG_BYTES = 32
_OPENED: dict[Path, _Store | None] = {}


def parse_body(text: str, file: str) -> Body:
    """``tf_hcl.Body`` of ``text`` (comments already blanked) for ``file``, from the cache when we can."""
    if os.environ.get("CTGUARD_HCL_PARSER", "").strip().lower() == "lark":
        return lark_body(text, file)
    if len(text) < MIN_CHARS or len(text) > MAX_CHARS:
        return _parse(text, file)
    store = _Store.open()
    if store is None:
        return _parse(text, file)
    name = store.name_of(text)
    body = store.get(name, file)
    if body is None:
        body = _parse(text, file)  # a syntax error raises here: errors are never cached
        if not STORE_ON_SECOND_SIGHT or store.seen_before(name):
            store.put(name, body)
    return body


def _parse(text: str, file: str) -> Body:
    """tree-sitter's fast path (``tf_fastparse``) when it can promise Lark's body, else Lark."""
    from ctguard.parsers.terraform import fastparse as tf_fastparse

    declined: tf_fastparse.Decline | None = None
    try:
        return tf_fastparse.parse_body(text, file)
    except ParseBudget:
        raise
    except tf_fastparse.Decline as exc:
        declined = exc
    except Exception:
        pass
    if len(text) > MAX_EXACT_PARSE_CHARS:
        raise _too_large_for_lark(text, declined)
    return lark_body(text, file)


def _too_large_for_lark(text: str, declined: Any) -> ParseBudget:
    """``declined``: the fast reader's ``Decline``, or None when it failed otherwise."""
    size = f"{len(text) / 1024:,.0f} KB"
    limit = f"{MAX_EXACT_PARSE_CHARS // 1024} KB"
    if declined is not None and declined.error_at is not None:
        line, column = declined.error_at
        return ParseBudget(
            f"HCL syntax error near line {line}, column {column} (found by tree-sitter; the file is {size}, "
            f"over the {limit} ctguard gives its exact parser for the message): fix the syntax",
            line,
            column,
        )
    why = str(declined) if declined is not None else "a construct the fast reader does not rebuild"
    return ParseBudget(
        f"the file is {size} and its fast reading stopped ({why}); the exact parser takes about 7 s per "
        f"MB, so ctguard gives it files of at most {limit}: split the file, or check it on its own",
    )


def lark_body(text: str, file: str) -> Body:
    """The reference: python-hcl2's tree, read by ``tf_hcl``."""
    tree = lark_tree(text)
    with collector_paused():
        return body_of(cast("Tree[Token]", tree.children[0]), file)  # the start rule's only child is the body


def lark_tree(text: str) -> Tree[Token]:
    import hcl2  # imported late: the prefilter must not pay for it

    return hcl2.parses_to_tree(text)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ctguard" / "hcl-trees"


class _Store:
    def __init__(self, root: Path, key: bytes, salt: bytes) -> None:
        self.root, self.key, self.salt = root, key, salt

    @classmethod
    def open(cls) -> _Store | None:
        root = cache_dir()
        if root not in _OPENED:  # once per process and directory: a scan parses many files
            _OPENED[root] = cls._open(root)
        return _OPENED[root]

    @classmethod
    def _open(cls, root: Path) -> _Store | None:
        if not hasattr(os, "getuid"):
            return None  # no owner to check the key against (Windows): parse every time
        try:
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not _private(root, directory=True):
                return None
            key = _key(root)
        except OSError:
            return None
        if key is None:
            return None
        import hcl2.version
        import lark

        _sweep(root)
        salt = b"\0".join(
            (
                FORMAT,
                str(hcl2.version.version).encode(),
                lark.__version__.encode(),
                f"{sys.version_info[:2]}-{marshal.version}".encode(),
            )
        )
        return cls(root, key, salt)

    def name_of(self, text: str) -> str:
        digest = hashlib.sha256(self.salt)
        digest.update(b"\0")
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _tag(self, name: str, blob: bytes) -> bytes:
        return hmac.new(self.key, name.encode("ascii") + b"\0" + blob, hashlib.sha256).digest()

    def get(self, name: str, file: str) -> Body | None:
        try:
            data = (self.root / name).read_bytes()
        except OSError:
            return None
        tag, blob = data[:_TAG_BYTES], data[_TAG_BYTES:]
        if len(tag) != _TAG_BYTES or not hmac.compare_digest(tag, self._tag(name, blob)):
            return None
        # Tens of thousands of new containers: the collector would run for nothing.
        with collector_paused():
            try:
                return _decode_body(marshal.loads(zlib.decompress(blob)), file)
            except Exception:
                return None

    def seen_before(self, name: str) -> bool:
        """True when a marker of this text exists; otherwise leave one (0600, empty)."""
        try:
            os.close(os.open(self.root / f"{name}.seen", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            return True
        except OSError:
            pass
        return False

    def put(self, name: str, body: Body) -> None:
        try:
            blob = zlib.compress(marshal.dumps(_encode_body(body)), 1)  # a quarter of the size, ~0.3 ms to inflate
        except Exception:
            return
        tmp = self.root / f".{name}.{os.getpid()}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(self._tag(name, blob) + blob)
            os.replace(tmp, self.root / name)
            (self.root / f"{name}.seen").unlink(missing_ok=True)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


# A body is (attributes, blocks): an attribute (name, line, column, expression), a block (type,
# labels, line, column, body). The file name is not stored: the same text in two files is one entry.
def _encode_body(body: Body) -> tuple[Any, ...]:
    return (
        [(a.name, a.line, a.column, _encode(a.expr)) for a in body.attributes.values()],
        [(b.type, b.labels, b.line, b.column, _encode_body(b.body)) for b in body.blocks],
    )


def _decode_body(item: tuple[Any, ...], file: str) -> Body:
    attributes, blocks = item
    body = Body()
    for name, line, column, expr in attributes:
        decoded = _decode(expr)
        if decoded is None:
            raise ValueError("an attribute without an expression")
        body.attributes[name] = Attr(name, decoded, file, line, column)
    body.blocks = [
        Block(kind, tuple(labels), _decode_body(inner, file), file, line, column)
        for kind, labels, line, column, inner in blocks
    ]
    return body


# An expression is python-hcl2's tree. A token is its 8 fields (Token's own pickling drops the end positions); a tree is
# (rule type or None, rule name, meta attributes or None, children); Lark's placeholder is None.
def _encode(node: Tree[Token] | Token | None) -> tuple[Any, ...] | None:
    if node is None:
        return None
    if type(node) is Token:
        return (
            node.type,
            node.value,
            node.start_pos,
            node.line,
            node.column,
            node.end_line,
            node.end_column,
            node.end_pos,
        )
    node = cast("Tree[Token]", node)  # not a Token and not None: Lark trees hold only these
    data, meta = node.data, node._meta  # reading .meta would create an empty one
    return (
        data.type if type(data) is Token else None,
        str(data),
        None if meta is None else dict(vars(meta)),
        [_encode(c) for c in node.children],
    )


_new_token: Callable[..., Token] = Token._future_new  # Token() forwards to it; skipping the hop is 2x faster
_new_meta = Meta.__new__


def _decode(item: tuple[Any, ...] | None) -> Tree[Token] | Token | None:
    if item is None:
        return None
    if len(item) == 8:
        return _new_token(*item)
    rule_type, rule, attrs, children = item
    meta = None
    if attrs is not None:
        meta = _new_meta(Meta)
        meta.__dict__ = attrs
    # Lark's own placeholders are None children, so the list is not strictly list[Branch]
    kids = cast("list[Tree[Token] | Token]", [_decode(c) for c in children])
    return Tree(rule if rule_type is None else Token(rule_type, rule), kids, meta)


def _sweep(root: Path) -> None:
    """Remove entries and markers older than MAX_AGE_DAYS; the cache would otherwise only grow."""
    stamp = root / "swept"
    now = time.time()
    try:
        if now - os.stat(stamp).st_mtime < 86400:
            return
    except FileNotFoundError:
        pass
    try:
        stamp.touch(mode=0o600)
        for entry in os.scandir(root):
            if (
                entry.name not in ("key", "swept")
                and now - entry.stat(follow_symlinks=False).st_mtime > MAX_AGE_DAYS * 86400
            ):
                os.unlink(entry.path)
    except OSError:
        pass


def _private(path: Path, directory: bool) -> bool:
    """Owned by us, open to nobody else, and the kind of file we expect (no symlink)."""
    st = os.lstat(path)
    kind_ok = stat.S_ISDIR(st.st_mode) if directory else stat.S_ISREG(st.st_mode)
    return kind_ok and st.st_uid == os.getuid() and not st.st_mode & 0o077


def _key(root: Path) -> bytes | None:
    path = root / "key"
    if not os.path.lexists(path):
        tmp = root / f".key.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(_KEY_BYTES))
        try:
            os.link(tmp, path)  # atomic and never replaces: concurrent first runs agree on one key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    if not _private(path, directory=False):
        return None
    key = path.read_bytes()
    return key if len(key) == _KEY_BYTES else None
