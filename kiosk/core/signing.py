"""Signed content: a clinic's content folder, signed by whoever approved it (Ed25519).

A fleet gets its words from a content folder that Ansible (or a hand) copies to each kiosk.
With ``[content] public_key`` set, the kiosk shows a folder only if it is exactly the one
that was signed: every file in it, its name included. The signature file
(``SIGNATURE_FILE``, JSON) holds

- ``files``: each file's relative POSIX path -> SHA-256 of its bytes (the manifest), and
- ``signature``: the Ed25519 signature (base64) of the manifest's canonical text: one line
  ``<sha256>  <path>\\n`` per file, sorted by path, UTF-8.

Verifying checks the signature over the listed manifest first (another key, or a list edited
by hand, fails there), then compares the manifest with the folder as it is now: a file
changed, added, removed or renamed fails, named. A symbolic link or anything but a plain file
inside the folder is refused (it could point anywhere after signing); the folder itself may
be a link (``content/current -> content/2026.12``, a usual rollout). The signature file is
the one file not covered.

Pure Python (hashlib, json, cryptography): no Qt, reads files and never writes them; the
command line writes the keys and the signature file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNATURE_FILE = "SIGNATURE.json"
FORMAT = "botox-kiosk-content-signature/1"
#: A signature file larger than this is not one (a pack has tens of files, not millions).
SIGNATURE_MAX_BYTES = 4_000_000


class SigningError(Exception):
    """Why a folder is not signed as it should be, or a key cannot be used: one line."""


def generate_keys() -> tuple[bytes, bytes]:
    """A new key pair as PEM: (private, unencrypted PKCS#8; public, SubjectPublicKeyInfo)."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


#: A PEM key is a few hundred bytes; a "key" larger than this is not one.
KEY_MAX_BYTES = 64 * 1024


def _read_key(path: Path) -> bytes:
    """A key file's bytes: a plain file of at most ``KEY_MAX_BYTES``. Opened without
    blocking and checked once open, so a path that never ends (/dev/zero, a FIFO with no
    writer) is refused instead of hanging ``content sign`` or the kiosk's start."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise SigningError(f"{path}: cannot read the key: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SigningError(f"{path}: cannot read the key: not a plain file")
        try:
            data = f.read(KEY_MAX_BYTES + 1)
        except OSError as exc:
            raise SigningError(f"{path}: cannot read the key: {exc.strerror or exc}") from None
    if len(data) > KEY_MAX_BYTES:
        raise SigningError(f"{path}: not a key (larger than {KEY_MAX_BYTES // 1024} KB)")
    return data


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file. Raises SigningError."""
    data = _read_key(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise SigningError(
            f"{path}: not an unencrypted PEM private key (make one with `content keygen`)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file. Raises SigningError."""
    data = _read_key(path)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise SigningError(
            f"{path}: not a PEM public key (use the PUBLIC file `content keygen` wrote)"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"{path}: not an Ed25519 public key")
    return key


def _shown(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)


def manifest(folder: Path) -> dict[str, str]:
    """Each plain file under ``folder`` (but the signature file) -> the SHA-256 of its bytes,
    by relative POSIX path. Raises SigningError on a link, a special file, a name that is
    not one line of text, or a file that cannot be read."""
    root = Path(folder)
    if not root.is_dir():
        raise SigningError(f"{root}: not a folder")
    found: dict[str, str] = {}

    def walk(directory: Path, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            raise SigningError(f"{directory}: cannot be read: {exc.strerror or exc}") from None
        for entry in entries:
            name = prefix + entry.name
            if not entry.name.isprintable():
                raise SigningError(f"{root}: {_shown(name)}: a file name must be printable")
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:  # gone meanwhile, or not ours to read
                raise SigningError(f"{root}: {_shown(name)}: {exc.strerror or exc}") from None
            if stat.S_ISLNK(info.st_mode):
                raise SigningError(
                    f"{root}: {_shown(name)} is a symbolic link: a signed folder holds plain "
                    "files only"
                )
            if stat.S_ISDIR(info.st_mode):
                walk(Path(entry.path), name + "/")
            elif not stat.S_ISREG(info.st_mode):
                raise SigningError(f"{root}: {_shown(name)} is not a plain file")
            elif name != SIGNATURE_FILE:
                found[name] = _sha256(Path(entry.path), root, name)

    walk(root, "")
    return found


def _sha256(path: Path, root: Path, name: str) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 16), b""):
                digest.update(block)
    except OSError as exc:
        raise SigningError(f"{root}: {_shown(name)}: cannot be read: {exc.strerror}") from None
    return digest.hexdigest()


def canonical(files: dict[str, str]) -> bytes:
    """The signed text of a manifest: ``<sha256>  <path>`` lines, sorted by path."""
    return "".join(f"{files[name]}  {name}\n" for name in sorted(files)).encode("utf-8")


def sign(folder: Path, key: Ed25519PrivateKey) -> tuple[bytes, int]:
    """The signature file's bytes for ``folder`` as it is now, and how many files it covers."""
    files = manifest(folder)
    if not files:
        raise SigningError(f"{folder}: holds no files to sign")
    document = {
        "format": FORMAT,
        "files": files,
        "signature": base64.b64encode(key.sign(canonical(files))).decode("ascii"),
    }
    return (json.dumps(document, indent=1, sort_keys=True) + "\n").encode("utf-8"), len(files)


def _signed_manifest(folder: Path) -> tuple[dict[str, str], bytes]:
    """The manifest and signature the folder's signature file holds. Raises SigningError."""
    path = Path(folder) / SIGNATURE_FILE
    try:
        with path.open("rb") as f:
            data = f.read(SIGNATURE_MAX_BYTES + 1)
    except FileNotFoundError:
        raise SigningError(
            f"{folder}: not signed (no {SIGNATURE_FILE}; sign it with `content sign`)"
        ) from None
    except OSError as exc:
        raise SigningError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        document: Any = json.loads(data) if len(data) <= SIGNATURE_MAX_BYTES else None
        files = document["files"]
        signature = base64.b64decode(document["signature"], validate=True)
        ok = document["format"] == FORMAT and all(
            _listed(name, digest) for name, digest in files.items()
        )
    # RecursionError: "[[[[…" nested deeper than json can read
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error, RecursionError):
        ok = False
    if not ok:
        raise SigningError(f"{path}: not a signature file of this program ({FORMAT})")
    return files, signature


def _listed(name: object, digest: object) -> bool:
    """A manifest entry as ``sign`` writes it: a printable UTF-8 path, a SHA-256 in hex
    (a lone surrogate such as "\\ud800" is valid JSON but no UTF-8: it cannot be signed)."""
    if not isinstance(name, str) or not isinstance(digest, str) or not name.isprintable():
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)


def verify(folder: Path, key: Ed25519PublicKey) -> dict[str, str]:
    """Check ``folder`` is exactly what was signed with the private half of ``key``; its
    verified manifest (relative path -> SHA-256), against which a file read later is
    checked. Raises SigningError naming what differs (the first file, by path)."""
    files, signature = _signed_manifest(folder)
    try:
        key.verify(signature, canonical(files))
    except InvalidSignature:
        raise SigningError(
            f"{folder}: the signature does not match the public key (signed with another "
            f"key, or {SIGNATURE_FILE} was edited)"
        ) from None
    now = manifest(folder)
    for name in sorted(set(files) | set(now)):
        if name not in now:
            raise SigningError(f"{folder}: {_shown(name)} was removed or renamed after signing")
        if name not in files:
            raise SigningError(f"{folder}: {_shown(name)} was added after signing")
        if files[name] != now[name]:
            raise SigningError(f"{folder}: {_shown(name)} was changed after signing")
    return files


def sha256_of(data: bytes) -> str:
    """The manifest's digest of a file's bytes."""
    return hashlib.sha256(data).hexdigest()


def verify_with(folder: Path, public_key: Path) -> dict[str, str]:
    """``verify`` with the key in a PEM file. Raises SigningError."""
    return verify(folder, load_public_key(public_key))
